package bot

import (
	"context"

	"github.com/bwmarrin/discordgo"
)

// Discord sends, with every guild interaction, the member who sent it and,
// for a command, each member its options name (data.resolved.members with
// data.resolved.users), with their roles as of the moment it was sent. The
// bot carries them on the interaction's context so that the Discord side
// (discordact) finds them there instead of asking REST; the layers in
// between, which import no discordgo, never see them.

type membersKey struct{}

// carried is what one interaction says about its guild's members.
type carried struct {
	guildID string
	members map[string]*discordgo.Member
}

// WithMembers returns ctx carrying the members ic brings: its sender and
// the members its command options resolve. A DM carries none. The bot
// calls it for every interaction it handles.
func WithMembers(ctx context.Context, ic *discordgo.Interaction) context.Context {
	if ic.GuildID == "" {
		return ctx
	}
	c := carried{guildID: ic.GuildID, members: map[string]*discordgo.Member{}}
	if m := ic.Member; m != nil && m.User != nil {
		c.members[m.User.ID] = m
	}
	if ic.Type == discordgo.InteractionApplicationCommand {
		if r := ic.ApplicationCommandData().Resolved; r != nil {
			for id, m := range r.Members {
				// A resolved member is partial: its user is in users.
				if u := r.Users[id]; m != nil && u != nil {
					full := *m
					full.User = u
					c.members[id] = &full
				}
			}
		}
	}
	return context.WithValue(ctx, membersKey{}, c)
}

// CarriedMember returns the member userID of guildID as the interaction
// handled under ctx carried them (its sender, or a member its options
// name), with their roles as of when it was sent. ok is false when the
// interaction did not carry them: look them up elsewhere (a user it names
// without a membership may have left, or never been a member).
func CarriedMember(ctx context.Context, guildID, userID string) (m *discordgo.Member, ok bool) {
	c, found := ctx.Value(membersKey{}).(carried)
	if !found || c.guildID != guildID {
		return nil, false
	}
	m, ok = c.members[userID]
	return m, ok
}
