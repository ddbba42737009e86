package discordhttp

import (
	"errors"

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
