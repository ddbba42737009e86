package discordsim

// Channel permission overwrites as Discord documents them (Resources,
// "Channel": Edit Channel Permissions, Delete Channel Permission; Topics,
// "Permissions": Permission Overwrites):
//
//   - PUT /channels/{channel_id}/permissions/{overwrite_id} with type (0 a
//     role, 1 a member), allow and deny (bitsets as strings) creates or
//     replaces the overwrite; DELETE removes it. Both answer 204 and
//     dispatch CHANNEL_UPDATE with the full channel and its
//     permission_overwrites; a DM is 400, 50024; an unknown channel 404,
//     10003; an unknown role 404, 10011; an unknown member 404, 10007
//   - the bot must see the channel (VIEW_CHANNEL, else 403, 50001 Missing
//     Access) and hold MANAGE_ROLES in it ("Manage Permissions": its guild
//     permissions with the channel's overwrites applied; the owner and
//     Administrator hold everything), else 403, 50013
//   - only permissions the bot has in the guild can be allowed or denied,
//     unless MANAGE_ROLES is granted to it by an overwrite in the channel
//     (403, 50013)
//   - the X-Audit-Log-Reason is recorded (AuditEntry, actions
//     "channel-overwrite-create", "-update" and "-delete", target the
//     channel)
//
// Channels have no parent category here, so "the parent channel's
// permissions" of Discord's rule are the guild's.

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// Discord error codes of the overwrite routes.
const (
	CodeUnknownRole          = 10011
	CodeMissingAccess        = 50001
	CodeInvalidDMChannelType = 50024
)

// Guild channel types the emulator creates beside text channels.
const (
	ChannelText         = discordgo.ChannelTypeGuildText
	ChannelVoice        = discordgo.ChannelTypeGuildVoice
	ChannelAnnouncement = discordgo.ChannelTypeGuildNews
	ChannelForum        = discordgo.ChannelTypeGuildForum
)

// AddChannelOfType creates a guild channel of type t (text, voice,
// announcement, forum) with overwrites, and returns its ID.
func (g *Guild) AddChannelOfType(name string, t discordgo.ChannelType, overwrites ...discordgo.PermissionOverwrite) string {
	ows := make([]*discordgo.PermissionOverwrite, len(overwrites))
	for i := range overwrites {
		ows[i] = &overwrites[i]
	}
	g.s.mu.Lock()
	position := len(g.channels)
	g.s.mu.Unlock()
	return g.CreateChannel(ChannelSpec{Name: name, Type: t, Position: position, Overwrites: ows})
}

// SetOverwrite creates or replaces an overwrite as an admin does in
// Discord's client (no audit reason reaches the bot's record); the bot
// gets CHANNEL_UPDATE.
func (g *Guild) SetOverwrite(channelID string, o discordgo.PermissionOverwrite) {
	s := g.s
	s.mu.Lock()
	ch := s.channels[channelID]
	if ch == nil || ch.ch.GuildID != g.ID {
		s.mu.Unlock()
		panic("discordsim: SetOverwrite in unknown channel " + channelID)
	}
	putOverwrite(ch.ch, o)
	c := copyChannel(ch.ch)
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "CHANNEL_UPDATE", c)
}

// Channel returns a copy of a channel with its overwrites, or nil.
func (s *Server) Channel(channelID string) *discordgo.Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch := s.channels[channelID]; ch != nil {
		return copyChannel(ch.ch)
	}
	return nil
}

// Overwrites returns copies of a channel's permission overwrites, in
// creation order.
func (s *Server) Overwrites(channelID string) []discordgo.PermissionOverwrite {
	c := s.Channel(channelID)
	if c == nil {
		return nil
	}
	out := []discordgo.PermissionOverwrite{}
	for _, o := range c.PermissionOverwrites {
		out = append(out, *o)
	}
	return out
}

// copyChannel copies a channel and its overwrites; a guild channel's
// absent overwrites are Discord's empty array (a DM has none).
func copyChannel(ch *discordgo.Channel) *discordgo.Channel {
	c := *ch
	if ch.GuildID == "" {
		return &c
	}
	c.PermissionOverwrites = make([]*discordgo.PermissionOverwrite, 0, len(ch.PermissionOverwrites))
	for _, o := range ch.PermissionOverwrites {
		x := *o
		c.PermissionOverwrites = append(c.PermissionOverwrites, &x)
	}
	return &c
}

// putOverwrite creates or replaces o in ch; it reports whether o existed.
func putOverwrite(ch *discordgo.Channel, o discordgo.PermissionOverwrite) bool {
	for _, x := range ch.PermissionOverwrites {
		if x.ID == o.ID {
			*x = o
			return true
		}
	}
	ch.PermissionOverwrites = append(ch.PermissionOverwrites, &o)
	return false
}

// channelPermsLocked is userID's permissions in ch as Discord computes
// them: the guild's, then the @everyone overwrite, the member's roles'
// overwrites (denies, then allows) and the member's own. The owner and
// Administrator holders have everything.
func (g *Guild) channelPermsLocked(ch *discordgo.Channel, userID string) int64 {
	p := g.permsLocked(userID)
	if p&discordgo.PermissionAdministrator != 0 || userID == g.OwnerID {
		return discordgo.PermissionAll
	}
	var roles []string
	if ms := g.members[userID]; ms != nil {
		roles = ms.roles
	}
	var allow, deny int64
	for _, o := range ch.PermissionOverwrites {
		switch {
		case o.ID == g.ID:
			p = p&^o.Deny | o.Allow
		case o.Type == discordgo.PermissionOverwriteTypeRole && slices.Contains(roles, o.ID):
			allow |= o.Allow
			deny |= o.Deny
		}
	}
	p = p&^deny | allow
	for _, o := range ch.PermissionOverwrites {
		if o.Type == discordgo.PermissionOverwriteTypeMember && o.ID == userID {
			p = p&^o.Deny | o.Allow
		}
	}
	return p
}

// manageRolesByOverwriteLocked reports whether an overwrite of ch that
// applies to the bot (its roles', its own) allows MANAGE_ROLES.
func (g *Guild) manageRolesByOverwriteLocked(ch *discordgo.Channel, userID string) bool {
	var roles []string
	if ms := g.members[userID]; ms != nil {
		roles = ms.roles
	}
	for _, o := range ch.PermissionOverwrites {
		applies := o.ID == g.ID || o.ID == userID || o.Type == discordgo.PermissionOverwriteTypeRole && slices.Contains(roles, o.ID)
		if applies && o.Allow&discordgo.PermissionManageRoles != 0 {
			return true
		}
	}
	return false
}

// overwriteRoute serves PUT (put) and DELETE of
// /channels/{channel_id}/permissions/{overwrite_id}.
func (s *Server) overwriteRoute(c *reqCtx, put bool) {
	var body struct {
		Type  *discordgo.PermissionOverwriteType `json:"type"`
		Allow flexInt64                          `json:"allow"`
		Deny  flexInt64                          `json:"deny"`
	}
	if put && !c.decode(&body) {
		return
	}
	target := c.params["overwrite_id"]
	s.mu.Lock()
	fail := func(status, code int, msg string) {
		s.mu.Unlock()
		c.fail(status, code, msg)
	}
	x := s.channels[c.params["channel_id"]]
	if x == nil {
		fail(http.StatusNotFound, CodeUnknownChannel, "Unknown Channel")
		return
	}
	ch, g := x.ch, s.guildByID[x.ch.GuildID]
	if g == nil {
		fail(http.StatusBadRequest, CodeInvalidDMChannelType, "Cannot execute action on a DM channel")
		return
	}
	bot := s.opts.ApplicationID
	perms := g.channelPermsLocked(ch, bot)
	if perms&discordgo.PermissionViewChannel == 0 {
		fail(http.StatusForbidden, CodeMissingAccess, "Missing Access")
		return
	}
	if perms&discordgo.PermissionManageRoles == 0 {
		s.mu.Unlock()
		s.missingPermissions(c, "channel overwrite needs MANAGE_ROLES in the channel")
		return
	}
	i := slices.IndexFunc(ch.PermissionOverwrites, func(o *discordgo.PermissionOverwrite) bool { return o.ID == target })
	action := "channel-overwrite-delete"
	if put {
		if body.Type == nil || (*body.Type != discordgo.PermissionOverwriteTypeRole && *body.Type != discordgo.PermissionOverwriteTypeMember) {
			s.mu.Unlock()
			c.formError(Violation{Rule: "schema", InstancePath: "/type", Message: "type must be 0 (role) or 1 (member)"})
			return
		}
		if *body.Type == discordgo.PermissionOverwriteTypeRole && g.roleByIDLocked(target) == nil {
			fail(http.StatusNotFound, CodeUnknownRole, "Unknown Role")
			return
		}
		if *body.Type == discordgo.PermissionOverwriteTypeMember && g.members[target] == nil {
			fail(http.StatusNotFound, CodeUnknownMember, "Unknown Member")
			return
		}
		guildPerms := g.permsLocked(bot)
		if (int64(body.Allow)|int64(body.Deny))&^guildPerms != 0 && !g.manageRolesByOverwriteLocked(ch, bot) {
			s.mu.Unlock()
			s.missingPermissions(c, "an overwrite may only allow or deny permissions the bot has")
			return
		}
		o := discordgo.PermissionOverwrite{ID: target, Type: *body.Type, Allow: int64(body.Allow), Deny: int64(body.Deny)}
		action = "channel-overwrite-create"
		if putOverwrite(ch, o) {
			action = "channel-overwrite-update"
		}
	} else {
		if i < 0 {
			// Discord answers 204 to the deletion of an absent overwrite
			// and changes nothing.
			s.mu.Unlock()
			c.noContent()
			return
		}
		ch.PermissionOverwrites = slices.Delete(ch.PermissionOverwrites, i, i+1)
	}
	s.auditLocked(g, AuditEntry{Action: action, TargetID: ch.ID, Reason: c.auditReason()})
	out := copyChannel(ch)
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(g.ID), "CHANNEL_UPDATE", out)
	c.noContent()
}

func (s *Server) putOverwrite(c *reqCtx)    { s.overwriteRoute(c, true) }
func (s *Server) deleteOverwrite(c *reqCtx) { s.overwriteRoute(c, false) }

// roleByIDLocked is the guild's role with exactly id (not by name).
func (g *Guild) roleByIDLocked(id string) *discordgo.Role {
	for _, r := range g.roles {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// flexInt64 is a permission bitset sent as a string ("2048"), as Discord
// serialises them, or as a number, which it also accepts; null is 0.
type flexInt64 int64

func (f *flexInt64) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("permission bitset %s: %w", b, err)
	}
	*f = flexInt64(n)
	return nil
}
