// Package interactions serves Discord's Interactions Endpoint URL
// (SECOPS_INTERACTIONS_ADDR): Discord POSTs each interaction, signed with
// the application's Ed25519 key, and takes the HTTP response as the
// interaction's initial response. The handler verifies the signature
// (X-Signature-Ed25519 over X-Signature-Timestamp + body), answers PING with
// PONG, and hands every other interaction to the bot's router and
// middleware, the same ones gateway interactions go through. It keeps no
// state but a count of refused requests per address, so any number of
// instances can sit behind a load balancer.
package interactions

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/logging"
)

// MsgInvalidSignature is the body of every 401, as in Discord's
// documentation.
const MsgInvalidSignature = "invalid request signature"

const (
	// MaxBody bounds a request body. Interactions are a few kilobytes; the
	// largest (a message context menu on a message with big embeds and
	// resolved members) stays well under it.
	MaxBody = 1 << 20
	// MaxSkew is how far X-Signature-Timestamp may be from this host's
	// clock, either way: a correctly signed request older than this is a
	// replay and refused. Discord's tokens answer for 15 minutes, and its
	// requests arrive within seconds.
	MaxSkew = 5 * time.Minute
	// AnswerTimeout is how long a request waits for the bot's initial
	// response: Discord's 3 seconds. The bot defers by itself after
	// bot.AutoDeferAfter, so it answers sooner.
	AnswerTimeout = 3 * time.Second
	// RepeatThreshold refused requests from one address within
	// RepeatWindow make a security event (one per window).
	RepeatThreshold = 10
	// RepeatWindow is the window of RepeatThreshold.
	RepeatWindow = time.Minute
)

// Reasons a request is refused with 401, as counted in the metric.
const (
	ReasonMissing = "missing"
	ReasonInvalid = "invalid"
	ReasonStale   = "stale"
)

// EventForged is the security event type of repeated refused requests.
const EventForged = "forged_interaction_signature"

// Dispatcher runs an interaction through the bot (*bot.Bot).
type Dispatcher interface {
	ServeInteraction(raw json.RawMessage, answer bot.Callback) (done <-chan struct{}, ok bool)
}

var _ Dispatcher = (*bot.Bot)(nil)

// Options configures a Handler.
type Options struct {
	// PublicKey is the application's public key (DISCORD_PUBLIC_KEY).
	PublicKey  ed25519.PublicKey
	Dispatcher Dispatcher
	// Events records the security event of repeated refusals; nil only logs.
	Events bot.EventSink
	Logger *slog.Logger
	// OnRejected counts a refused request by reason (metrics).
	OnRejected func(reason string)
	// Now is the clock of the timestamp check; time.Now when nil.
	Now func() time.Time
	// AnswerTimeout overrides AnswerTimeout (tests).
	AnswerTimeout time.Duration
}

// Handler is the interactions endpoint.
type Handler struct {
	o   Options
	log *slog.Logger

	mu    sync.Mutex
	fails map[string]*failWindow // refused requests by remote address
}

type failWindow struct {
	start time.Time
	n     int
}

// New returns the endpoint's handler.
func New(o Options) *Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.AnswerTimeout <= 0 {
		o.AnswerTimeout = AnswerTimeout
	}
	return &Handler{o: o, log: logging.Component(o.Logger, "Interactions"), fails: map[string]*failWindow{}}
}

// ServeHTTP answers one POST from Discord. Request bodies are never logged.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "could not read the request body", http.StatusBadRequest)
		return
	}
	if reason := h.verify(r.Header, body); reason != "" {
		h.refuse(w, r, reason)
		return
	}
	var head struct {
		Type discordgo.InteractionType `json:"type"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		http.Error(w, "malformed interaction", http.StatusBadRequest)
		return
	}
	if head.Type == discordgo.InteractionPing {
		writeJSON(w, &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong})
		return
	}
	h.dispatch(w, r, body)
}

// verify checks the signature and its timestamp; it returns the reason to
// refuse, or "".
func (h *Handler) verify(hdr http.Header, body []byte) string {
	sigHex, ts := hdr.Get("X-Signature-Ed25519"), hdr.Get("X-Signature-Timestamp")
	if sigHex == "" || ts == "" {
		return ReasonMissing
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil || len(sig) != ed25519.SignatureSize || len(h.o.PublicKey) != ed25519.PublicKeySize {
		return ReasonInvalid
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(append(msg, ts...), body...)
	if !ed25519.Verify(h.o.PublicKey, msg, sig) {
		return ReasonInvalid
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ReasonStale
	}
	if skew := h.o.Now().Sub(time.Unix(secs, 0)); skew > MaxSkew || skew < -MaxSkew {
		return ReasonStale
	}
	return ""
}

// refuse answers 401, counts the refusal, and records a security event
// when one address reaches RepeatThreshold refusals within RepeatWindow.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, reason string) {
	if h.o.OnRejected != nil {
		h.o.OnRejected(reason)
	}
	addr := remoteHost(r)
	n := h.count(addr)
	h.log.Warn("Interaction request refused", "reason", reason, "remoteAddr", addr, "failures", n)
	if n == RepeatThreshold {
		h.log.Warn("Security event", "eventType", EventForged, "remoteAddr", addr)
		if h.o.Events != nil {
			h.o.Events.Security(audit.SecurityEvent{EventType: EventForged, Severity: audit.High,
				Attempted: strconv.Itoa(n) + " requests to the interactions endpoint with a missing, invalid or stale signature from " + addr + " within a minute",
				Details:   map[string]any{"remoteAddr": addr, "lastReason": reason}})
		}
	}
	http.Error(w, MsgInvalidSignature, http.StatusUnauthorized)
}

// count adds a refusal from addr and returns the count in its window.
func (h *Handler) count(addr string) int {
	now := h.o.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.fails) > 10000 {
		// A spray from many addresses: forget the windows that have ended.
		for a, f := range h.fails {
			if now.Sub(f.start) >= RepeatWindow {
				delete(h.fails, a)
			}
		}
	}
	f := h.fails[addr]
	if f == nil || now.Sub(f.start) >= RepeatWindow {
		f = &failWindow{start: now}
		h.fails[addr] = f
	}
	f.n++
	return f.n
}

// remoteHost is the request's peer address without the port. Behind a load
// balancer it is the balancer's: the count is then per balancer.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// errTooLate: the bot's initial response came after the HTTP request had
// been answered (or given up).
var errTooLate = errors.New("interactions endpoint: the HTTP request is already answered")

type answer struct {
	resp    *discordgo.InteractionResponse
	written chan error
}

// dispatch runs the interaction through the bot and writes its initial
// response as the HTTP response, waiting at most AnswerTimeout.
func (h *Handler) dispatch(w http.ResponseWriter, r *http.Request, body []byte) {
	answers := make(chan answer)
	gone := make(chan struct{})
	defer close(gone)
	done, ok := h.o.Dispatcher.ServeInteraction(body, func(ctx context.Context, resp *discordgo.InteractionResponse) error {
		a := answer{resp: resp, written: make(chan error, 1)}
		select {
		case answers <- a:
			return <-a.written
		case <-gone:
			return errTooLate
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	if !ok {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	timer := time.NewTimer(h.o.AnswerTimeout)
	defer timer.Stop()
	select {
	case a := <-answers:
		a.written <- writeJSON(w, a.resp)
	case <-done:
		// Ignored (an interaction type the bot does not handle) or a
		// replay the bot refused to run twice.
		http.Error(w, "interaction not handled", http.StatusBadRequest)
	case <-timer.C:
		h.log.Error("No initial response within 3 s", "timeout", h.o.AnswerTimeout)
		http.Error(w, "no response in time", http.StatusServiceUnavailable)
	case <-r.Context().Done():
	}
}

func writeJSON(w http.ResponseWriter, resp *discordgo.InteractionResponse) error {
	b, err := json.Marshal(resp)
	if err != nil {
		http.Error(w, "could not encode the response", http.StatusInternalServerError)
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(b)
	return err
}
