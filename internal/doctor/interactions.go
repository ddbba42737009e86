package doctor

import "github.com/embodied-community/embodied/internal/config"

// interactionsCheck is the name of the HTTP interactions check.
const interactionsCheck = "interactions"

// checkInteractions says how interactions reach the bot when the HTTP
// interactions endpoint is on (with it off they arrive over the gateway,
// and the check is not shown).
func checkInteractions(r *Report, cfg *config.Config) {
	if cfg.InteractionsAddr == "" {
		return
	}
	detail := "HTTP interactions: on at " + cfg.InteractionsAddr
	if cfg.HTTPOnly {
		detail += "; no gateway connection (SECOPS_GATEWAY=false): a gateway process must run too, for the events"
	} else {
		detail += ", beside the gateway"
	}
	r.add(Pass, interactionsCheck, detail+"; Discord POSTs there once the Interactions Endpoint URL (HTTPS, through a TLS proxy or load balancer) is saved in the Developer Portal", "")
}
