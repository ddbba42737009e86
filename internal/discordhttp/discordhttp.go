// Package discordhttp builds the discordgo Session the bot uses, pointed either at
// discord.com or, through DISCORD_API_URL, at another address such as the discordsim
// emulator. Handlers never learn which one they talk to.
package discordhttp

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/logging"
)

// DefaultAPIURL is the address of the real Discord API; with it no rewriting happens.
const DefaultAPIURL = "https://discord.com"

// Intents is what the bot asks the gateway for: guilds (GUILD_CREATE for
// the guilds it is in) and direct messages. It deliberately leaves out the
// privileged Server Members intent, which Discord refuses (close code 4014)
// unless enabled in the developer portal: permissions and targets come with
// each interaction, and the bot's own member with GUILD_CREATE (discordact).
// The two Auto Moderation intents (not privileged) bring the AutoMod rule
// events and AUTO_MODERATION_ACTION_EXECUTION (internal/automod).
const Intents = discordgo.IntentsGuilds | discordgo.IntentsDirectMessages |
	discordgo.IntentAutoModerationConfiguration | discordgo.IntentAutoModerationExecution |
	discordgo.IntentGuildModeration // GUILD_AUDIT_LOG_ENTRY_CREATE for anti-nuke (not privileged)

// MessageIntents are added with SECOPS_MODERATE_MESSAGES: guild messages
// and their content. Message Content is privileged: Discord closes the
// gateway with 4014 unless it is enabled in the developer portal.
const MessageIntents = discordgo.IntentsGuildMessages | discordgo.IntentsMessageContent

// NewSession returns a discordgo Session for the bot token. When apiURL is neither empty
// nor DefaultAPIURL, every request to discord.com is sent to apiURL instead; the gateway
// URL then comes from that server's GET /api/v9/gateway. Its REST calls go through a
// Transport (TransportOf): the global limit, a bounded 429 retry, the invalid request
// count. The token is never logged; the lines logged name the component Discord.
func NewSession(token, apiURL string, logger *slog.Logger) (*discordgo.Session, error) {
	if token == "" {
		return nil, errors.New("new discord session: empty token")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logging.Component(logger, "Discord")
	s, err := discordgo.New("Bot " + token)
	if err != nil {
		return nil, fmt.Errorf("new discord session: %w", err)
	}
	s.Identify.Intents = Intents
	// discordgo resends a 429 after its retry_after for as long as Discord
	// answers 429, without bound; Transport retries within DefaultRetryBudget
	// instead. MaxRestRetries bounds discordgo's own resends of a 502.
	s.ShouldRetryOnRateLimit = false
	s.ShouldReconnectOnError = true
	s.MaxRestRetries = 3
	var base http.RoundTripper
	if apiURL = strings.TrimRight(apiURL, "/"); apiURL != "" && apiURL != DefaultAPIURL {
		target, err := url.Parse(apiURL)
		if err != nil || target.Scheme == "" || target.Host == "" {
			return nil, fmt.Errorf("new discord session: invalid api url %q", apiURL)
		}
		base = RewriteTransport(target, nil)
		logger.Info("discord api redirected", "apiUrl", target.String())
	}
	s.Client = &http.Client{Timeout: 20 * time.Second, Transport: NewTransport(base, DefaultRetryBudget)}
	return s, nil
}

// TransportOf returns the Transport NewSession gave s, or nil for a Session
// made otherwise.
func TransportOf(s *discordgo.Session) *Transport {
	if s == nil || s.Client == nil {
		return nil
	}
	t, _ := s.Client.Transport.(*Transport)
	return t
}

// RewriteTransport returns a RoundTripper that sends requests for discord.com (and its
// subdomains) to target's scheme and host, keeping path and query, then hands them to
// base (http.DefaultTransport when nil). Other hosts pass through unchanged.
func RewriteTransport(target *url.URL, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &rewriteTransport{target: target, base: base}
}

type rewriteTransport struct {
	target *url.URL
	base   http.RoundTripper
}

func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	host := req.URL.Hostname()
	if host != "discord.com" && !strings.HasSuffix(host, ".discord.com") {
		return t.base.RoundTrip(req)
	}
	// RoundTrippers must not modify the caller's request.
	r := req.Clone(req.Context())
	r.URL.Scheme = t.target.Scheme
	r.URL.Host = t.target.Host
	r.Host = t.target.Host
	return t.base.RoundTrip(r)
}
