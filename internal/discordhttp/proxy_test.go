package discordhttp_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/discordsim"
)

// limitProxy stands in for a shared REST rate-limit proxy such as
// twilight-http-proxy or nirn-proxy (neither is installable here): every
// process sends its requests to it through DISCORD_API_URL, it forwards
// them to Discord unchanged (same path, the caller's Authorization) and
// keeps the rate limits for all of them. When it owns the buckets, a
// request that would run into an exhausted bucket or a global 429 is not
// forwarded: the proxy answers a 429 itself, of scope shared (the bucket
// is another process's doing) or global. Real proxies queue instead; a
// 429 is what the bot's transport must handle either way. Buckets are
// keyed by method and path, enough for these tests (Discord's by
// X-RateLimit-Bucket and the top-level resource).
type limitProxy struct {
	owns bool // keep the limits (false: a plain reverse proxy)

	mu        sync.Mutex
	buckets   map[string]*sync.Mutex // serializes each bucket's requests
	state     map[string]bucketState
	heldUntil time.Time // end of Discord's last global 429
	log       []proxied
}

type bucketState struct {
	remaining int
	reset     time.Time
}

// proxied is one request the proxy received.
type proxied struct {
	Method, Path, Authorization string
	Answered                    string // scope of the 429 the proxy answered itself; "" when forwarded
}

// startProxy starts a limitProxy in front of sim and returns its URL.
func startProxy(t *testing.T, sim *discordsim.Server, owns bool) (*limitProxy, string) {
	t.Helper()
	target, err := url.Parse(sim.URL())
	if err != nil {
		t.Fatal(err)
	}
	upstream := &http.Transport{}
	p := &limitProxy{owns: owns, buckets: map[string]*sync.Mutex{}, state: map[string]bucketState{}}
	rp := &httputil.ReverseProxy{
		Rewrite:        func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		Transport:      upstream,
		ModifyResponse: p.learn,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.serve(w, r, rp)
	}))
	t.Cleanup(func() {
		srv.Close()
		upstream.CloseIdleConnections()
	})
	return p, srv.URL
}

func (p *limitProxy) serve(w http.ResponseWriter, r *http.Request, rp *httputil.ReverseProxy) {
	key := r.Method + " " + r.URL.Path
	p.mu.Lock()
	entry := proxied{Method: r.Method, Path: r.URL.Path, Authorization: r.Header.Get("Authorization")}
	bucket := p.buckets[key]
	if bucket == nil {
		bucket = new(sync.Mutex)
		p.buckets[key] = bucket
	}
	p.mu.Unlock()
	if p.owns {
		bucket.Lock()
		defer bucket.Unlock()
		if scope, wait := p.refuse(key); wait > 0 {
			entry.Answered = scope
			p.record(entry)
			tooManyRequests(w, scope, wait)
			return
		}
	}
	p.record(entry)
	rp.ServeHTTP(w, r)
}

// refuse says whether the request must wait: a global 429 still holds, or
// its bucket is spent until its reset.
func (p *limitProxy) refuse(key string) (string, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if d := p.heldUntil.Sub(now); d > 0 {
		return "global", d
	}
	if b, ok := p.state[key]; ok && b.remaining == 0 {
		if d := b.reset.Sub(now); d > 0 {
			return "shared", d
		}
	}
	return "", 0
}

func (p *limitProxy) record(e proxied) {
	p.mu.Lock()
	p.log = append(p.log, e)
	p.mu.Unlock()
}

// learn reads Discord's rate limit headers off each response.
func (p *limitProxy) learn(resp *http.Response) error {
	key := resp.Request.Method + " " + resp.Request.URL.Path
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("X-RateLimit-Scope") == "global" {
		secs, _ := strconv.ParseFloat(resp.Header.Get("Retry-After"), 64)
		p.heldUntil = now.Add(time.Duration(secs * float64(time.Second)))
		return nil
	}
	remaining, err1 := strconv.Atoi(resp.Header.Get("X-RateLimit-Remaining"))
	after, err2 := strconv.ParseFloat(resp.Header.Get("X-RateLimit-Reset-After"), 64)
	if err1 == nil && err2 == nil {
		p.state[key] = bucketState{remaining: remaining, reset: now.Add(time.Duration(after * float64(time.Second)))}
	}
	return nil
}

// tooManyRequests answers as Discord does, with the scope the proxy chose.
func tooManyRequests(w http.ResponseWriter, scope string, wait time.Duration) {
	secs := float64(wait.Milliseconds()+1) / 1000
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After", strconv.Itoa(int(secs+0.999)))
	w.Header().Set("X-RateLimit-Scope", scope)
	if scope == "global" {
		w.Header().Set("X-RateLimit-Global", "true")
	}
	w.WriteHeader(http.StatusTooManyRequests)
	json.NewEncoder(w).Encode(map[string]any{ //nolint:errcheck // the client went away
		"message": "You are being rate limited.", "retry_after": secs, "global": scope == "global", "code": 0})
}

// answered counts the 429s the proxy answered itself, by scope.
func (p *limitProxy) answered() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int{}
	for _, e := range p.log {
		if e.Answered != "" {
			out[e.Answered]++
		}
	}
	return out
}

// process is one bot process: its own Session, REST through the proxy.
func process(t *testing.T, sim *discordsim.Server, proxyURL string) *discordgo.Session {
	t.Helper()
	s, err := discordhttp.NewSession(sim.Token(), proxyURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Client.CloseIdleConnections)
	return s
}

// TestProcessesBehindSharedProxy runs two processes' Sessions through one
// REST proxy to the emulator with its rate limits on: what Discord
// receives is what the processes sent, with their token, and the 429s the
// proxy answers (scope shared or global) are waited for, so that Discord
// never sees a request into an exhausted bucket or a global 429's wait.
// Without a proxy that owns the limits the same load breaks them.
func TestProcessesBehindSharedProxy(t *testing.T) {
	const post = "POST /channels/{channel_id}/messages"
	limits := discordsim.RateLimits{Routes: []discordsim.RouteLimit{{Bucket: "posts", Routes: []string{post}, Limit: 2, Per: time.Second}}}
	tests := []struct {
		name string
		// run drives the two processes a and b.
		run          func(t *testing.T, sim *discordsim.Server, g *discordsim.Guild, a, b *discordgo.Session) error
		owns         bool
		wantAnswered map[string]int // 429s the proxy answered itself, by scope: at least
		// so many (how many depends on which process's request comes first)
		wantViolation bool
	}{
		{
			name: "two processes post into one channel's bucket",
			run: func(t *testing.T, _ *discordsim.Server, g *discordsim.Guild, a, b *discordgo.Session) error {
				return postEach(g, a, b)
			},
			owns:         true,
			wantAnswered: map[string]int{"shared": 1},
		},
		{
			name: "without a proxy owning the bucket the processes exhaust it",
			run: func(t *testing.T, _ *discordsim.Server, g *discordsim.Guild, a, b *discordgo.Session) error {
				return postEach(g, a, b)
			},
			wantAnswered:  map[string]int{},
			wantViolation: true,
		},
		{
			name: "a global 429 one process got holds the other back",
			run:  globalHold,
			owns: true,
			// b's request during a's 429, refused by the proxy.
			wantAnswered: map[string]int{"global": 1},
		},
		{
			name:          "without the proxy the other process ignores a global 429 it never saw",
			run:           globalHold,
			wantAnswered:  map[string]int{},
			wantViolation: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := discordsim.NewTest(t, discordsim.Options{RateLimits: &limits})
			g := sim.SeedSandbox()
			proxy, proxyURL := startProxy(t, sim, tt.owns)
			a, b := process(t, sim, proxyURL), process(t, sim, proxyURL)
			if err := tt.run(t, sim, g, a, b); err != nil {
				t.Fatal(err)
			}
			violations := sim.TakeViolations()
			if got := len(violations) > 0; got != tt.wantViolation {
				t.Errorf("violations %v, want some: %v", violations, tt.wantViolation)
			}
			answered := proxy.answered()
			for scope, n := range answered {
				if n < tt.wantAnswered[scope] || tt.wantAnswered[scope] == 0 {
					t.Errorf("the proxy answered %v 429s itself, want at least %v and no others", answered, tt.wantAnswered)
				}
			}
			if len(answered) != len(tt.wantAnswered) {
				t.Errorf("the proxy answered %v 429s itself, want at least %v", answered, tt.wantAnswered)
			}
			// Discord received what the processes sent, path and token intact.
			var sent, received []proxied
			for _, e := range proxy.log {
				if e.Answered == "" {
					sent = append(sent, proxied{Method: e.Method, Path: e.Path, Authorization: e.Authorization})
				}
			}
			for _, r := range sim.Requests() {
				received = append(received, proxied{Method: r.Method, Path: "/api/v" + discordgo.APIVersion + r.Path,
					Authorization: r.Header.Get("Authorization")})
			}
			if diff := cmp.Diff(sent, received); diff != "" {
				t.Errorf("requests forwarded vs received mismatch (-proxy +discord):\n%s", diff)
			}
			for _, e := range proxy.log {
				if e.Authorization != "Bot "+sim.Token() {
					t.Errorf("%s %s reached the proxy without the bot token", e.Method, e.Path)
				}
			}
			// A 429 of scope shared is not an invalid request; a global one is.
			want := answered["global"] + sim.RateLimited()["global"]
			if n := discordhttp.TransportOf(a).InvalidRequests() + discordhttp.TransportOf(b).InvalidRequests(); tt.owns && n != want {
				t.Errorf("%d invalid requests counted, want %d (the global 429s only)", n, want)
			}
		})
	}
}

// postEach has each process post two messages into the sandbox channel at
// once: four requests into a bucket of two a second.
func postEach(g *discordsim.Guild, a, b *discordgo.Session) error {
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i, s := range []*discordgo.Session{a, a, b, b} {
		wg.Go(func() {
			_, errs[i] = s.ChannelMessageSend(g.ChannelID, fmt.Sprint("message ", i))
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// globalHold: Discord answers a's request with a global 429; while its
// retry_after runs (after a has read it), b sends a request on another
// route.
func globalHold(t *testing.T, sim *discordsim.Server, g *discordsim.Guild, a, b *discordgo.Session) error {
	sim.FailRoute("GET", "/users/@me", discordsim.Fault{Status: 429, RetryAfter: 0.6, Global: true, Count: 1})
	done := make(chan error, 1)
	go func() {
		_, err := a.User("@me")
		done <- err
	}()
	for !discordhttp.TransportOf(a).HeldUntil().After(time.Now()) {
		time.Sleep(time.Millisecond)
	}
	// Past the emulator's allowance for requests already in flight.
	time.Sleep(200 * time.Millisecond)
	_, errB := b.Channel(g.ChannelID)
	return errors.Join(errB, <-done)
}
