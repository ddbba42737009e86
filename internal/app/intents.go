package app

import (
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/chatmod"
	"github.com/embodied-community/embodied/internal/discordhttp"
)

// messageIntent is whether the bot asked for the Message Content intent
// (SECOPS_MODERATE_MESSAGES) and whether Discord refused it.
type messageIntent struct {
	requested bool
	refused   atomic.Bool
	// probe opens a separate gateway session asking for the message
	// intents and returns Open's error (nil: granted).
	probe func() error

	mu sync.Mutex
	// ready: a READY or RESUMED came since the last disconnect.
	ready bool
	// failures counts the disconnects in a row with no READY or RESUMED
	// before them.
	failures int
	probing  bool
}

// status is the message-moderation line of /security status.
func (m *messageIntent) status() string { return chatmod.Status(m.requested, m.refused.Load()) }

// open opens the gateway session. discordgo's Open returns the close frame
// of a refused IDENTIFY as a *websocket.CloseError; left alone, a 4014 for
// the Message Content intent would fail the start-up on every restart. When
// Discord refuses it, open says what to enable in the developer portal and
// opens the session again without the message intents: the bot serves its
// commands, without message moderation, until an operator enables the
// intent and restarts it.
func (m *messageIntent) open(s *discordgo.Session, log *slog.Logger) error {
	err := s.Open()
	if m == nil || !m.requested || !discordhttp.DisallowedIntents(err) {
		return err
	}
	m.refuse(s, log, err)
	return s.Open()
}

// refuse records the refusal, says what to enable, and leaves the message
// intents out of the session's next IDENTIFY. discordgo reads Identify in
// Open, under the session's lock.
func (m *messageIntent) refuse(s *discordgo.Session, log *slog.Logger, err error) {
	m.refused.Store(true)
	log.Error(chatmod.IntentRefused, "closeCode", discordhttp.CloseDisallowedIntents, "error", err)
	s.Lock()
	s.Identify.Intents &^= discordhttp.MessageIntents
	s.Unlock()
}

// watch covers a refusal after the start: when the intent is switched off
// while the bot runs, Discord accepts RESUMEs but refuses the next IDENTIFY
// (after an INVALID_SESSION) with 4014, which discordgo's listener sees only
// as a read error: it closes and reconnects, again and again, without a
// READY and without saying why. After two such disconnects in a row watch
// asks the gateway itself, in a separate session; if Discord refuses the
// intent there, the session's next IDENTIFY leaves the message intents out
// and the bot comes back without message moderation.
func (m *messageIntent) watch(s *discordgo.Session, log *slog.Logger) {
	if m == nil || !m.requested || m.probe == nil {
		return
	}
	up := func() {
		m.mu.Lock()
		m.ready = true
		m.mu.Unlock()
	}
	s.AddHandler(func(*discordgo.Session, *discordgo.Ready) { up() })
	s.AddHandler(func(*discordgo.Session, *discordgo.Resumed) { up() })
	s.AddHandler(func(*discordgo.Session, *discordgo.Disconnect) {
		m.mu.Lock()
		if m.ready {
			m.ready, m.failures = false, 0
		} else {
			m.failures++
		}
		check := m.failures >= 2 && !m.probing && !m.refused.Load()
		m.probing = m.probing || check
		m.mu.Unlock()
		if !check {
			return
		}
		defer func() {
			m.mu.Lock()
			m.probing = false
			m.mu.Unlock()
		}()
		if err := m.probe(); discordhttp.DisallowedIntents(err) {
			m.refuse(s, log, err)
		}
	})
}
