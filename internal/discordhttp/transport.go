package discordhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Discord's documented limits, and what the bot allows itself under them.
const (
	// GlobalRate is the requests per second the bot sends outside the
	// interaction endpoints: a fifth under Discord's 50, so that the jitter
	// between sending and arrival (up to 175 ms on a loaded host) never
	// makes 51 arrive within one second.
	GlobalRate = 40
	// GlobalBurst is how many requests may leave at once under GlobalRate:
	// concurrent commands (two warns' DMs) are not spaced 22 ms apart, and
	// a second holds at most GlobalBurst + GlobalRate = 43 as sent, leaving
	// seven for the jitter between sending and Discord's arrival.
	GlobalBurst = 3
	// InvalidWindow is the window of Discord's invalid request limit:
	// 10,000 responses 401, 403 or 429 (but for scope shared) per IP in
	// 10 minutes, then a temporary ban.
	InvalidWindow = 10 * time.Minute
	// InvalidLimit is the number of invalid requests in InvalidWindow that
	// gets the IP banned.
	InvalidLimit = 10_000
)

// RetryBudget bounds what one REST call spends on 429s: at most Retries
// resends, each after the retry_after Discord asked for, and never when
// the waits would add up to more than MaxWait. Past the budget the 429 goes
// back to discordgo, which returns a discordgo.RateLimitError (the Session
// has ShouldRetryOnRateLimit off: its own retry has no bound).
type RetryBudget struct {
	Retries int
	MaxWait time.Duration
}

// DefaultRetryBudget is 3 retries within 5 s of waiting.
var DefaultRetryBudget = RetryBudget{Retries: 3, MaxWait: 5 * time.Second}

// Transport is the Session's RoundTripper under discordgo's per-route
// buckets. It keeps the bot under the global limit (GlobalRate, outside
// the interaction endpoints that Discord exempts), holds every request
// back after a global 429 until its retry_after ends (discordgo only does
// so when the 429 carries X-RateLimit-Reset-After, which Discord's global
// 429 does not), retries 429s within the RetryBudget, and counts the
// responses Discord counts towards its invalid request limit.
type Transport struct {
	base   http.RoundTripper
	budget RetryBudget
	global *rate.Limiter
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error

	globalUntil atomic.Int64 // unix nanoseconds; end of the last global 429's retry_after
	onInvalid   atomic.Pointer[func(status int)]
	invalid     slidingCount
}

// NewTransport returns a Transport over base (http.DefaultTransport when nil).
func NewTransport(base http.RoundTripper, budget RetryBudget) *Transport {
	if base == nil {
		base = http.DefaultTransport
	}
	return &Transport{base: base, budget: budget, global: rate.NewLimiter(GlobalRate, GlobalBurst), now: time.Now, sleep: sleepCtx}
}

// Rewrites reports whether the Transport sends discord.com's requests
// elsewhere (DISCORD_API_URL).
func (t *Transport) Rewrites() bool {
	_, ok := t.base.(*rewriteTransport)
	return ok
}

// OnInvalid sets the function told of each invalid request (by status);
// the wiring points it at the metrics.
func (t *Transport) OnInvalid(f func(status int)) { t.onInvalid.Store(&f) }

// InvalidRequests returns the invalid requests of the last InvalidWindow,
// the figure Discord bans at InvalidLimit.
func (t *Transport) InvalidRequests() int { return t.invalid.sum(t.now()) }

// interactionPath matches the interaction endpoints, which Discord does not
// bind to the global limit: the callback and the interaction webhooks.
var interactionPath = regexp.MustCompile(`^(/api/v\d+)?/(interactions/[^/]+/[^/]+/callback|webhooks/)`)

// RoundTrip sends req within the limits and the retry budget.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	exempt := interactionPath.MatchString(req.URL.Path)
	var waited time.Duration
	for attempt := 0; ; attempt++ {
		if !exempt {
			if err := t.waitGlobal(ctx); err != nil {
				return nil, err
			}
		}
		r := req
		if attempt > 0 {
			var err error
			if r, err = rewind(req); err != nil {
				return nil, err
			}
		}
		resp, err := t.base.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		t.observe(resp)
		if resp.StatusCode != http.StatusTooManyRequests {
			return resp, nil
		}
		wait, global, err := retryAfter(resp)
		if err != nil {
			return nil, fmt.Errorf("discord 429 on %s %s: %w", req.Method, req.URL.Path, err)
		}
		if global {
			t.blockGlobal(wait)
		}
		if attempt >= t.budget.Retries || waited+wait > t.budget.MaxWait || req.Body != nil && req.GetBody == nil {
			return resp, nil
		}
		if err := t.sleep(ctx, wait); err != nil {
			return nil, err
		}
		waited += wait
	}
}

// waitGlobal waits for a global 429's retry_after and for the bot's own
// share of the global limit.
func (t *Transport) waitGlobal(ctx context.Context) error {
	if d := time.Duration(t.globalUntil.Load() - t.now().UnixNano()); d > 0 {
		if err := t.sleep(ctx, d); err != nil {
			return err
		}
	}
	return t.global.Wait(ctx)
}

// Queued reports whether n requests bound to the global limit would wait
// if sent now: the bot's share of the limit is spent, or a global 429 holds
// them back. A command that must answer within Discord's 3 s acknowledges
// first when they would.
func (t *Transport) Queued(n int) bool {
	now := t.now()
	return t.HeldUntil().After(now) || t.global.TokensAt(now) < float64(n)
}

// HeldUntil is when requests bound to the global limit may go again after
// a global 429; a past time when none holds them.
func (t *Transport) HeldUntil() time.Time { return time.Unix(0, t.globalUntil.Load()) }

func (t *Transport) blockGlobal(d time.Duration) {
	until := t.now().Add(d).UnixNano()
	for {
		cur := t.globalUntil.Load()
		if cur >= until || t.globalUntil.CompareAndSwap(cur, until) {
			return
		}
	}
}

// observe counts a response towards the invalid request limit: 401, 403
// and 429, except 429s of scope shared, which Discord does not count.
func (t *Transport) observe(resp *http.Response) {
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		if resp.Header.Get("X-RateLimit-Scope") == "shared" {
			return
		}
	case http.StatusUnauthorized, http.StatusForbidden:
	default:
		return
	}
	t.invalid.add(t.now())
	if f := t.onInvalid.Load(); f != nil {
		(*f)(resp.StatusCode)
	}
}

// retryAfter reads a 429: the body's retry_after (seconds, with decimals),
// else the Retry-After header (whole seconds), and whether it is global. The
// body is put back for discordgo.
func retryAfter(resp *http.Response) (time.Duration, bool, error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return 0, false, fmt.Errorf("read body: %w", err)
	}
	var rl struct {
		RetryAfter *float64 `json:"retry_after"`
		Global     bool     `json:"global"`
	}
	_ = json.Unmarshal(body, &rl)
	global := rl.Global || resp.Header.Get("X-RateLimit-Global") != "" || resp.Header.Get("X-RateLimit-Scope") == "global"
	if rl.RetryAfter != nil {
		return millis(*rl.RetryAfter), global, nil
	}
	secs, err := strconv.ParseFloat(resp.Header.Get("Retry-After"), 64)
	if err != nil {
		return 0, global, fmt.Errorf("no retry_after in body or header: %w", err)
	}
	return millis(secs), global, nil
}

// millis turns seconds into a duration rounded up to the millisecond, so
// that a float's last bit never makes the bot resend early.
func millis(secs float64) time.Duration {
	return time.Duration(math.Ceil(secs*1000-1e-6)) * time.Millisecond
}

// rewind returns a copy of req with a fresh body for a resend.
func rewind(req *http.Request) (*http.Request, error) {
	r := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("rewind body of %s %s: %w", req.Method, req.URL.Path, err)
		}
		r.Body = body
	}
	return r, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// slidingCount counts events over InvalidWindow in 10-second slots.
type slidingCount struct {
	mu    sync.Mutex
	start [60]int64 // unix seconds at which each slot began
	n     [60]int
}

const slotSeconds = int64(InvalidWindow/time.Second) / 60

func (c *slidingCount) add(now time.Time) {
	s := now.Unix() / slotSeconds * slotSeconds
	i := (s / slotSeconds) % int64(len(c.n))
	c.mu.Lock()
	if c.start[i] != s {
		c.start[i], c.n[i] = s, 0
	}
	c.n[i]++
	c.mu.Unlock()
}

func (c *slidingCount) sum(now time.Time) int {
	oldest := now.Unix() - int64(InvalidWindow/time.Second)
	total := 0
	c.mu.Lock()
	for i, s := range c.start {
		if s > oldest {
			total += c.n[i]
		}
	}
	c.mu.Unlock()
	return total
}
