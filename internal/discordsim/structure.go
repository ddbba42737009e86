package discordsim

// A guild's structure, its roles and channels, as Discord documents it
// (Resources, "Guild": Create Guild Role, Modify Guild Role Positions, Create
// Guild Channel, Modify Guild Channel Positions; "Channel": Delete/Close
// Channel; Gateway Events, "Guild Role Create/Delete", "Channel
// Create/Update/Delete"):
//
//   - a member deletes a channel or a role as in Discord's client
//     (DeleteChannel, DeleteRole): deleting a channel needs MANAGE_CHANNELS,
//     deleting a role MANAGE_ROLES and a highest role above it (the owner is
//     exempt); @everyone and managed roles cannot be deleted. Deleting a
//     category keeps its children, whose parent_id is cleared, one
//     CHANNEL_UPDATE each; a deleted role leaves its members and every
//     channel's permission overwrites. Each deletion is a guild audit entry.
//   - POST /guilds/{guild_id}/roles needs MANAGE_ROLES; a bot without
//     ADMINISTRATOR cannot create a role with a permission it lacks (403,
//     50013); at most 250 roles (400, 30005). The role is placed at position
//     1, above @everyone, the others moving up; GUILD_ROLE_CREATE.
//   - PATCH /guilds/{guild_id}/roles moves roles below the bot's highest role
//     to positions below it (403, 50013 otherwise); GUILD_ROLE_UPDATE for each
//     role moved; the answer is every role.
//   - POST /guilds/{guild_id}/channels needs MANAGE_CHANNELS; a bot without
//     ADMINISTRATOR can neither allow nor deny in an overwrite a permission it
//     lacks, nor set MANAGE_ROLES in one (403, 50013); parent_id must be a
//     category of the guild and a category has no parent (400, 50035); at
//     most 500 channels (400, 30013) and 50 per category (400, 50035);
//     CHANNEL_CREATE.
//   - PATCH /guilds/{guild_id}/channels (positions, parent_id) needs
//     MANAGE_CHANNELS, answers 204 and sends CHANNEL_UPDATE for each channel.
//
// Every change the bot makes records its X-Audit-Log-Reason.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/bwmarrin/discordgo"
)

// Discord's limits and error codes of a guild's structure.
const (
	CodeMaxRoles           = 30005
	CodeMaxChannels        = 30013
	maxGuildRoles          = 250
	maxGuildChannels       = 500
	maxChannelsPerCategory = 50
)

// ErrMissingPermissions is what Discord's client shows a member who may not
// do what they tried (the API's 403, 50013).
var ErrMissingPermissions = errors.New("discordsim: missing permissions")

// ChannelSpec describes a channel to create as a member does in Discord's client.
type ChannelSpec struct {
	Name     string
	Type     discordgo.ChannelType
	ParentID string
	Position int
	Topic    string
	NSFW     bool
	// RateLimitPerUser is the slowmode in seconds.
	RateLimitPerUser int
	Overwrites       []*discordgo.PermissionOverwrite
}

// CreateChannel creates a channel as the guild's owner would, sending
// CHANNEL_CREATE, and returns its ID. Tests use it to build a structure.
func (g *Guild) CreateChannel(spec ChannelSpec) string {
	s := g.s
	s.mu.Lock()
	ch := &discordgo.Channel{ID: s.newID(), GuildID: g.ID, Name: spec.Name, Type: spec.Type, ParentID: spec.ParentID,
		Position: spec.Position, Topic: spec.Topic, NSFW: spec.NSFW, RateLimitPerUser: spec.RateLimitPerUser,
		PermissionOverwrites: cloneOverwrites(spec.Overwrites)}
	s.channels[ch.ID] = &channel{ch: ch}
	g.channels = append(g.channels, ch.ID)
	c := copyChannel(ch)
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "CHANNEL_CREATE", c)
	return ch.ID
}

// Channel returns a copy of the guild channel with id, or nil when it does
// not exist (any more).
func (g *Guild) Channel(id string) *discordgo.Channel {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	if !slices.Contains(g.channels, id) {
		return nil
	}
	return copyChannel(g.s.channels[id].ch)
}

// Channels returns copies of the guild's channels in creation order.
func (g *Guild) Channels() []*discordgo.Channel {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	out := make([]*discordgo.Channel, 0, len(g.channels))
	for _, id := range g.channels {
		out = append(out, copyChannel(g.s.channels[id].ch))
	}
	return out
}

func cloneOverwrites(ows []*discordgo.PermissionOverwrite) []*discordgo.PermissionOverwrite {
	out := make([]*discordgo.PermissionOverwrite, len(ows))
	for i, o := range ows {
		c := *o
		out[i] = &c
	}
	return out
}

// DeleteChannel deletes a guild channel as actor does in Discord's client. It
// fails with ErrMissingPermissions when actor lacks MANAGE_CHANNELS.
func (g *Guild) DeleteChannel(actor *Member, channelID string) error {
	s := g.s
	s.mu.Lock()
	if g.permsLocked(actor.ID())&discordgo.PermissionManageChannels == 0 {
		s.mu.Unlock()
		return fmt.Errorf("delete channel %s: %w", channelID, ErrMissingPermissions)
	}
	i := slices.Index(g.channels, channelID)
	if i < 0 {
		s.mu.Unlock()
		return fmt.Errorf("delete channel %s: unknown channel", channelID)
	}
	ch := s.channels[channelID].ch
	g.channels = slices.Delete(g.channels, i, i+1)
	delete(s.channels, channelID)
	var orphans []*discordgo.Channel
	if ch.Type == discordgo.ChannelTypeGuildCategory {
		for _, id := range g.channels {
			if c := s.channels[id].ch; c.ParentID == channelID {
				c.ParentID = ""
				orphans = append(orphans, copyChannel(c))
			}
		}
	}
	s.auditLocked(g, AuditEntry{Action: "channel-delete", TargetID: channelID, UserID: actor.ID(), At: s.clock.Now()})
	deleted := copyChannel(ch)
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "CHANNEL_DELETE", deleted)
	for _, c := range orphans {
		s.gw.dispatch(s, s.shardFor(g.ID), "CHANNEL_UPDATE", c)
	}
	return nil
}

// DeleteRole deletes a role as actor does in Discord's client. It fails with
// ErrMissingPermissions when actor lacks MANAGE_ROLES or the role is not below
// actor's highest role (the owner may delete any), and refuses @everyone and
// managed roles.
func (g *Guild) DeleteRole(actor *Member, roleID string) error {
	s := g.s
	s.mu.Lock()
	r := g.roleLocked(roleID)
	switch {
	case r == nil || r.ID != roleID:
		s.mu.Unlock()
		return fmt.Errorf("delete role %s: unknown role", roleID)
	case r.ID == g.ID || r.Managed:
		s.mu.Unlock()
		return fmt.Errorf("delete role %s: @everyone and managed roles cannot be deleted", roleID)
	case g.permsLocked(actor.ID())&discordgo.PermissionManageRoles == 0,
		actor.ID() != g.OwnerID && g.topPositionLocked(actor.ID()) <= r.Position:
		s.mu.Unlock()
		return fmt.Errorf("delete role %s: %w", roleID, ErrMissingPermissions)
	}
	g.roles = slices.DeleteFunc(g.roles, func(x *discordgo.Role) bool { return x.ID == roleID })
	for _, ms := range g.members {
		ms.roles = slices.DeleteFunc(ms.roles, func(id string) bool { return id == roleID })
	}
	for _, id := range g.channels {
		c := s.channels[id].ch
		c.PermissionOverwrites = slices.DeleteFunc(c.PermissionOverwrites, func(o *discordgo.PermissionOverwrite) bool {
			return o.Type == discordgo.PermissionOverwriteTypeRole && o.ID == roleID
		})
	}
	s.auditLocked(g, AuditEntry{Action: "role-delete", TargetID: roleID, UserID: actor.ID(), At: s.clock.Now()})
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_ROLE_DELETE", map[string]any{"guild_id": g.ID, "role_id": roleID})
	return nil
}

// structureGuild answers 404 for an unknown guild and 403 when the bot lacks perm.
func (s *Server) structureGuild(c *reqCtx, perm int64, what string) *Guild {
	g := s.guildOr404(c)
	if g == nil {
		return nil
	}
	s.mu.Lock()
	ok := g.permsLocked(s.opts.ApplicationID)&perm != 0
	s.mu.Unlock()
	if !ok {
		s.missingPermissions(c, what)
		return nil
	}
	return g
}

func (s *Server) createRole(c *reqCtx) {
	g := s.structureGuild(c, discordgo.PermissionManageRoles, "create role")
	if g == nil {
		return
	}
	var p struct {
		Name        *string `json:"name"`
		Permissions *int64  `json:"permissions,string"`
		Color       *int    `json:"color"`
		Hoist       *bool   `json:"hoist"`
		Mentionable *bool   `json:"mentionable"`
	}
	if !c.decode(&p) {
		return
	}
	r := &discordgo.Role{Name: "new role", Permissions: g.roles[0].Permissions, Position: 1}
	setIf(&r.Name, p.Name)
	setIf(&r.Permissions, p.Permissions)
	setIf(&r.Color, p.Color)
	setIf(&r.Hoist, p.Hoist)
	setIf(&r.Mentionable, p.Mentionable)
	s.mu.Lock()
	if len(g.roles) >= maxGuildRoles {
		s.mu.Unlock()
		c.fail(http.StatusBadRequest, CodeMaxRoles, "Maximum number of guild roles reached (250)")
		return
	}
	if bot := g.permsLocked(s.opts.ApplicationID); bot&discordgo.PermissionAdministrator == 0 && r.Permissions&^bot != 0 {
		s.mu.Unlock()
		s.missingPermissions(c, fmt.Sprintf("create role: permissions %#x not held", r.Permissions&^bot))
		return
	}
	r.ID = s.newID()
	var moved []*discordgo.Role
	for _, x := range g.roles[1:] {
		if x.Position >= 1 {
			x.Position++
			moved = append(moved, copyRole(x))
		}
	}
	g.roles = append(g.roles, r)
	s.auditLocked(g, AuditEntry{Action: "role-create", TargetID: r.ID, Reason: c.auditReason(), At: s.clock.Now()})
	out := copyRole(r)
	s.mu.Unlock()
	s.dispatchRoles(g, "GUILD_ROLE_CREATE", out)
	s.dispatchRoles(g, "GUILD_ROLE_UPDATE", moved...)
	c.json(http.StatusOK, out)
}

// setIf sets *dst to *src when the request named the field.
func setIf[T any](dst, src *T) {
	if src != nil {
		*dst = *src
	}
}

func (s *Server) dispatchRoles(g *Guild, event string, roles ...*discordgo.Role) {
	for _, r := range roles {
		s.gw.dispatch(s, s.shardFor(g.ID), event, map[string]any{"guild_id": g.ID, "role": r})
	}
}

func (s *Server) modifyRolePositions(c *reqCtx) {
	g := s.structureGuild(c, discordgo.PermissionManageRoles, "role positions")
	if g == nil {
		return
	}
	var moves []struct {
		ID       string `json:"id"`
		Position *int   `json:"position"`
	}
	if !c.decode(&moves) {
		return
	}
	s.mu.Lock()
	top := g.topPositionLocked(s.opts.ApplicationID)
	admin := g.permsLocked(s.opts.ApplicationID)&discordgo.PermissionAdministrator != 0
	for _, m := range moves {
		r := g.roleLocked(m.ID)
		if r == nil || r.ID != m.ID || r.ID == g.ID {
			s.mu.Unlock()
			c.formError(Violation{Rule: "schema", InstancePath: "/id", Message: "unknown role " + m.ID})
			return
		}
		if m.Position != nil && !admin && (r.Position >= top || *m.Position >= top) {
			s.mu.Unlock()
			s.missingPermissions(c, "role positions: at or above the bot's highest role")
			return
		}
	}
	var moved []*discordgo.Role
	for _, m := range moves {
		if r := g.roleLocked(m.ID); m.Position != nil && r.Position != *m.Position {
			r.Position = *m.Position
			moved = append(moved, copyRole(r))
		}
	}
	if len(moved) > 0 {
		s.auditLocked(g, AuditEntry{Action: "role-positions", Reason: c.auditReason(), At: s.clock.Now()})
	}
	all := make([]*discordgo.Role, len(g.roles))
	for i, r := range g.roles {
		all[i] = copyRole(r)
	}
	s.mu.Unlock()
	s.dispatchRoles(g, "GUILD_ROLE_UPDATE", moved...)
	c.json(http.StatusOK, all)
}

// createChannelBody is Create Guild Channel's JSON params the emulator keeps.
type createChannelBody struct {
	Name                 string                           `json:"name"`
	Type                 *discordgo.ChannelType           `json:"type"`
	Topic                *string                          `json:"topic"`
	Position             *int                             `json:"position"`
	NSFW                 *bool                            `json:"nsfw"`
	RateLimitPerUser     *int                             `json:"rate_limit_per_user"`
	ParentID             *string                          `json:"parent_id"`
	PermissionOverwrites []*discordgo.PermissionOverwrite `json:"permission_overwrites"`
}

func (s *Server) createGuildChannel(c *reqCtx) {
	g := s.structureGuild(c, discordgo.PermissionManageChannels, "create channel")
	if g == nil {
		return
	}
	var p createChannelBody
	if !c.decode(&p) {
		return
	}
	ch := &discordgo.Channel{GuildID: g.ID, Name: p.Name, Type: discordgo.ChannelTypeGuildText, PermissionOverwrites: p.PermissionOverwrites}
	setIf(&ch.Type, p.Type)
	setIf(&ch.Topic, p.Topic)
	setIf(&ch.NSFW, p.NSFW)
	setIf(&ch.RateLimitPerUser, p.RateLimitPerUser)
	setIf(&ch.ParentID, p.ParentID)
	s.mu.Lock()
	if bad, forbidden := g.checkChannelLocked(ch); bad != "" {
		s.mu.Unlock()
		if forbidden {
			s.missingPermissions(c, bad)
		} else {
			c.formError(Violation{Rule: "limit", InstancePath: "/parent_id", Message: bad})
		}
		return
	}
	if len(g.channels) >= maxGuildChannels {
		s.mu.Unlock()
		c.fail(http.StatusBadRequest, CodeMaxChannels, "Maximum number of guild channels reached (500)")
		return
	}
	if p.Position != nil {
		ch.Position = *p.Position
	} else {
		for _, id := range g.channels {
			ch.Position = max(ch.Position, s.channels[id].ch.Position+1)
		}
	}
	ch.ID = s.newID()
	s.channels[ch.ID] = &channel{ch: ch}
	g.channels = append(g.channels, ch.ID)
	s.auditLocked(g, AuditEntry{Action: "channel-create", TargetID: ch.ID, Reason: c.auditReason(), At: s.clock.Now()})
	out := copyChannel(ch)
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "CHANNEL_CREATE", out)
	c.json(http.StatusCreated, out)
}

// checkChannelLocked says why Discord refuses a new channel ch, and whether
// that is a 403 (a permission the bot lacks) rather than a 400.
func (g *Guild) checkChannelLocked(ch *discordgo.Channel) (string, bool) {
	if ch.ParentID != "" {
		if ch.Type == discordgo.ChannelTypeGuildCategory {
			return "a category cannot have a parent", false
		}
		if !slices.Contains(g.channels, ch.ParentID) || g.s.channels[ch.ParentID].ch.Type != discordgo.ChannelTypeGuildCategory {
			return "parent_id is not a category of the guild", false
		}
		n := 0
		for _, id := range g.channels {
			if g.s.channels[id].ch.ParentID == ch.ParentID {
				n++
			}
		}
		if n >= maxChannelsPerCategory {
			return "Maximum number of channels in category reached (50)", false
		}
	}
	bot := g.permsLocked(g.s.opts.ApplicationID)
	if bot&discordgo.PermissionAdministrator != 0 {
		return "", false
	}
	for _, o := range ch.PermissionOverwrites {
		if (o.Allow|o.Deny)&discordgo.PermissionManageRoles != 0 {
			return "overwrite sets MANAGE_ROLES without ADMINISTRATOR", true
		}
		if lack := (o.Allow | o.Deny) &^ bot; lack != 0 {
			return fmt.Sprintf("overwrite for %s sets permissions %#x not held", o.ID, lack), true
		}
	}
	return "", false
}

func (s *Server) modifyChannelPositions(c *reqCtx) {
	g := s.structureGuild(c, discordgo.PermissionManageChannels, "channel positions")
	if g == nil {
		return
	}
	var moves []struct {
		ID       string           `json:"id"`
		Position *int             `json:"position"`
		ParentID *json.RawMessage `json:"parent_id"`
	}
	if !c.decode(&moves) {
		return
	}
	s.mu.Lock()
	var moved []*discordgo.Channel
	for _, m := range moves {
		if !slices.Contains(g.channels, m.ID) {
			s.mu.Unlock()
			c.formError(Violation{Rule: "schema", InstancePath: "/id", Message: "unknown channel " + m.ID})
			return
		}
	}
	for _, m := range moves {
		ch := s.channels[m.ID].ch
		if m.Position != nil {
			ch.Position = *m.Position
		}
		if m.ParentID != nil {
			var parent string
			_ = json.Unmarshal(*m.ParentID, &parent)
			ch.ParentID = parent
		}
		moved = append(moved, copyChannel(ch))
	}
	s.auditLocked(g, AuditEntry{Action: "channel-positions", Reason: c.auditReason(), At: s.clock.Now()})
	s.mu.Unlock()
	for _, ch := range moved {
		s.gw.dispatch(s, s.shardFor(g.ID), "CHANNEL_UPDATE", ch)
	}
	c.noContent()
}
