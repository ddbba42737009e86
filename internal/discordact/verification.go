package discordact

import (
	"context"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/raid"
)

var _ raid.Discord = (*Discord)(nil)

// VerificationLevel reads the guild's verification level (REST, so that
// raid mode remembers the level as it is now, not as the state last saw
// it).
func (d *Discord) VerificationLevel(ctx context.Context, guildID string) (int, error) {
	g, err := d.s.Guild(guildID, discordgo.WithContext(ctx))
	if err != nil {
		return 0, classify("read the guild "+guildID, err)
	}
	return int(g.VerificationLevel), nil
}

// SetVerificationLevel changes the guild's verification level (the bot
// needs Manage Server).
func (d *Discord) SetVerificationLevel(ctx context.Context, guildID string, level int, auditReason string) error {
	l := discordgo.VerificationLevel(level)
	_, err := d.s.GuildEdit(guildID, &discordgo.GuildParams{VerificationLevel: &l}, discordgo.WithContext(ctx),
		discordgo.WithAuditLogReason(auditReason))
	return classify("set the verification level of guild "+guildID, err)
}
