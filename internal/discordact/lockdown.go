package discordact

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/lockdown"
)

var _ lockdown.Discord = (*Discord)(nil)

// Channels lists a guild's channels with their @everyone overwrite (whose
// id is the guild's), read from REST rather than the gateway's state: the
// overwrite a lockdown remembers must be Discord's own, not a cached one.
func (d *Discord) Channels(ctx context.Context, guildID string) ([]lockdown.Channel, error) {
	chs, err := d.s.GuildChannels(guildID, discordgo.WithContext(ctx))
	if err != nil {
		return nil, lockdownError("list the channels of "+guildID, err)
	}
	out := make([]lockdown.Channel, 0, len(chs))
	for _, ch := range chs {
		c := lockdown.Channel{ID: ch.ID, Name: ch.Name, Type: int(ch.Type)}
		for _, o := range ch.PermissionOverwrites {
			if o.ID == guildID && o.Type == discordgo.PermissionOverwriteTypeRole {
				c.Everyone = lockdown.Overwrite{Present: true, Allow: o.Allow, Deny: o.Deny}
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// SetEveryoneOverwrite puts or deletes the channel's @everyone overwrite.
// When the gateway's state shows the bot without Manage Roles in the
// channel it asks nothing: Discord would answer 403, which counts towards
// the invalid request limit.
func (d *Discord) SetEveryoneOverwrite(ctx context.Context, guildID, channelID string, o lockdown.Overwrite, auditReason string) error {
	if d.lacksInChannel(channelID, discordgo.PermissionManageRoles) {
		return fmt.Errorf("edit the permissions of %s (gateway state): %w", channelID, lockdown.ErrForbidden)
	}
	opts := []discordgo.RequestOption{discordgo.WithContext(ctx), discordgo.WithAuditLogReason(auditReason)}
	if !o.Present {
		return lockdownError("delete the @everyone overwrite of "+channelID, d.s.ChannelPermissionDelete(channelID, guildID, opts...))
	}
	err := d.s.ChannelPermissionSet(channelID, guildID, discordgo.PermissionOverwriteTypeRole, o.Allow, o.Deny, opts...)
	return lockdownError("set the @everyone overwrite of "+channelID, err)
}

// lacksInChannel reports whether the gateway's state shows the bot
// without perm in the channel (its roles and the channel's overwrites
// applied; the owner and Administrator hold everything); false when the
// state does not hold the channel, the guild or the bot's member.
func (d *Discord) lacksInChannel(channelID string, perm int64) bool {
	bot := d.botID()
	if bot == "" {
		return false
	}
	p, err := d.s.State.UserChannelPermissions(bot, channelID)
	return err == nil && p&perm == 0
}

// lockdownError maps Discord's refusals to the lockdown package's errors.
func lockdownError(what string, err error) error {
	if err == nil {
		return nil
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) {
		switch code := discordCode(err); {
		case code == codeUnknownChannel || re.Response != nil && re.Response.StatusCode == http.StatusNotFound:
			return fmt.Errorf("%s: %w (Discord %d)", what, lockdown.ErrUnknownChannel, code)
		case code == codeMissingPermissions || re.Response != nil && re.Response.StatusCode == http.StatusForbidden:
			return fmt.Errorf("%s: %w (Discord %d)", what, lockdown.ErrForbidden, code)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}
