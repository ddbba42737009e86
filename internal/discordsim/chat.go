package discordsim

import (
	"net/http"
	"slices"

	"github.com/bwmarrin/discordgo"
)

// Say has member post content in channelID (the guild's default channel when "") and
// delivers MESSAGE_CREATE to the bot, as the moderation engine sees chat: with
// the bot's intents applied (GUILD_MESSAGES, MESSAGE_CONTENT; messageForIntents).
// The guild's AutoMod runs first (automod.go): a message it blocks is not
// posted and Say returns nil.
func (s *Server) Say(member *Member, channelID, content string) *discordgo.Message {
	if m, done := s.autoModerate(member, channelID, content); done {
		return m
	}
	s.mu.Lock()
	g := s.guildByID[member.GuildID]
	if channelID == "" && g != nil {
		channelID = g.ChannelID
	}
	ch := s.channels[channelID]
	if ch == nil {
		s.mu.Unlock()
		panic("discordsim: Say in unknown channel " + channelID)
	}
	m := &discordgo.Message{ID: s.newID(), ChannelID: channelID, GuildID: ch.ch.GuildID, Content: content,
		Author: copyUser(s.users[member.ID()]), Timestamp: s.clock.Now().UTC(), Type: discordgo.MessageTypeDefault,
		Embeds: []*discordgo.MessageEmbed{}, Attachments: []*discordgo.MessageAttachment{}, Mentions: s.mentionsLocked(content)}
	if g != nil {
		if ms := g.members[member.ID()]; ms != nil {
			m.Member = g.memberPayloadLocked(ms)
			m.Member.User = nil // Discord omits the user inside a message's member
		}
	}
	ch.messages = append(ch.messages, m)
	out := *m
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(out.GuildID), "MESSAGE_CREATE", &out)
	return &out
}

func (s *Server) getMessage(c *reqCtx) {
	for _, m := range s.ChannelMessages(c.params["channel_id"]) {
		if m.ID == c.params["message_id"] {
			c.json(http.StatusOK, &m)
			return
		}
	}
	c.fail(http.StatusNotFound, CodeUnknownMessage, "Unknown Message")
}

// deleteMessage removes a message; deleting someone else's needs MANAGE_MESSAGES and
// is audit-logged (action "message-delete"). Every deletion is listed by
// DeletedMessages, and MESSAGE_DELETE is dispatched.
func (s *Server) deleteMessage(c *reqCtx) {
	ch, i := s.lockChannelMessage(c)
	if ch == nil {
		return
	}
	m := ch.messages[i]
	g := s.guildByID[ch.ch.GuildID]
	bot := s.opts.ApplicationID
	if m.Author != nil && m.Author.ID != bot {
		if g == nil || g.permsLocked(bot)&discordgo.PermissionManageMessages == 0 {
			s.mu.Unlock()
			s.missingPermissions(c, "delete message")
			return
		}
		s.auditLocked(g, AuditEntry{Action: "message-delete", TargetID: m.Author.ID, Reason: c.auditReason(), At: s.clock.Now()})
	}
	ch.messages = slices.Delete(ch.messages, i, i+1)
	d := DeletedMessage{GuildID: m.GuildID, ChannelID: m.ChannelID, MessageID: m.ID, Content: m.Content, Reason: c.auditReason(), At: s.clock.Now()}
	if m.Author != nil {
		d.AuthorID = m.Author.ID
	}
	s.deleted = append(s.deleted, d)
	s.mu.Unlock()
	payload := map[string]string{"id": m.ID, "channel_id": m.ChannelID}
	if m.GuildID != "" {
		payload["guild_id"] = m.GuildID
	}
	s.gw.dispatch(s, s.shardFor(m.GuildID), "MESSAGE_DELETE", payload)
	c.noContent()
}

// memberRole handles PUT/DELETE /guilds/{guild_id}/members/{user_id}/roles/{role_id}:
// MANAGE_ROLES and a role below the bot's highest.
func (s *Server) memberRole(c *reqCtx) {
	g, ms := s.memberOr404(c)
	if g == nil {
		return
	}
	s.mu.Lock()
	r := g.roleLocked(c.params["role_id"])
	if r == nil || r.ID != c.params["role_id"] {
		s.mu.Unlock()
		c.fail(http.StatusNotFound, 10011, "Unknown Role")
		return
	}
	bot := s.opts.ApplicationID
	if g.permsLocked(bot)&discordgo.PermissionManageRoles == 0 || r.Position >= g.topPositionLocked(bot) {
		s.mu.Unlock()
		s.missingPermissions(c, "member role")
		return
	}
	ms.roles = slices.DeleteFunc(ms.roles, func(id string) bool { return id == r.ID })
	action := "role-remove"
	if c.r.Method == http.MethodPut {
		ms.roles = append(ms.roles, r.ID)
		action = "role-add"
	}
	s.auditLocked(g, AuditEntry{Action: action, TargetID: ms.user.ID, Reason: c.auditReason(), At: s.clock.Now()})
	m := g.memberPayloadLocked(ms)
	s.mu.Unlock()
	m.GuildID = g.ID
	s.gw.dispatch(s, s.shardFor(g.ID), "GUILD_MEMBER_UPDATE", m)
	c.noContent()
}
