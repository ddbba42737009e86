package discordact

import (
	"context"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/chatmod"
)

var _ chatmod.Deleter = (*Discord)(nil)

// DeleteMessage deletes a member's message in one call (DELETE
// /channels/{c}/messages/{m}), the reason in the guild's audit log. It
// needs Manage Messages in the channel.
func (d *Discord) DeleteMessage(ctx context.Context, channelID, messageID, auditReason string) error {
	err := d.s.ChannelMessageDelete(channelID, messageID, discordgo.WithContext(ctx), discordgo.WithAuditLogReason(auditReason))
	return classify("delete message "+messageID, err)
}
