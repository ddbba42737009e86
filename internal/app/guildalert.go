package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/bwmarrin/discordgo"
)

// guildAlerter tells one guild's admins about a problem with their own
// settings (a moderation regex disabled at load): a DM to the guild's owner,
// who is always an admin, and a post in the guild's mod-log channel when it
// has one. The bot does not hold the members intent, so it cannot list the
// other admins; the mod log is where they look.
type guildAlerter struct {
	s      *discordgo.Session
	modLog func(ctx context.Context, guildID string) (string, error)
}

// Alert delivers text; it fails only if nobody got it.
func (g *guildAlerter) Alert(ctx context.Context, guildID, text string) error {
	msg := &discordgo.MessageSend{Content: text, AllowedMentions: &discordgo.MessageAllowedMentions{}}
	var errs []error
	delivered := 0
	if guild, err := g.s.Guild(guildID, discordgo.WithContext(ctx)); err != nil {
		errs = append(errs, fmt.Errorf("look up guild %s: %w", guildID, err))
	} else if ch, err := g.s.UserChannelCreate(guild.OwnerID, discordgo.WithContext(ctx)); err != nil {
		errs = append(errs, fmt.Errorf("DM the owner of guild %s: %w", guildID, err))
	} else if _, err := g.s.ChannelMessageSendComplex(ch.ID, msg, discordgo.WithContext(ctx)); err != nil {
		errs = append(errs, fmt.Errorf("DM the owner of guild %s: %w", guildID, err))
	} else {
		delivered++
	}
	if g.modLog != nil {
		ch, err := g.modLog(ctx, guildID)
		if err == nil && ch != "" {
			_, err = g.s.ChannelMessageSendComplex(ch, msg, discordgo.WithContext(ctx))
			if err == nil {
				delivered++
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("post to the mod log of guild %s: %w", guildID, err))
		}
	}
	if delivered == 0 {
		return errors.Join(append(errs, errors.New("guild alert delivered nowhere"))...)
	}
	return nil
}
