package discordsim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Errors returned when driving interactions.
var (
	// ErrUnknownCommand: no registered command has that name (or subcommand path).
	ErrUnknownCommand = errors.New("discordsim: unknown command")
	// ErrInvalidOption: an option is unknown, of the wrong type, out of range or missing.
	ErrInvalidOption = errors.New("discordsim: invalid option")
	// ErrCommandHidden: Discord would not show the command to this member
	// (default_member_permissions or a guild override).
	ErrCommandHidden = errors.New("discordsim: command not available to member")
	// ErrNoResponse: the bot did not acknowledge the interaction in time.
	ErrNoResponse = errors.New("discordsim: no interaction response")
	// ErrNotResolved: the bot deferred but sent no follow-up or edit in time, or fewer
	// follow-ups than WaitFollowups asked for.
	ErrNotResolved = errors.New("discordsim: deferred interaction not resolved")
	// ErrFailed: the bot broke a rule that makes Discord show "This interaction
	// failed" (late acknowledgement, expired token); Violations says which.
	ErrFailed = errors.New("discordsim: interaction failed")
	// ErrNoComponent: the message has no such component to click or select.
	ErrNoComponent = errors.New("discordsim: no such component")
)

// Message is a message the bot produced for an interaction (initial response,
// follow-up) as the member sees it. Values returned by the emulator are snapshots.
type Message struct {
	ID         string
	ChannelID  string
	Content    string
	Embeds     []*discordgo.MessageEmbed
	Components []discordgo.MessageComponent
	Flags      discordgo.MessageFlags
	Files      []File
	// Edits counts PATCHes of the message after it was created (including an
	// update response and the first follow-up that fills a deferral).
	Edits int
	// History holds the content before each edit, oldest first: History[0] is
	// the content the message was created with ("" for a deferral's "thinking…"
	// placeholder), and Content the latest. len(History) == Edits.
	History []string
	Deleted bool

	ix *Interaction
	// posted is the channel message this is a view of, for a component used
	// on a message the bot created with Create Message: edits reach it too.
	posted *discordgo.Message
}

// Ephemeral reports whether only the invoking member sees the message (flag 64).
func (m *Message) Ephemeral() bool { return m.Flags&discordgo.MessageFlagsEphemeral != 0 }

func (m *Message) snapshot() *Message {
	if m == nil {
		return nil
	}
	c := *m
	c.Embeds = slices.Clone(m.Embeds)
	c.Components = slices.Clone(m.Components)
	c.Files = slices.Clone(m.Files)
	c.History = slices.Clone(m.History)
	return &c
}

func (m *Message) payload(s *Server) *discordgo.Message {
	att := []*discordgo.MessageAttachment{}
	for i, f := range m.Files {
		att = append(att, &discordgo.MessageAttachment{ID: fmt.Sprintf("%s%d", m.ID, i), Filename: f.Name, Size: len(f.Data), ContentType: f.ContentType})
	}
	return &discordgo.Message{ID: m.ID, ChannelID: m.ChannelID, Content: m.Content, Embeds: m.Embeds, Components: m.Components,
		Flags: m.Flags, Attachments: att, Author: s.BotUser(), WebhookID: s.opts.ApplicationID, Type: discordgo.MessageTypeChatInputCommand}
}

// Modal is a modal the bot opened (response type 9).
type Modal struct {
	CustomID   string
	Title      string
	Components []discordgo.MessageComponent
	ix         *Interaction
}

// Response is the initial interaction response.
type Response struct {
	Type discordgo.InteractionResponseType
	// At is the emulator-clock time of the callback; Latency the wall time from
	// dispatching INTERACTION_CREATE to the callback.
	At      time.Time
	Latency time.Duration
	// Flags of the response data (64 for an ephemeral reply or deferral).
	Flags discordgo.MessageFlags
	Modal *Modal
}

// Interaction is one interaction delivered to the bot and everything it answered.
type Interaction struct {
	ID        string
	Token     string
	Type      discordgo.InteractionType
	GuildID   string // "" in DMs
	ChannelID string
	User      *discordgo.User
	// Command is the invoked path ("/security warn") or, for components and modals,
	// the custom id.
	Command string

	s        *Server
	created  time.Time // emulator clock
	sentWall time.Time
	fileMax  int
	target   *Message // message a component was used on
	resp     *Response
	original *Message
	follow   []*Message
	changed  chan struct{}
	failed   string // why the member saw "This interaction failed"
}

func (ix *Interaction) notifyLocked() {
	close(ix.changed)
	ix.changed = make(chan struct{})
}

// Response returns the initial response, or nil if none arrived yet.
func (ix *Interaction) Response() *Response {
	ix.s.mu.Lock()
	defer ix.s.mu.Unlock()
	if ix.resp == nil {
		return nil
	}
	r := *ix.resp
	return &r
}

// Original returns the original response message (after edits), or nil.
func (ix *Interaction) Original() *Message {
	ix.s.mu.Lock()
	defer ix.s.mu.Unlock()
	return ix.original.snapshot()
}

// Followups returns the follow-up messages in order.
func (ix *Interaction) Followups() []*Message {
	ix.s.mu.Lock()
	defer ix.s.mu.Unlock()
	out := make([]*Message, len(ix.follow))
	for i, m := range ix.follow {
		out[i] = m.snapshot()
	}
	return out
}

// Messages returns the original response (if any) followed by the follow-ups.
func (ix *Interaction) Messages() []*Message {
	ix.s.mu.Lock()
	defer ix.s.mu.Unlock()
	var out []*Message
	if ix.original != nil {
		out = append(out, ix.original.snapshot())
	}
	for _, m := range ix.follow {
		if m != ix.original {
			out = append(out, m.snapshot())
		}
	}
	return out
}

// Content is the final visible content of the original response; for a deferral
// never edited, of the first follow-up.
func (ix *Interaction) Content() string {
	if m := ix.visible(); m != nil {
		return m.Content
	}
	return ""
}

// Embeds are the embeds of the message Content reads.
func (ix *Interaction) Embeds() []*discordgo.MessageEmbed {
	if m := ix.visible(); m != nil {
		return m.Embeds
	}
	return nil
}

// Ephemeral reports whether the reply (or deferral) was ephemeral: the original
// response's visibility or, once a deferred original was deleted, that of the
// first follow-up.
func (ix *Interaction) Ephemeral() bool {
	ix.s.mu.Lock()
	defer ix.s.mu.Unlock()
	if ix.original != nil && ix.original.Deleted && len(ix.follow) > 0 {
		return ix.follow[0].Ephemeral()
	}
	if ix.original != nil {
		return ix.original.Ephemeral()
	}
	return ix.resp != nil && ix.resp.Flags&discordgo.MessageFlagsEphemeral != 0
}

// Files returns every file attached to the original response and follow-ups.
func (ix *Interaction) Files() []File {
	var out []File
	for _, m := range ix.Messages() {
		out = append(out, m.Files...)
	}
	return out
}

// Modal returns the modal the bot opened, or nil.
func (ix *Interaction) Modal() *Modal {
	ix.s.mu.Lock()
	defer ix.s.mu.Unlock()
	if ix.resp == nil {
		return nil
	}
	return ix.resp.Modal
}

// Failed says why the interaction failed for the member ("" if it did not).
func (ix *Interaction) Failed() string {
	ix.s.mu.Lock()
	defer ix.s.mu.Unlock()
	return ix.failed
}

func (ix *Interaction) fail(why string) {
	ix.s.mu.Lock()
	if ix.failed == "" {
		ix.failed = why
	}
	ix.notifyLocked()
	ix.s.mu.Unlock()
}

// AckLatency is the wall time between delivery and the initial response (0 if none).
func (ix *Interaction) AckLatency() time.Duration {
	if r := ix.Response(); r != nil {
		return r.Latency
	}
	return 0
}

func (ix *Interaction) visible() *Message {
	ix.s.mu.Lock()
	defer ix.s.mu.Unlock()
	if ix.original != nil && !ix.original.Deleted && (ix.original.Edits > 0 || ix.resp == nil ||
		(ix.resp.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource && ix.resp.Type != discordgo.InteractionResponseDeferredMessageUpdate)) {
		return ix.original.snapshot()
	}
	if len(ix.follow) > 0 {
		return ix.follow[0].snapshot()
	}
	return ix.original.snapshot()
}

// Wait blocks until cond(ix) holds or ctx ends. cond may call ix's accessors.
func (ix *Interaction) Wait(ctx context.Context, cond func(*Interaction) bool) error {
	for {
		ix.s.mu.Lock()
		ch := ix.changed
		ix.s.mu.Unlock()
		if cond(ix) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait for interaction %s: %w", ix.Command, ctx.Err())
		case <-ix.s.done:
			return ErrClosed
		}
	}
}

// resolved: the member saw a final answer (a non-deferred response, or a deferral
// followed by an edit, a deletion or a follow-up) and at least n follow-ups.
func (ix *Interaction) resolved(n int) bool {
	ix.s.mu.Lock()
	defer ix.s.mu.Unlock()
	if ix.failed != "" {
		return true
	}
	if ix.resp == nil || len(ix.follow) < n {
		return false
	}
	switch ix.resp.Type {
	case discordgo.InteractionResponseDeferredChannelMessageWithSource, discordgo.InteractionResponseDeferredMessageUpdate:
		o := ix.original
		return len(ix.follow) > 0 || (o != nil && (o.Edits > 0 || o.Deleted))
	}
	return true
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// deliver registers ix, sends INTERACTION_CREATE and waits for it to resolve.
func (s *Server) deliver(ctx context.Context, ix *Interaction, payload map[string]any, cfg runConfig) (*Interaction, error) {
	s.mu.Lock()
	ix.s = s
	ix.changed = make(chan struct{})
	ix.created = s.clock.Now()
	ix.sentWall = time.Now()
	s.inters[ix.ID] = ix
	s.interByTok[ix.Token] = ix
	s.mu.Unlock()
	payload["id"], payload["token"], payload["type"] = ix.ID, ix.Token, ix.Type
	payload["application_id"], payload["version"] = s.opts.ApplicationID, 1
	payload["entitlements"] = []any{}
	payload["attachment_size_limit"] = ix.fileMax
	if url := s.endpointURL(); url != "" {
		s.postInteraction(ix, url, payload)
	} else {
		s.gw.dispatch(s, s.shardFor(ix.GuildID), "INTERACTION_CREATE", payload)
	}

	ctx, cancel := context.WithTimeout(ctx, s.opts.ResponseTimeout)
	defer cancel()
	if _, real := s.clock.(realClock); real {
		// On the wall clock the member sees "This interaction failed" after 3 s
		// without an initial response; no need to wait for ResponseTimeout.
		ackCtx, cancelAck := context.WithTimeout(ctx, 3*time.Second+250*time.Millisecond)
		err := ix.Wait(ackCtx, func(ix *Interaction) bool { return ix.Response() != nil || ix.Failed() != "" })
		cancelAck()
		if err != nil && ctx.Err() == nil {
			return ix, fmt.Errorf("%s: no initial response within 3s: %w", ix.Command, ErrNoResponse)
		}
	}
	err := ix.Wait(ctx, func(ix *Interaction) bool { return ix.resolved(cfg.followups) })
	if f := ix.Failed(); f != "" {
		return ix, fmt.Errorf("%s: %s: %w", ix.Command, f, ErrFailed)
	}
	if err != nil {
		if ix.Response() == nil {
			return ix, fmt.Errorf("%s: %w", ix.Command, ErrNoResponse)
		}
		return ix, fmt.Errorf("%s: %w", ix.Command, ErrNotResolved)
	}
	return ix, nil
}
