package discordsim

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/bwmarrin/discordgo"
)

// CodeCannotEditOthers is Discord's 50005, "Cannot edit a message authored
// by another user".
const CodeCannotEditOthers = 50005

// editableFlags are the message flags an edit may change (Edit Message:
// "Only flags documented in the table below may be modified by users";
// SUPPRESS_EMBEDS is the one a bot's edit of a channel message sets).
const editableFlags = discordgo.MessageFlagsSuppressEmbeds

// editChannelMessage handles PATCH /channels/{channel_id}/messages/{message_id}
// (Edit Message) as Discord documents it: the author may edit content,
// embeds, components, flags and attachments, and only the fields sent
// change; anyone else may edit only flags, with MANAGE_MESSAGES, and gets
// 50005 for anything more. The message gets edited_timestamp; MESSAGE_UPDATE
// carries the whole message, and so does the answer.
func (s *Server) editChannelMessage(c *reqCtx) {
	var data messagePayload
	if !c.decode(&data) || !c.checkMessage(&data, defaultFileMax) {
		return
	}
	ch, i := s.lockChannelMessage(c)
	if ch == nil {
		return
	}
	m := ch.messages[i]
	if bot := s.opts.ApplicationID; m.Author == nil || m.Author.ID != bot {
		beyondFlags := data.Content != nil || data.Embeds != nil || len(data.Components) > 0 || data.Attachments != nil || len(c.files) > 0
		g := s.guildByID[ch.ch.GuildID]
		mayManage := g != nil && g.permsLocked(bot)&discordgo.PermissionManageMessages != 0
		s.mu.Unlock()
		if beyondFlags {
			c.fail(http.StatusForbidden, CodeCannotEditOthers, "Cannot edit a message authored by another user")
		} else if !mayManage {
			s.missingPermissions(c, "edit the flags of another user's message")
		}
		if beyondFlags || !mayManage {
			return
		}
		s.mu.Lock()
	}
	s.applyChannelEditLocked(m, &data, c.files)
	out := *m
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(out.GuildID), "MESSAGE_UPDATE", &out)
	c.json(http.StatusOK, &out)
}

// lockChannelMessage locks s and returns the request's channel and its
// message's index. Without them it answers 404 (Unknown Channel, Unknown
// Message), unlocks and returns nil.
func (s *Server) lockChannelMessage(c *reqCtx) (*channel, int) {
	s.mu.Lock()
	ch := s.channels[c.params["channel_id"]]
	if ch == nil {
		s.mu.Unlock()
		c.fail(http.StatusNotFound, CodeUnknownChannel, "Unknown Channel")
		return nil, 0
	}
	i := slices.IndexFunc(ch.messages, func(m *discordgo.Message) bool { return m.ID == c.params["message_id"] })
	if i < 0 {
		s.mu.Unlock()
		c.fail(http.StatusNotFound, CodeUnknownMessage, "Unknown Message")
		return nil, 0
	}
	return ch, i
}

// applyChannelEditLocked changes m by the fields an edit sent.
func (s *Server) applyChannelEditLocked(m *discordgo.Message, p *messagePayload, files []File) {
	if p.Content != nil {
		m.Content = *p.Content
		m.Mentions = s.mentionsLocked(m.Content)
	}
	if p.Embeds != nil {
		m.Embeds = slices.DeleteFunc(slices.Clone(*p.Embeds), func(e *discordgo.MessageEmbed) bool { return e == nil })
	}
	if p.Components != nil {
		m.Components = p.components()
		if m.Components == nil {
			m.Components = []discordgo.MessageComponent{}
		}
	}
	if p.Flags != nil {
		m.Flags = m.Flags&^editableFlags | discordgo.MessageFlags(*p.Flags)&editableFlags
	}
	if p.Attachments != nil {
		m.Attachments = keptAttachments(m.Attachments, p)
	}
	m.Attachments = append(m.Attachments, s.storeFilesLocked(files)...)
	now := s.clock.Now().UTC()
	m.EditedTimestamp = &now
}

// keptAttachments are the existing attachments an edit's attachments list
// names by id: any not listed is removed.
func keptAttachments(have []*discordgo.MessageAttachment, p *messagePayload) []*discordgo.MessageAttachment {
	var listed []discordgo.MessageAttachment
	_ = json.Unmarshal(p.Attachments, &listed) // null or malformed: none kept
	out := []*discordgo.MessageAttachment{}
	for _, a := range have {
		if slices.ContainsFunc(listed, func(l discordgo.MessageAttachment) bool { return l.ID == a.ID }) {
			out = append(out, a)
		}
	}
	return out
}
