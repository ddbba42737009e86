package discordsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// File is an uploaded attachment as the emulator received it.
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// messagePayload is the message part of callbacks, follow-ups, edits and channel
// messages. Pointers and raw fields tell "absent" from "cleared" for PATCH.
type messagePayload struct {
	Content     *string                    `json:"content"`
	Embeds      *[]*discordgo.MessageEmbed `json:"embeds"`
	Components  json.RawMessage            `json:"components"`
	Flags       *int                       `json:"flags"`
	Attachments json.RawMessage            `json:"attachments"`
	TTS         bool                       `json:"tts"`
	CustomID    string                     `json:"custom_id"`
	Title       string                     `json:"title"`
}

func (p *messagePayload) empty() bool {
	return (p.Content == nil || *p.Content == "") && (p.Embeds == nil || len(*p.Embeds) == 0) && len(p.components()) == 0
}

func (p *messagePayload) components() []discordgo.MessageComponent {
	if len(p.Components) == 0 || string(p.Components) == "null" {
		return nil
	}
	var m discordgo.Message
	if err := json.Unmarshal([]byte(`{"components":`+string(p.Components)+`}`), &m); err != nil {
		return nil
	}
	return m.Components
}

func (p *messagePayload) toMessage() *discordgo.Message {
	m := &discordgo.Message{Embeds: []*discordgo.MessageEmbed{}, Components: p.components(), Attachments: []*discordgo.MessageAttachment{}}
	if p.Content != nil {
		m.Content = *p.Content
	}
	if p.Embeds != nil && *p.Embeds != nil {
		m.Embeds = *p.Embeds
	}
	if p.Flags != nil {
		m.Flags = discordgo.MessageFlags(*p.Flags)
	}
	if m.Components == nil {
		m.Components = []discordgo.MessageComponent{}
	}
	return m
}

const allowedMessageFlags = int(discordgo.MessageFlagsSuppressEmbeds | discordgo.MessageFlagsEphemeral | discordgo.MessageFlagsSuppressNotifications | discordgo.MessageFlagsIsComponentsV2)

// checkMessage applies the limits the JSON schema cannot express: total embed size,
// flag values and upload sizes. It answers and records a violation when one fails.
func (c *reqCtx) checkMessage(p *messagePayload, fileMax int) bool {
	if p.Content != nil && utf8.RuneCountInString(*p.Content) > 2000 {
		c.formError(Violation{Rule: "limit", InstancePath: "/content", Message: "content must be 2000 or fewer in length"})
		return false
	}
	if p.Embeds != nil {
		if len(*p.Embeds) > 10 {
			c.formError(Violation{Rule: "limit", InstancePath: "/embeds", Message: "must be 10 or fewer in length"})
			return false
		}
		total := 0
		for i, e := range *p.Embeds {
			if e == nil {
				continue
			}
			if msg := embedLimit(e); msg != "" {
				c.formError(Violation{Rule: "limit", InstancePath: fmt.Sprintf("/embeds/%d", i), Message: msg})
				return false
			}
			total += embedSize(e)
		}
		if total > 6000 {
			c.formError(Violation{Rule: "limit", SchemaPath: "#/x-discord-limits/embeds/total-6000", InstancePath: "/embeds", Message: fmt.Sprintf("embed size exceeds maximum size of 6000 (got %d)", total)})
			return false
		}
	}
	if p.Flags != nil && *p.Flags&^allowedMessageFlags != 0 {
		c.formError(Violation{Rule: "schema", InstancePath: "/flags", Message: fmt.Sprintf("invalid message flags %d", *p.Flags)})
		return false
	}
	for i, f := range c.files {
		if len(f.Data) > fileMax {
			c.violation(Violation{Rule: "limit", InstancePath: fmt.Sprintf("/files[%d]", i), Message: fmt.Sprintf("file %q is %d bytes, limit %d", f.Name, len(f.Data), fileMax)},
				http.StatusRequestEntityTooLarge, CodeRequestTooLarge, "Request entity too large")
			return false
		}
	}
	return true
}

func runes(s string) int { return utf8.RuneCountInString(s) }

func embedSize(e *discordgo.MessageEmbed) int {
	n := runes(e.Title) + runes(e.Description)
	for _, f := range e.Fields {
		if f != nil {
			n += runes(f.Name) + runes(f.Value)
		}
	}
	if e.Footer != nil {
		n += runes(e.Footer.Text)
	}
	if e.Author != nil {
		n += runes(e.Author.Name)
	}
	return n
}

func embedLimit(e *discordgo.MessageEmbed) string {
	switch {
	case runes(e.Title) > 256:
		return "embed title must be 256 or fewer in length"
	case runes(e.Description) > 4096:
		return "embed description must be 4096 or fewer in length"
	case len(e.Fields) > 25:
		return "embed fields must be 25 or fewer in length"
	case e.Footer != nil && runes(e.Footer.Text) > 2048:
		return "embed footer text must be 2048 or fewer in length"
	case e.Author != nil && runes(e.Author.Name) > 256:
		return "embed author name must be 256 or fewer in length"
	}
	for _, f := range e.Fields {
		if f != nil && (runes(f.Name) > 256 || runes(f.Value) > 1024) {
			return "embed field name must be 256 and value 1024 or fewer in length"
		}
	}
	return ""
}
