package discordsim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Click has member press the button customID on msg (a message from an Interaction).
func (s *Server) Click(ctx context.Context, member *Member, msg *Message, customID string, opts ...Option) (*Interaction, error) {
	return s.component(ctx, member, msg, customID, nil, true, opts)
}

// Select has member pick values in the select menu customID on msg.
func (s *Server) Select(ctx context.Context, member *Member, msg *Message, customID string, values ...string) (*Interaction, error) {
	if values == nil {
		values = []string{}
	}
	return s.component(ctx, member, msg, customID, values, false, nil)
}

func (s *Server) component(ctx context.Context, member *Member, msg *Message, customID string, values []string, button bool, opts []Option) (*Interaction, error) {
	cfg := runConfig{locale: "en-US"}
	for _, o := range opts {
		if o.apply != nil {
			o.apply(&cfg)
		}
	}
	if msg == nil || (msg.ix == nil && msg.posted == nil) {
		return nil, fmt.Errorf("%s: %w: message did not come from an interaction", customID, ErrNoComponent)
	}
	s.mu.Lock()
	live := msg
	if msg.posted == nil {
		live = s.liveMessageLocked(msg.ID)
	}
	if live == nil || live.Deleted {
		s.mu.Unlock()
		return nil, fmt.Errorf("%s: %w: message deleted", customID, ErrNoComponent)
	}
	origin := live.ix
	if origin == nil { // a channel message: the interaction happens where it was posted
		origin = &Interaction{GuildID: live.posted.GuildID, ChannelID: live.posted.ChannelID}
	}
	comp := findComponent(live.Components, customID)
	snapshot := live.snapshot()
	s.mu.Unlock()
	if comp == nil && cfg.hostile {
		comp = &discordgo.Button{CustomID: customID}
	}
	if comp == nil {
		return nil, fmt.Errorf("%s: %w", customID, ErrNoComponent)
	}
	data := map[string]any{"custom_id": customID}
	switch c := comp.(type) {
	case *discordgo.Button:
		if !button {
			return nil, fmt.Errorf("%s is a button: %w", customID, ErrNoComponent)
		}
		if c.Disabled {
			return nil, fmt.Errorf("%s is disabled: %w", customID, ErrNoComponent)
		}
		data["component_type"] = discordgo.ButtonComponent
	case *discordgo.SelectMenu:
		if button {
			return nil, fmt.Errorf("%s is a select menu: %w", customID, ErrNoComponent)
		}
		if c.Disabled {
			return nil, fmt.Errorf("%s is disabled: %w", customID, ErrNoComponent)
		}
		mt := c.MenuType
		if mt == 0 {
			mt = discordgo.StringSelectMenu
		}
		if mt == discordgo.StringSelectMenu {
			for _, v := range values {
				ok := false
				for _, o := range c.Options {
					ok = ok || o.Value == v
				}
				if !ok {
					return nil, fmt.Errorf("%s: %w: value %q is not an option", customID, ErrInvalidOption, v)
				}
			}
		}
		minV := 1
		if c.MinValues != nil {
			minV = *c.MinValues
		}
		maxV := 1
		if c.MaxValues > 0 {
			maxV = c.MaxValues
		}
		if len(values) < minV || len(values) > maxV {
			return nil, fmt.Errorf("%s: %w: %d values, want %d-%d", customID, ErrInvalidOption, len(values), minV, maxV)
		}
		data["component_type"] = mt
		data["values"] = values
	default:
		return nil, fmt.Errorf("%s: %w", customID, ErrNoComponent)
	}
	if snapshot.Ephemeral() && origin.User != nil && origin.User.ID != member.ID() && !cfg.hostile {
		return nil, fmt.Errorf("%s: %w: ephemeral message belongs to another user", customID, ErrNoComponent)
	}
	ix := &Interaction{ID: s.newID(), Token: randomToken(), Type: discordgo.InteractionMessageComponent, GuildID: origin.GuildID, ChannelID: origin.ChannelID, User: member.User, Command: customID, fileMax: s.opts.AttachmentSizeLimit, target: live}
	payload := map[string]any{"data": data, "message": snapshot.payload(s)}
	if live.posted != nil {
		s.mu.Lock()
		payload["message"] = copyMessage(live.posted)
		s.mu.Unlock()
	}
	var g *Guild
	if origin.GuildID != "" {
		g = s.Guild(origin.GuildID)
	}
	if err := s.fillContext(ix, member, g, cfg, payload); err != nil {
		return nil, err
	}
	return s.deliver(ctx, ix, payload, cfg)
}

// ClickMessage has member press the button customID on a message the bot
// posted in a channel with Create Message (a mod-log post, say). As on
// Discord, the interaction carries that message and happens in its channel,
// and an update response (type 7, or an edit of @original after a type-6
// deferral) edits the posted message in place.
func (s *Server) ClickMessage(ctx context.Context, member *Member, channelID, messageID, customID string, opts ...Option) (*Interaction, error) {
	s.mu.Lock()
	var posted *discordgo.Message
	if ch := s.channels[channelID]; ch != nil {
		for _, m := range ch.messages {
			if m.ID == messageID {
				posted = m
			}
		}
	}
	if posted == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("%s: %w: no message %s in channel %s", customID, ErrNoComponent, messageID, channelID)
	}
	msg := &Message{ID: posted.ID, ChannelID: channelID, Content: posted.Content, Embeds: posted.Embeds,
		Components: posted.Components, Flags: posted.Flags, posted: posted}
	s.mu.Unlock()
	return s.component(ctx, member, msg, customID, nil, true, opts)
}

func copyMessage(m *discordgo.Message) *discordgo.Message { c := *m; return &c }

// SubmitModal has member fill the modal's text inputs (custom id → value) and submit.
func (s *Server) SubmitModal(ctx context.Context, member *Member, modal *Modal, values map[string]string) (*Interaction, error) {
	if modal == nil || modal.ix == nil {
		return nil, fmt.Errorf("submit modal: %w: no modal", ErrNoComponent)
	}
	inputs := map[string]*discordgo.TextInput{}
	var walk func([]discordgo.MessageComponent)
	walk = func(cs []discordgo.MessageComponent) {
		for _, c := range cs {
			switch x := c.(type) {
			case *discordgo.ActionsRow:
				walk(x.Components)
			case *discordgo.TextInput:
				inputs[x.CustomID] = x
			}
		}
	}
	walk(modal.Components)
	ids := make([]string, 0, len(values))
	for id := range values {
		if inputs[id] == nil {
			return nil, fmt.Errorf("modal %s: %w: no text input %q", modal.CustomID, ErrInvalidOption, id)
		}
		ids = append(ids, id)
	}
	for id, in := range inputs {
		v, ok := values[id]
		if in.Required && (!ok || v == "") {
			return nil, fmt.Errorf("modal %s: %w: input %q is required", modal.CustomID, ErrInvalidOption, id)
		}
		if ok && ((in.MaxLength > 0 && len([]rune(v)) > in.MaxLength) || len([]rune(v)) < in.MinLength) {
			return nil, fmt.Errorf("modal %s: %w: input %q length out of range", modal.CustomID, ErrInvalidOption, id)
		}
	}
	sort.Strings(ids)
	var rows []map[string]any
	for _, id := range ids {
		rows = append(rows, map[string]any{"type": discordgo.ActionsRowComponent, "components": []map[string]any{{"type": discordgo.TextInputComponent, "custom_id": id, "value": values[id]}}})
	}
	origin := modal.ix
	ix := &Interaction{ID: s.newID(), Token: randomToken(), Type: discordgo.InteractionModalSubmit, GuildID: origin.GuildID, ChannelID: origin.ChannelID, User: member.User, Command: modal.CustomID, fileMax: s.opts.AttachmentSizeLimit, target: origin.target}
	payload := map[string]any{"data": map[string]any{"custom_id": modal.CustomID, "components": rows}}
	if origin.target != nil {
		s.mu.Lock()
		snap := origin.target.snapshot()
		s.mu.Unlock()
		payload["message"] = snap.payload(s)
	}
	var g *Guild
	if origin.GuildID != "" {
		g = s.Guild(origin.GuildID)
	}
	if err := s.fillContext(ix, member, g, runConfig{locale: "en-US"}, payload); err != nil {
		return nil, err
	}
	return s.deliver(ctx, ix, payload, runConfig{})
}

func findComponent(cs []discordgo.MessageComponent, id string) discordgo.MessageComponent {
	for _, c := range cs {
		switch x := c.(type) {
		case *discordgo.ActionsRow:
			if f := findComponent(x.Components, id); f != nil {
				return f
			}
		case *discordgo.Button:
			if x.CustomID == id {
				return x
			}
		case *discordgo.SelectMenu:
			if x.CustomID == id {
				return x
			}
		case *discordgo.Section:
			if b, ok := x.Accessory.(*discordgo.Button); ok && b.CustomID == id {
				return b
			}
		case *discordgo.Container:
			if f := findComponent(x.Components, id); f != nil {
				return f
			}
		}
	}
	return nil
}

func (s *Server) liveMessageLocked(id string) *Message {
	for _, ix := range s.inters {
		if ix.original != nil && ix.original.ID == id {
			return ix.original
		}
		for _, m := range ix.follow {
			if m.ID == id {
				return m
			}
		}
	}
	return nil
}

// interactionCallback handles POST /interactions/{id}/{token}/callback.
func (s *Server) interactionCallback(c *reqCtx) {
	s.mu.Lock()
	ix := s.inters[c.params["interaction_id"]]
	s.mu.Unlock()
	if ix == nil || ix.Token != c.params["interaction_token"] {
		c.violation(Violation{Rule: "unknown-interaction", Message: "no interaction with this id and token"}, http.StatusNotFound, CodeUnknownInteraction, "Unknown interaction")
		return
	}
	var req struct {
		Type discordgo.InteractionResponseType `json:"type"`
		Data *messagePayload                   `json:"data"`
	}
	if !c.decode(&req) {
		return
	}
	now := s.clock.Now()
	s.mu.Lock()
	acked := ix.resp != nil
	s.mu.Unlock()
	if acked {
		c.violation(Violation{Rule: "double-ack", Message: "interaction " + ix.Command + " acknowledged twice"}, http.StatusBadRequest, CodeAlreadyAcknowledged, "Interaction has already been acknowledged.")
		return
	}
	if age := now.Sub(ix.created); age > 3*time.Second {
		ix.fail("late-ack")
		c.violation(Violation{Rule: "late-ack", Message: fmt.Sprintf("interaction %s acknowledged after %v (limit 3s)", ix.Command, age)}, http.StatusNotFound, CodeUnknownInteraction, "Unknown interaction")
		return
	}
	allowed := map[discordgo.InteractionType][]discordgo.InteractionResponseType{
		discordgo.InteractionApplicationCommand: {4, 5, 9},
		discordgo.InteractionMessageComponent:   {4, 5, 6, 7, 9},
		discordgo.InteractionModalSubmit:        {4, 5, 6, 7},
	}[ix.Type]
	ok := false
	for _, t := range allowed {
		ok = ok || t == req.Type
	}
	if ix.Type == discordgo.InteractionModalSubmit && ix.target == nil && (req.Type == 6 || req.Type == 7) {
		ok = false
	}
	if !ok {
		c.formError(Violation{Rule: "schema", InstancePath: "/type", Message: fmt.Sprintf("response type %d not valid for interaction type %d", req.Type, ix.Type)})
		return
	}
	data := req.Data
	if data == nil {
		data = &messagePayload{}
	}
	if req.Type == discordgo.InteractionResponseModal && (data.CustomID == "" || data.Title == "" || len(data.components()) == 0) {
		c.formError(Violation{Rule: "schema", InstancePath: "/data", Message: "modal needs custom_id, title and components"})
		return
	}
	if !c.checkMessage(data, ix.fileMax) {
		return
	}
	if req.Type == discordgo.InteractionResponseChannelMessageWithSource && data.empty() && len(c.files) == 0 {
		c.fail(http.StatusBadRequest, 50006, "Cannot send an empty message")
		return
	}
	s.mu.Lock()
	if ix.resp != nil { // lost a race with a concurrent callback
		s.mu.Unlock()
		c.violation(Violation{Rule: "double-ack", Message: "interaction " + ix.Command + " acknowledged twice"}, http.StatusBadRequest, CodeAlreadyAcknowledged, "Interaction has already been acknowledged.")
		return
	}
	resp := &Response{Type: req.Type, At: now, Latency: time.Since(ix.sentWall)}
	if data.Flags != nil {
		resp.Flags = discordgo.MessageFlags(*data.Flags)
	}
	switch req.Type {
	case discordgo.InteractionResponseChannelMessageWithSource, discordgo.InteractionResponseDeferredChannelMessageWithSource:
		m := data.toMessage()
		ix.original = &Message{ID: s.newID(), ChannelID: ix.ChannelID, Content: m.Content, Embeds: m.Embeds, Components: m.Components, Flags: m.Flags, Files: c.files, ix: ix}
	case discordgo.InteractionResponseUpdateMessage:
		ix.original = ix.target
		applyEdit(ix.target, data, c.files)
	case discordgo.InteractionResponseDeferredMessageUpdate:
		ix.original = ix.target
	case discordgo.InteractionResponseModal:
		resp.Modal = &Modal{CustomID: data.CustomID, Title: data.Title, Components: data.components(), ix: ix}
	}
	ix.resp = resp
	c.answeredLocked(http.StatusNoContent)
	ix.notifyLocked()
	if ix.target != nil && ix.target.ix != nil && ix.target.ix != ix {
		ix.target.ix.notifyLocked()
	}
	s.mu.Unlock()
	c.noContent()
}

// applyEdit edits m as a PATCH (or an update response, or the first follow-up
// after a deferral) with p does, recording the previous content in History.
// The ephemeral flag is fixed when a message is created: Discord ignores a
// different one in an edit, so m keeps its own.
func applyEdit(m *Message, p *messagePayload, files []File) {
	m.History = append(m.History, m.Content)
	m.Edits++
	if p.Content != nil {
		m.Content = *p.Content
	}
	if p.Embeds != nil {
		m.Embeds = *p.Embeds
		if m.Embeds == nil {
			m.Embeds = []*discordgo.MessageEmbed{}
		}
	}
	if p.Components != nil {
		m.Components = p.components()
	}
	if p.Flags != nil {
		m.Flags = discordgo.MessageFlags(*p.Flags)&^discordgo.MessageFlagsEphemeral | m.Flags&discordgo.MessageFlagsEphemeral
	}
	if len(files) > 0 || p.Attachments != nil {
		m.Files = append(keepAttachments(m.Files, p.Attachments), files...)
	}
	if m.posted != nil {
		m.posted.Content, m.posted.Embeds, m.posted.Components = m.Content, m.Embeds, m.Components
		if m.posted.Components == nil {
			m.posted.Components = []discordgo.MessageComponent{}
		}
	}
}

// keepAttachments applies an edit's attachments list: an empty list removes the
// existing files, anything else keeps them.
func keepAttachments(files []File, raw json.RawMessage) []File {
	var list []json.RawMessage
	if raw != nil && json.Unmarshal(raw, &list) == nil && len(list) == 0 {
		return nil
	}
	return files
}
