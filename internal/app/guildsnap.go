package app

import (
	"context"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/discordact"
	"github.com/embodied-community/embodied/internal/guildsnap"
)

// snapshotTimeout bounds one gateway event's snapshot write.
const snapshotTimeout = 10 * time.Second

// newGuildSnap builds the guilds' role and channel snapshot and translates
// the gateway events that keep it: GUILD_CREATE (the whole structure),
// GUILD_ROLE_CREATE/UPDATE/DELETE and CHANNEL_CREATE/UPDATE/DELETE of guild
// channels (threads and DMs are not kept).
func (a *App) newGuildSnap(discord *discordact.Discord) *guildsnap.Service {
	svc := guildsnap.New(a.Store, discord, guildsnap.Options{Now: a.opts.Now, Logger: a.log})
	record := func(what, guildID string, fn func(context.Context) error) {
		ctx, cancel := context.WithTimeout(context.Background(), snapshotTimeout)
		defer cancel()
		if err := fn(ctx); err != nil {
			a.log.Warn("Guild snapshot not updated", "event", what, "guildId", guildID, "error", err)
		}
	}
	// discordgo's state keeps, and changes under its lock, the objects the
	// events carry: they are read under it.
	st := a.Session.State
	a.onGateway(func(_ *discordgo.Session, g *discordgo.GuildCreate) {
		st.RLock()
		if g.Unavailable {
			st.RUnlock()
			return
		}
		roles := make([]guildsnap.Role, 0, len(g.Roles))
		for _, r := range g.Roles {
			roles = append(roles, snapRole(r))
		}
		channels := make([]guildsnap.Channel, 0, len(g.Channels))
		for _, c := range g.Channels { // Discord leaves guild_id out of these
			if !c.IsThread() {
				channels = append(channels, snapChannel(c))
			}
		}
		st.RUnlock()
		record("GUILD_CREATE", g.ID, func(ctx context.Context) error { return svc.GuildLoaded(ctx, g.ID, roles, channels) })
	})
	a.onGateway(func(_ *discordgo.Session, r *discordgo.GuildRoleCreate) {
		record("GUILD_ROLE_CREATE", r.GuildID, func(ctx context.Context) error { return svc.RoleChanged(ctx, r.GuildID, locked(st, r.Role, snapRole)) })
	})
	a.onGateway(func(_ *discordgo.Session, r *discordgo.GuildRoleUpdate) {
		record("GUILD_ROLE_UPDATE", r.GuildID, func(ctx context.Context) error { return svc.RoleChanged(ctx, r.GuildID, locked(st, r.Role, snapRole)) })
	})
	a.onGateway(func(_ *discordgo.Session, r *discordgo.GuildRoleDelete) {
		record("GUILD_ROLE_DELETE", r.GuildID, func(ctx context.Context) error { return svc.RoleDeleted(ctx, r.GuildID, r.RoleID, "") })
	})
	a.onGateway(func(_ *discordgo.Session, c *discordgo.ChannelCreate) {
		if ch := locked(st, c.Channel, snapKept); ch.ID != "" {
			record("CHANNEL_CREATE", c.GuildID, func(ctx context.Context) error { return svc.ChannelChanged(ctx, c.GuildID, ch) })
		}
	})
	a.onGateway(func(_ *discordgo.Session, c *discordgo.ChannelUpdate) {
		if ch := locked(st, c.Channel, snapKept); ch.ID != "" {
			record("CHANNEL_UPDATE", c.GuildID, func(ctx context.Context) error { return svc.ChannelChanged(ctx, c.GuildID, ch) })
		}
	})
	a.onGateway(func(_ *discordgo.Session, c *discordgo.ChannelDelete) {
		if ch := locked(st, c.Channel, snapKept); ch.ID != "" {
			record("CHANNEL_DELETE", c.GuildID, func(ctx context.Context) error { return svc.ChannelDeleted(ctx, c.GuildID, ch, "") })
		}
	})
	return svc
}

// kept says whether the snapshot keeps a channel: a guild channel, not a
// thread.
func kept(c *discordgo.Channel) bool {
	return c != nil && c.GuildID != "" && !c.IsThread()
}

// locked translates v under the state's read lock.
func locked[V, T any](st *discordgo.State, v V, translate func(V) T) T {
	st.RLock()
	defer st.RUnlock()
	return translate(v)
}

func snapRole(r *discordgo.Role) guildsnap.Role {
	return guildsnap.Role{ID: r.ID, Name: r.Name, Permissions: r.Permissions, Color: r.Color, Hoist: r.Hoist,
		Mentionable: r.Mentionable, Position: r.Position, Managed: r.Managed}
}

// snapKept translates a channel event's channel if the snapshot keeps
// it, and gives the zero Channel otherwise.
func snapKept(c *discordgo.Channel) guildsnap.Channel {
	if !kept(c) {
		return guildsnap.Channel{}
	}
	return snapChannel(c)
}

func snapChannel(c *discordgo.Channel) guildsnap.Channel {
	out := guildsnap.Channel{ID: c.ID, Type: int(c.Type), Name: c.Name, Position: c.Position, ParentID: c.ParentID, Topic: c.Topic,
		NSFW: c.NSFW, Slowmode: c.RateLimitPerUser}
	for _, o := range c.PermissionOverwrites {
		out.Overwrites = append(out.Overwrites, guildsnap.Overwrite{ID: o.ID, Type: int(o.Type), Allow: o.Allow, Deny: o.Deny})
	}
	return out
}
