package discordsim

import (
	"fmt"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"
)

// webhookInteraction finds the interaction behind a webhook id and token and applies
// the token rules: the application's id, 15 minutes of validity, acknowledged first.
func (s *Server) webhookInteraction(c *reqCtx) *Interaction {
	if c.params["webhook_id"] != s.opts.ApplicationID {
		c.violation(Violation{Rule: "unknown-webhook", Message: "webhook id is not the application id"}, http.StatusNotFound, CodeUnknownWebhook, "Unknown Webhook")
		return nil
	}
	s.mu.Lock()
	ix := s.interByTok[c.params["webhook_token"]]
	acked := ix != nil && ix.resp != nil
	s.mu.Unlock()
	if ix == nil {
		c.violation(Violation{Rule: "unknown-webhook", Message: "no interaction has this token"}, http.StatusNotFound, CodeUnknownWebhook, "Unknown Webhook")
		return nil
	}
	if age := s.clock.Now().Sub(ix.created); age > 15*time.Minute {
		ix.fail("token-expired")
		c.violation(Violation{Rule: "token-expired", Message: fmt.Sprintf("interaction token of %s used after %v (limit 15m)", ix.Command, age)}, http.StatusUnauthorized, CodeInvalidWebhookToken, "Invalid Webhook Token")
		return nil
	}
	if !acked {
		c.violation(Violation{Rule: "not-acknowledged", Message: "webhook call before the interaction " + ix.Command + " was acknowledged"}, http.StatusNotFound, CodeUnknownWebhook, "Unknown Webhook")
		return nil
	}
	return ix
}

// webhookMessage finds the message a webhook-message route names.
func (s *Server) webhookMessage(c *reqCtx, ix *Interaction) *Message {
	id := c.params["message_id"]
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == "" { // @original
		if ix.original != nil && !ix.original.Deleted {
			return ix.original
		}
	} else {
		if ix.original != nil && ix.original.ID == id && !ix.original.Deleted {
			return ix.original
		}
		for _, m := range ix.follow {
			if m.ID == id && !m.Deleted {
				return m
			}
		}
	}
	return nil
}

func (s *Server) followupCreate(c *reqCtx) {
	ix := s.webhookInteraction(c)
	if ix == nil {
		return
	}
	var data messagePayload
	if !c.decode(&data) {
		return
	}
	if !c.checkMessage(&data, ix.fileMax) {
		return
	}
	if data.empty() && len(c.files) == 0 {
		c.fail(http.StatusBadRequest, 50006, "Cannot send an empty message")
		return
	}
	s.mu.Lock()
	var m *Message
	if ix.resp.Type == discordgo.InteractionResponseDeferredChannelMessageWithSource && ix.original != nil && ix.original.Edits == 0 && !ix.original.Deleted && ix.original.Content == "" && len(ix.original.Embeds) == 0 && len(ix.followUpsLocked()) == 0 {
		// Discord turns the first follow-up after a deferral into the original
		// response, which keeps the deferral's visibility: an ephemeral flag in
		// the request (or its absence) is ignored.
		m = ix.original
		applyEdit(m, &data, c.files)
		ix.follow = append(ix.follow, m)
	} else {
		msg := data.toMessage()
		m = &Message{ID: s.newID(), ChannelID: ix.ChannelID, Content: msg.Content, Embeds: msg.Embeds, Components: msg.Components, Flags: msg.Flags, Files: c.files, ix: ix}
		ix.follow = append(ix.follow, m)
	}
	c.answeredLocked(http.StatusOK)
	ix.notifyLocked()
	snap := m.snapshot()
	s.mu.Unlock()
	c.json(http.StatusOK, snap.payload(s))
}

func (ix *Interaction) followUpsLocked() []*Message { return ix.follow }

// existingWebhookMessage resolves a GET/DELETE webhook-message route or answers 404.
func (s *Server) existingWebhookMessage(c *reqCtx) (*Interaction, *Message) {
	ix := s.webhookInteraction(c)
	if ix == nil {
		return nil, nil
	}
	m := s.webhookMessage(c, ix)
	if m == nil {
		c.fail(http.StatusNotFound, CodeUnknownMessage, "Unknown Message")
		return nil, nil
	}
	return ix, m
}

func (s *Server) webhookMessageGet(c *reqCtx) {
	_, m := s.existingWebhookMessage(c)
	if m == nil {
		return
	}
	s.mu.Lock()
	snap := m.snapshot()
	s.mu.Unlock()
	c.json(http.StatusOK, snap.payload(s))
}

func (s *Server) webhookMessageEdit(c *reqCtx) {
	ix := s.webhookInteraction(c)
	if ix == nil {
		return
	}
	var data messagePayload
	if !c.decode(&data) || !c.checkMessage(&data, ix.fileMax) {
		return
	}
	m := s.webhookMessage(c, ix)
	if m == nil {
		c.violation(Violation{Rule: "unknown-message", Message: "edit of a message that does not exist (e.g. @original after a modal)"}, http.StatusNotFound, CodeUnknownMessage, "Unknown Message")
		return
	}
	s.mu.Lock()
	applyEdit(m, &data, c.files)
	ix.notifyLocked()
	if m.ix != nil && m.ix != ix {
		m.ix.notifyLocked()
	}
	snap := m.snapshot()
	s.mu.Unlock()
	c.json(http.StatusOK, snap.payload(s))
}

func (s *Server) webhookMessageDelete(c *reqCtx) {
	ix, m := s.existingWebhookMessage(c)
	if m == nil {
		return
	}
	s.mu.Lock()
	m.Deleted = true
	c.answeredLocked(http.StatusNoContent)
	ix.notifyLocked()
	s.mu.Unlock()
	c.noContent()
}
