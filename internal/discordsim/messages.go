package discordsim

import (
	"encoding/json"
	"regexp"
	"slices"
	"time"

	"github.com/bwmarrin/discordgo"
)

// DeletedMessage is a message the bot deleted through the REST API, with
// what it said: what tests and the sandbox console show of the bot's
// deletions (Discord's own audit log keeps only the author and the reason).
type DeletedMessage struct {
	GuildID   string
	ChannelID string
	MessageID string
	AuthorID  string
	Content   string
	// Reason is the X-Audit-Log-Reason of the deletion.
	Reason string
	At     time.Time
}

// DeletedMessages returns the messages the bot deleted in guildID (or in DMs
// for ""), oldest first.
func (s *Server) DeletedMessages(guildID string) []DeletedMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []DeletedMessage
	for _, d := range s.deleted {
		if d.GuildID == guildID {
			out = append(out, d)
		}
	}
	return out
}

// portalIntents are the privileged intents the application has enabled.
func (s *Server) portalIntents() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.PrivilegedIntents == nil {
		return intentsPrivileged
	}
	return int(*s.opts.PrivilegedIntents)
}

// SetPrivilegedIntents changes the privileged intents enabled in the
// developer portal, as an operator switching one off: sessions already
// identified keep theirs (and resume with them); the next IDENTIFY asking
// for one not enabled is closed with 4014.
func (s *Server) SetPrivilegedIntents(enabled discordgo.Intent) {
	s.mu.Lock()
	s.opts.PrivilegedIntents = &enabled
	s.mu.Unlock()
}

// messageForIntents shapes MESSAGE_CREATE, _UPDATE and _DELETE for a
// session's intents as Discord documents (Gateway, "List of Intents" and
// "Message Content Intent"): guild messages need GUILD_MESSAGES, direct
// messages DIRECT_MESSAGES; without the privileged MESSAGE_CONTENT intent a
// guild message comes with empty content, embeds, attachments and
// components, unless the bot sent it or is mentioned in it.
func (s *Server) messageForIntents(intents int, f frame) (_ frame, ok bool) {
	var m struct {
		GuildID  string `json:"guild_id"`
		Author   *struct{ ID string }
		Mentions []struct{ ID string }
	}
	_ = json.Unmarshal(f.D, &m)
	if m.GuildID == "" {
		return f, intents&intentDirectMessages != 0
	}
	if intents&intentGuildMessages == 0 {
		return f, false
	}
	bot := s.opts.ApplicationID
	mentioned := slices.ContainsFunc(m.Mentions, func(u struct{ ID string }) bool { return u.ID == bot })
	if f.name == "MESSAGE_DELETE" || intents&intentMessageContent != 0 || mentioned || (m.Author != nil && m.Author.ID == bot) {
		return f, true
	}
	f.D = withoutContent(f.D)
	return f, true
}

// withoutContent empties the fields the Message Content intent guards.
func withoutContent(raw json.RawMessage) json.RawMessage {
	var msg map[string]json.RawMessage
	if json.Unmarshal(raw, &msg) != nil {
		return raw
	}
	msg["content"] = json.RawMessage(`""`)
	for _, k := range []string{"embeds", "attachments", "components"} {
		msg[k] = json.RawMessage(`[]`)
	}
	delete(msg, "poll")
	out, err := json.Marshal(msg)
	if err != nil {
		return raw
	}
	return out
}

// userMention is a user mention in message content, <@id> or <@!id>.
var userMention = regexp.MustCompile(`<@!?([0-9]{1,20})>`)

// mentionsLocked returns the known users content mentions.
func (s *Server) mentionsLocked(content string) []*discordgo.User {
	out := []*discordgo.User{}
	for _, sm := range userMention.FindAllStringSubmatch(content, -1) {
		if u := s.users[sm[1]]; u != nil && !slices.ContainsFunc(out, func(x *discordgo.User) bool { return x.ID == u.ID }) {
			out = append(out, copyUser(u))
		}
	}
	return out
}

// Edit has member change the content of their message m (from Say) and
// delivers MESSAGE_UPDATE as Discord does for an edit: the whole message,
// edited_timestamp set. It returns the edited message, or nil when m is gone
// or not member's.
func (s *Server) Edit(member *Member, m *discordgo.Message, content string) *discordgo.Message {
	return s.updateMessage(m, func(stored *discordgo.Message) bool {
		if stored.Author == nil || stored.Author.ID != member.ID() {
			return false
		}
		now := s.clock.Now().UTC()
		stored.Content, stored.EditedTimestamp = content, &now
		stored.Mentions = s.mentionsLocked(content)
		return true
	})
}

// Unfurl adds a link preview to message m as Discord does after it is
// posted: MESSAGE_UPDATE with the embed, and no edited_timestamp, since the
// author changed nothing.
func (s *Server) Unfurl(m *discordgo.Message, embed *discordgo.MessageEmbed) *discordgo.Message {
	return s.updateMessage(m, func(stored *discordgo.Message) bool {
		stored.Embeds = append(slices.Clone(stored.Embeds), embed)
		return true
	})
}

// updateMessage changes the stored copy of m with change and dispatches
// MESSAGE_UPDATE, unless change refuses.
func (s *Server) updateMessage(m *discordgo.Message, change func(*discordgo.Message) bool) *discordgo.Message {
	s.mu.Lock()
	ch := s.channels[m.ChannelID]
	var stored *discordgo.Message
	if ch != nil {
		if i := slices.IndexFunc(ch.messages, func(x *discordgo.Message) bool { return x.ID == m.ID }); i >= 0 {
			stored = ch.messages[i]
		}
	}
	if stored == nil || !change(stored) {
		s.mu.Unlock()
		return nil
	}
	out := *stored
	s.mu.Unlock()
	s.gw.dispatch(s, s.shardFor(out.GuildID), "MESSAGE_UPDATE", &out)
	return &out
}

// ChannelByName returns the id of the guild's channel called name, or "".
func (g *Guild) ChannelByName(name string) string {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	for _, id := range g.channels {
		if ch := g.s.channels[id]; ch != nil && ch.ch.Name == name {
			return id
		}
	}
	return ""
}

// ChannelName returns the name of channel id, or "".
func (g *Guild) ChannelName(id string) string {
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	if ch := g.s.channels[id]; ch != nil {
		return ch.ch.Name
	}
	return ""
}
