package discordact

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/strike"
)

// UseState turns on the parts of discordgo's gateway state the directory
// reads: guilds (name, owner), their roles, and the bot's own member.
func UseState(s *discordgo.Session) {
	s.StateEnabled = true
	s.State.TrackRoles = true
	s.State.TrackMembers = true
}

// Guild returns the guild's name and owner, and the bot's id.
func (d *Discord) Guild(ctx context.Context, guildID string) (strike.Guild, error) {
	botID := d.botID()
	if g, ok := d.stateGuild(guildID); ok {
		return strike.Guild{ID: g.ID, Name: g.Name, OwnerID: g.OwnerID, BotID: botID}, nil
	}
	g, err := d.s.Guild(guildID, discordgo.WithContext(ctx))
	if err != nil {
		return strike.Guild{}, classify("get guild "+guildID, err)
	}
	return strike.Guild{ID: g.ID, Name: g.Name, OwnerID: g.OwnerID, BotID: botID}, nil
}

// stateGuild returns a copy of the guild's id, name, owner and roles from
// the gateway's state, if the state holds it as GUILD_CREATE described it,
// not as READY's unavailable stub (no owner, no roles). discordgo replaces a
// role on GUILD_ROLE_UPDATE rather than changing it, so the roles can be
// read without the lock.
func (d *Discord) stateGuild(guildID string) (discordgo.Guild, bool) {
	st := d.s.State
	g, err := st.Guild(guildID)
	if err != nil {
		return discordgo.Guild{}, false
	}
	st.RLock()
	defer st.RUnlock()
	if g.Unavailable || g.OwnerID == "" || len(g.Roles) == 0 {
		return discordgo.Guild{}, false
	}
	return discordgo.Guild{ID: g.ID, Name: g.Name, OwnerID: g.OwnerID, Roles: slices.Clone(g.Roles)}, true
}

func (d *Discord) botID() string {
	st := d.s.State
	st.RLock()
	defer st.RUnlock()
	if st.User == nil {
		return ""
	}
	return st.User.ID
}

// Member returns whether the user is a bot or an Administrator and the
// position of their highest role.
func (d *Discord) Member(ctx context.Context, guildID, userID string) (strike.Member, error) {
	m, err := d.member(ctx, guildID, userID)
	if err != nil {
		return strike.Member{}, err
	}
	roles, err := d.roles(ctx, guildID)
	if err != nil {
		return strike.Member{}, err
	}
	return permissions(guildID, userID, m, roles), nil
}

// member finds userID's membership: as the interaction carried it, the
// bot's own from the gateway's state, or else from REST.
func (d *Discord) member(ctx context.Context, guildID, userID string) (*discordgo.Member, error) {
	if m, ok := bot.CarriedMember(ctx, guildID, userID); ok {
		return m, nil
	}
	if userID == d.botID() {
		if m, ok := d.stateMember(guildID, userID); ok {
			return m, nil
		}
	}
	m, err := d.s.GuildMember(guildID, userID, discordgo.WithContext(ctx))
	if err != nil {
		err = classify("get member "+userID, err)
		if errors.Is(err, strike.ErrUnknown) {
			return nil, fmt.Errorf("%w: %w", strike.ErrNotMember, err)
		}
		return nil, err
	}
	return m, nil
}

// stateMember returns a copy of userID's member in the gateway's state.
// Only the bot's own is kept current there: without the Server Members
// intent, Discord sends GUILD_MEMBER_UPDATE for the bot alone.
func (d *Discord) stateMember(guildID, userID string) (*discordgo.Member, bool) {
	st := d.s.State
	m, err := st.Member(guildID, userID)
	if err != nil {
		return nil, false
	}
	st.RLock()
	c := *m
	st.RUnlock()
	return &c, true
}

// roles returns the guild's roles: from the gateway's state, or else from
// REST.
func (d *Discord) roles(ctx context.Context, guildID string) ([]*discordgo.Role, error) {
	if g, ok := d.stateGuild(guildID); ok {
		return g.Roles, nil
	}
	roles, err := d.s.GuildRoles(guildID, discordgo.WithContext(ctx))
	if err != nil {
		return nil, classify("get roles of guild "+guildID, err)
	}
	return roles, nil
}

// permissions computes, as Discord does, m's guild permissions from the
// guild's roles (@everyone's included) and the position of their highest
// role.
func permissions(guildID, userID string, m *discordgo.Member, roles []*discordgo.Role) strike.Member {
	out := strike.Member{UserID: userID, Bot: m.User != nil && m.User.Bot}
	var perms int64
	for _, r := range roles {
		if r.ID == guildID { // @everyone
			perms |= r.Permissions
			continue
		}
		if slices.Contains(m.Roles, r.ID) {
			perms |= r.Permissions
			out.TopPosition = max(out.TopPosition, r.Position)
		}
	}
	// Discord's computation: Administrator implies every permission.
	out.Administrator = perms&discordgo.PermissionAdministrator != 0
	out.BanMembers = out.Administrator || perms&discordgo.PermissionBanMembers != 0
	out.ModerateMembers = out.Administrator || perms&discordgo.PermissionModerateMembers != 0
	return out
}
