package bot

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/embodied-community/embodied/internal/chatmod"
)

// seenMessages is how many recent message versions Messages remembers to
// drop a redelivery: a gateway RESUME replays the events missed while
// disconnected, and Discord may deliver an event twice around it.
const seenMessages = 8192

// messageTimeout bounds the moderation of one message (rules, flag,
// deletion, strike).
const messageTimeout = 30 * time.Second

// Messages hands the messages members post (MESSAGE_CREATE) and edit
// (MESSAGE_UPDATE) in guild channels to message moderation as plain
// chatmod Events. Direct messages are left out, and so is an update that
// is no edit of the text (a link preview: no edited_timestamp, or no
// content). Start adds the gateway handlers; Stop removes them and waits
// for the messages in flight.
type Messages struct {
	add    AddHandler
	handle func(context.Context, chatmod.Event)
	log    *slog.Logger

	seen *lru.Cache[string, struct{}] // message id and edit time already handled

	mu      sync.Mutex
	stopped bool
	remove  []func()
	wg      sync.WaitGroup
}

// NewMessages returns Messages passing the guild messages of the sessions
// add reaches (Session.AddHandler, or every shard's) to handle.
func NewMessages(add AddHandler, handle func(context.Context, chatmod.Event), logger *slog.Logger) *Messages {
	seen, _ := lru.New[string, struct{}](seenMessages) // a positive size never fails
	return &Messages{add: add, handle: handle, log: logger, seen: seen}
}

// Start adds the gateway handlers.
func (m *Messages) Start(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.remove = append(m.remove,
		m.add(func(_ *discordgo.Session, e *discordgo.MessageCreate) { m.dispatch(e.Message, false) }),
		m.add(func(_ *discordgo.Session, e *discordgo.MessageUpdate) {
			if e.Message != nil && e.EditedTimestamp != nil {
				m.dispatch(e.Message, true)
			}
		}))
	return nil
}

// Stop removes the handlers and waits for the messages in flight, at most
// until ctx ends.
func (m *Messages) Stop(ctx context.Context) error {
	m.mu.Lock()
	m.stopped = true
	for _, r := range m.remove {
		r()
	}
	m.remove = nil
	m.mu.Unlock()
	done := make(chan struct{})
	go func() { m.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// dispatch moderates one message (discordgo runs each handler call in its
// own goroutine).
func (m *Messages) dispatch(msg *discordgo.Message, edited bool) {
	ev, ok := MessageEvent(msg, edited)
	if !ok {
		return
	}
	// One check per version of a message: the post, then each edit (its
	// edited_timestamp). A redelivered version is not flagged twice.
	key := msg.ID
	if edited && msg.EditedTimestamp != nil {
		key += "@" + msg.EditedTimestamp.UTC().Format(time.RFC3339Nano)
	}
	if seen, _ := m.seen.ContainsOrAdd(key, struct{}{}); seen {
		m.log.Debug("Message delivered again; already checked", "messageId", msg.ID, "guildId", msg.GuildID)
		return
	}
	m.mu.Lock()
	if m.stopped {
		m.mu.Unlock()
		return
	}
	m.wg.Add(1)
	m.mu.Unlock()
	defer m.wg.Done()
	ctx, cancel := context.WithTimeout(context.Background(), messageTimeout)
	defer cancel()
	m.handle(ctx, ev)
}

// MessageEvent translates a guild message; ok is false for a direct
// message, one without an author, or one without content (Discord leaves
// content empty without the Message Content intent).
func MessageEvent(msg *discordgo.Message, edited bool) (_ chatmod.Event, ok bool) {
	if msg.GuildID == "" || msg.Author == nil || msg.Content == "" {
		return chatmod.Event{}, false
	}
	// Only what a member wrote: system messages (joins, pins, AutoMod's own
	// alerts, type 24) carry Discord's text, not theirs.
	if msg.Type != discordgo.MessageTypeDefault && msg.Type != discordgo.MessageTypeReply {
		return chatmod.Event{}, false
	}
	ev := chatmod.Event{GuildID: msg.GuildID, ChannelID: msg.ChannelID, MessageID: msg.ID, AuthorID: msg.Author.ID,
		AuthorBot: msg.Author.Bot || msg.WebhookID != "", Content: msg.Content, Edited: edited}
	if msg.Member != nil {
		ev.Roles = msg.Member.Roles
	}
	return ev, true
}
