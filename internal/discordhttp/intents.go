package discordhttp

import (
	"errors"
	"log/slog"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// CloseDisallowedIntents is the gateway close code for a privileged intent
// the application has not enabled in the developer portal.
const CloseDisallowedIntents = 4014

// DisallowedIntents reports whether err, from discordgo's Session.Open, is
// the gateway refusing a privileged intent (close 4014, "Disallowed
// intent(s)."): discordgo returns the close frame that answers IDENTIFY as
// a *websocket.CloseError, and retries nothing itself.
func DisallowedIntents(err error) bool {
	var ce *websocket.CloseError
	return errors.As(err, &ce) && ce.Code == CloseDisallowedIntents
}

// ProbeIntents opens, and closes, a gateway session of its own asking for
// intents, and returns Open's error: DisallowedIntents tells a privileged
// intent the application has not enabled. configure may adjust the
// session before it opens (the shard it identifies as, its dialer).
func ProbeIntents(token, apiURL string, intents discordgo.Intent, logger *slog.Logger, configure ...func(*discordgo.Session)) error {
	s, err := NewSession(token, apiURL, logger)
	if err != nil {
		return err
	}
	s.Identify.Intents = intents
	s.StateEnabled = false
	// One session, closed at once: no reconnect loop may outlive it.
	s.ShouldReconnectOnError = false
	for _, c := range configure {
		c(s)
	}
	if err := s.Open(); err != nil {
		return err
	}
	return s.Close()
}
