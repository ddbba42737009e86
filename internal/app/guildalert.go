package app

import (
	"context"
	"errors"
	"fmt"
)

// guildAlerter tells one guild's admins about a problem with their own
// settings (a moderation regex disabled at load): a DM to the guild's owner,
// who is always an admin, and a post in the guild's mod-log channel when it
// has one. The bot does not hold the members intent, so it cannot list the
// other admins; the mod log is where they look. Delivery is the owners'
// notifier's, with the guild's owner and mod log as its destinations.
type guildAlerter struct {
	// delivery is the owners' notifier, whose destinations Alert replaces.
	delivery notifier
	// owner returns the guild's owner (discordact: from the gateway).
	owner  func(ctx context.Context, guildID string) (string, error)
	modLog func(ctx context.Context, guildID string) (string, error)
}

// Alert delivers text; it fails only if nobody got it.
func (g *guildAlerter) Alert(ctx context.Context, guildID, text string) error {
	n := notifier{s: g.delivery.s, dm: g.delivery.dm}
	var errs []error
	if owner, err := g.owner(ctx, guildID); err != nil {
		errs = append(errs, fmt.Errorf("look up guild %s: %w", guildID, err))
	} else {
		n.owners = []string{owner}
	}
	if g.modLog != nil {
		ch, err := g.modLog(ctx, guildID)
		if err != nil {
			errs = append(errs, fmt.Errorf("find the mod log of guild %s: %w", guildID, err))
		}
		n.channel = ch
	}
	if err := n.Notify(ctx, text); err != nil {
		return errors.Join(append(errs, fmt.Errorf("alert guild %s: %w", guildID, err))...)
	}
	return nil
}
