package discordsim

import (
	"fmt"
	"maps"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DiscordGlobalLimit is Discord's documented global limit: 50 requests per
// second per bot, interaction endpoints excepted.
const DiscordGlobalLimit = 50

// RateLimits turns on Discord's rate limits (Options.RateLimits). Discord
// documents the global limit, the header format, the 429 body and which
// routes are exempt from the global limit; it does not publish per-route
// numbers ("rate limits should not be hard coded"), so Routes holds values
// typical of what Discord answers, and a bot that reads the headers honours
// whatever they are.
type RateLimits struct {
	// Global is the per-bot (per Authorization, else per IP) limit per
	// second; 0 means DiscordGlobalLimit, a negative value none.
	Global int
	// Routes are the per-route buckets; nil means DefaultRouteLimits.
	Routes []RouteLimit
	// Other applies, one bucket per route, to every route Routes does not
	// name; a zero Limit means 5 per second.
	Other RouteLimit
	// Clock measures the windows; nil means the wall clock, never
	// Options.Clock: the bot's rate limiter waits on the wall clock, and a
	// bucket that only reset when a test advanced a ManualClock would answer
	// 429 to a bot that waited as told.
	Clock Clock
}

// RouteLimit is one per-route bucket: Limit requests per Per window,
// counted separately for each top-level resource in the path.
type RouteLimit struct {
	// Bucket is the X-RateLimit-Bucket value (without the top-level resources).
	Bucket string
	// Routes are the method and OpenAPI template of each route sharing the
	// bucket, e.g. "POST /channels/{channel_id}/messages".
	Routes []string
	Limit  int
	Per    time.Duration
}

// DefaultRouteLimits is the bucket table the emulator uses when
// RateLimits.Routes is nil. Methods on one path mostly share a bucket;
// message deletion has its own, higher limit, as Discord documents, and
// reading a ban has its own.
func DefaultRouteLimits() []RouteLimit {
	return []RouteLimit{
		{Bucket: "channel-messages-post", Routes: []string{"POST /channels/{channel_id}/messages"}, Limit: 5, Per: 5 * time.Second},
		{Bucket: "channel-messages-read", Routes: []string{"GET /channels/{channel_id}/messages", "GET /channels/{channel_id}/messages/{message_id}"}, Limit: 5, Per: time.Second},
		{Bucket: "channel-message-delete", Routes: []string{"DELETE /channels/{channel_id}/messages/{message_id}"}, Limit: 10, Per: time.Second},
		{Bucket: "dm-create", Routes: []string{"POST /users/@me/channels"}, Limit: 10, Per: 10 * time.Second},
		{Bucket: "guild-member", Routes: []string{"GET /guilds/{guild_id}/members/{user_id}", "PATCH /guilds/{guild_id}/members/{user_id}",
			"DELETE /guilds/{guild_id}/members/{user_id}"}, Limit: 10, Per: 10 * time.Second},
		{Bucket: "guild-member-role", Routes: []string{"PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}",
			"DELETE /guilds/{guild_id}/members/{user_id}/roles/{role_id}"}, Limit: 10, Per: 10 * time.Second},
		{Bucket: "guild-ban", Routes: []string{"PUT /guilds/{guild_id}/bans/{user_id}", "DELETE /guilds/{guild_id}/bans/{user_id}"}, Limit: 5, Per: time.Second},
		{Bucket: "guild-ban-read", Routes: []string{"GET /guilds/{guild_id}/bans/{user_id}"}, Limit: 5, Per: time.Second},
		// Interaction webhooks share the rate limits of webhooks (webhook id and token).
		{Bucket: "webhook", Routes: []string{"POST /webhooks/{webhook_id}/{webhook_token}",
			"GET /webhooks/{webhook_id}/{webhook_token}/messages/@original", "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original",
			"DELETE /webhooks/{webhook_id}/{webhook_token}/messages/@original", "GET /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
			"PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", "DELETE /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"},
			Limit: 5, Per: 2 * time.Second},
		{Bucket: "interaction-callback", Routes: []string{"POST /interactions/{interaction_id}/{interaction_token}/callback"}, Limit: 5, Per: time.Second},
	}
}

// majorParams are the top-level resources a bucket is counted per. Discord
// names channels, guilds and webhooks (id and token); the emulator counts an
// interaction callback per interaction, as its webhook is counted per token.
var majorParams = []string{"channel_id", "guild_id", "webhook_id", "webhook_token", "interaction_id"}

// window is one fixed rate-limit window: it opens with the first request
// after the previous one reset.
type window struct {
	limit     int
	per       time.Duration
	remaining int
	reset     time.Time
}

func (w *window) roll(now time.Time) {
	if !now.Before(w.reset) {
		w.remaining, w.reset = w.limit, now.Add(w.per)
	}
}

// rateLimiter is the emulator's rate-limit state. Without RateLimits it
// enforces nothing and sends no headers, but still notices requests sent
// while a 429 (from FailRoute) said to wait, and counts invalid requests.
type rateLimiter struct {
	on     bool
	global int
	clock  Clock
	rules  map[string]*RouteLimit // by route
	other  RouteLimit

	mu       sync.Mutex
	buckets  map[string]*window // by bucket key
	globals  map[string]*window // by bot
	penalty  map[string]wait    // by bucket key, or "global "+bot
	invalid  map[int]int        // by status
	answered map[string]int     // 429s answered, by scope
}

func newRateLimiter(rl *RateLimits) *rateLimiter {
	l := &rateLimiter{global: DiscordGlobalLimit, clock: realClock{}, rules: map[string]*RouteLimit{},
		other: RouteLimit{Limit: 5, Per: time.Second}, buckets: map[string]*window{}, globals: map[string]*window{},
		penalty: map[string]wait{}, invalid: map[int]int{}, answered: map[string]int{}}
	routes := DefaultRouteLimits()
	if rl != nil {
		l.on = true
		if rl.Global != 0 {
			l.global = rl.Global
		}
		if rl.Routes != nil {
			routes = rl.Routes
		}
		if rl.Other.Limit > 0 {
			l.other = rl.Other
		}
		if rl.Clock != nil {
			l.clock = rl.Clock
		}
	}
	for i := range routes {
		for _, r := range routes[i].Routes {
			l.rules[r] = &routes[i]
		}
	}
	return l
}

// limitFor returns the bucket rule of a route ("METHOD template").
func (l *rateLimiter) limitFor(route string) RouteLimit {
	if r, ok := l.rules[route]; ok {
		return *r
	}
	o := l.other
	o.Bucket = strings.NewReplacer(" ", "", "/", "-", "{", "", "}", "").Replace(strings.ToLower(route))
	return o
}

// bucketKey is the bucket and the top-level resources of one request.
func bucketKey(bucket string, params map[string]string) string {
	var b strings.Builder
	b.WriteString(bucket)
	for _, p := range majorParams {
		if v, ok := params[p]; ok {
			b.WriteString(":" + v)
		}
	}
	return b.String()
}

// exemptFromGlobal reports whether a route is an interaction endpoint, which
// Discord does not bind to the global limit: the callback and the
// application's webhook (follow-ups and the original response).
func (c *reqCtx) exemptFromGlobal() bool {
	if c.rt == nil {
		return false
	}
	return strings.HasPrefix(c.rt.template, "/interactions/") ||
		(strings.HasPrefix(c.rt.template, "/webhooks/") && c.params["webhook_id"] == c.s.opts.ApplicationID)
}

// botKey names who the global limit counts: the bot token, else the address.
func (c *reqCtx) botKey() string {
	if a := c.r.Header.Get("Authorization"); a != "" {
		return "auth " + a
	}
	host, _, _ := net.SplitHostPort(c.r.RemoteAddr)
	return "ip " + host
}

// inFlight is how long after a 429 a request on its bucket (or, after a
// global one, on any route) is presumed sent before the bot read the 429.
const inFlight = 100 * time.Millisecond

// wait is the retry_after window a 429 announced.
type wait struct{ from, until time.Time }

// during reports whether a request arriving at now ignored the 429: sent
// after the bot could have read it, before the window ended.
func (w wait) during(now time.Time) bool {
	return !now.Before(w.from.Add(inFlight)) && now.Before(w.until)
}

// limited is one 429 the emulator is about to answer.
type limited struct {
	scope      string // user, global or shared
	retryAfter time.Duration
	bucket     RouteLimit
	key        string
	reset      time.Time
}

// checkIgnored records a violation when the request arrives while an earlier
// 429 for its bucket, or a global one, still says to wait, and reports
// whether it did.
func (c *reqCtx) checkIgnored() bool {
	if c.rt == nil {
		return false
	}
	l := c.s.rl
	rule := l.limitFor(c.routeName())
	key := bucketKey(rule.Bucket, c.params)
	now := l.clock.Now()
	l.mu.Lock()
	bw, gw := l.penalty[key], l.penalty["global "+c.botKey()]
	l.mu.Unlock()
	until, gUntil := bw.until, gw.until
	bucketWait := bw.during(now)
	globalWait := gw.during(now) && !c.exemptFromGlobal()
	switch {
	case bucketWait:
		c.s.violate(Violation{Route: c.routeName(), Path: c.r.URL.Path, Rule: "rate-limit",
			Message: fmt.Sprintf("request on bucket %s %v before its 429's retry_after ended", key, until.Sub(now).Round(time.Millisecond))})
	case globalWait:
		c.s.violate(Violation{Route: c.routeName(), Path: c.r.URL.Path, Rule: "rate-limit",
			Message: fmt.Sprintf("request %v before a global 429's retry_after ended", gUntil.Sub(now).Round(time.Millisecond))})
	default:
		return false
	}
	return true
}

// admit applies the route bucket and the global limit to the request. It
// sets the X-RateLimit headers and returns nil, or returns the 429 to answer.
func (c *reqCtx) admit() *limited {
	l := c.s.rl
	if !l.on || c.rt == nil {
		return nil
	}
	rule := l.limitFor(c.routeName())
	key := bucketKey(rule.Bucket, c.params)
	now := l.clock.Now()
	l.mu.Lock()
	b := l.buckets[key]
	if b == nil {
		b = &window{limit: rule.Limit, per: rule.Per}
		l.buckets[key] = b
	}
	b.roll(now)
	var g *window
	if l.global > 0 && !c.exemptFromGlobal() {
		bot := c.botKey()
		if g = l.globals[bot]; g == nil {
			g = &window{limit: l.global, per: time.Second}
			l.globals[bot] = g
		}
		g.roll(now)
	}
	var lim *limited
	switch {
	case b.remaining == 0:
		lim = &limited{scope: "user", retryAfter: b.reset.Sub(now), bucket: rule, key: key, reset: b.reset}
	case g != nil && g.remaining == 0:
		lim = &limited{scope: "global", retryAfter: g.reset.Sub(now), bucket: rule, key: key, reset: g.reset}
	default:
		b.remaining--
		if g != nil {
			g.remaining--
		}
	}
	remaining, reset := b.remaining, b.reset
	l.mu.Unlock()
	if lim != nil {
		return lim
	}
	setBucketHeaders(c.w.Header(), rule, remaining, reset, now)
	return nil
}

func setBucketHeaders(h http.Header, rule RouteLimit, remaining int, reset, now time.Time) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(rule.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(reset.UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", seconds(reset.Sub(now)))
	h.Set("X-RateLimit-Bucket", rule.Bucket)
}

// seconds renders d as Discord does: seconds with millisecond decimals.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(math.Ceil(max(d.Seconds(), 0)*1000)/1000, 'f', 3, 64)
}

// tooManyRequests answers a 429 as Discord documents it: Retry-After in whole
// seconds (rounded up), retry_after in the body with decimals, the bucket
// headers (a global 429 carries X-RateLimit-Global instead) and
// X-RateLimit-Scope. The wait it announces is remembered, so that a request
// sent before it ends is recorded as ignoring the 429.
func (c *reqCtx) tooManyRequests(lim *limited) {
	l := c.s.rl
	now := l.clock.Now()
	h := c.w.Header()
	ra := max(lim.retryAfter, time.Millisecond)
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(ra.Seconds()))))
	h.Set("X-RateLimit-Scope", lim.scope)
	global := lim.scope == "global"
	if global {
		h.Set("X-RateLimit-Global", "true")
	} else {
		remaining := 0
		if lim.scope == "shared" {
			remaining = lim.bucket.Limit - 1
		}
		setBucketHeaders(h, lim.bucket, remaining, lim.reset, now)
	}
	l.mu.Lock()
	l.answered[lim.scope]++
	if global {
		l.penalty["global "+c.botKey()] = wait{from: now, until: now.Add(ra)}
	} else {
		l.penalty[lim.key] = wait{from: now, until: now.Add(ra)}
	}
	l.mu.Unlock()
	msg := "You are being rate limited."
	if lim.scope == "shared" {
		msg = "The resource is being rate limited."
	}
	c.shared = lim.scope == "shared"
	c.json(http.StatusTooManyRequests, map[string]any{"message": msg, "retry_after": math.Ceil(ra.Seconds()*1000) / 1000, "global": global, "code": 0})
}

// countInvalid counts a response Discord counts towards the invalid request
// limit (10,000 per 10 minutes per IP): 401, 403 and 429, except 429s with
// scope shared. Callers may hold s.mu; the limiter's lock comes after it.
func (l *rateLimiter) countInvalid(status int, shared bool) {
	switch status {
	case http.StatusTooManyRequests:
		if shared {
			return
		}
	case http.StatusUnauthorized, http.StatusForbidden:
	default:
		return
	}
	l.mu.Lock()
	l.invalid[status]++
	l.mu.Unlock()
}

// InvalidRequests returns, by status, the responses that count towards
// Discord's invalid request limit (401, 403, and 429 without scope shared),
// so that tests can compare them with what the bot counted.
func (s *Server) InvalidRequests() map[int]int {
	s.rl.mu.Lock()
	defer s.rl.mu.Unlock()
	return maps.Clone(s.rl.invalid)
}

// RateLimited returns the 429s answered so far by scope (user, global,
// shared), whether from the limits or from FailRoute.
func (s *Server) RateLimited() map[string]int {
	s.rl.mu.Lock()
	defer s.rl.mu.Unlock()
	return maps.Clone(s.rl.answered)
}
