package app

import (
	"log/slog"
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
	m.refused.Store(true)
	log.Error(chatmod.IntentRefused, "closeCode", discordhttp.CloseDisallowedIntents, "error", err)
	s.Identify.Intents &^= discordhttp.MessageIntents
	return s.Open()
}
