package discordsim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordsim"
)

// call is one raw REST request and what the test expects of its answer.
type call struct {
	method, path string
	token        string        // "" = the bot's token, "-" = none
	advance      time.Duration // moved on the rate-limit clock before the request
	status       int
	headers      map[string]string // "" = header absent
	body         map[string]any    // asserted for 429s
}

type answer struct {
	status  int
	headers http.Header
	body    map[string]any
}

func send(t *testing.T, sim *discordsim.Server, c call) answer {
	t.Helper()
	var body io.Reader
	switch {
	case strings.HasPrefix(c.path, "/interactions/"):
		body = strings.NewReader(`{"type":1}`)
	case c.method == "POST" || c.method == "PATCH":
		body = strings.NewReader(`{"content":"hi"}`)
	}
	req, err := http.NewRequest(c.method, sim.URL()+"/api/v10"+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	switch c.token {
	case "":
		req.Header.Set("Authorization", "Bot "+sim.Token())
	case "-":
	default:
		req.Header.Set("Authorization", "Bot "+c.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, headers: resp.Header}
	if resp.StatusCode == http.StatusTooManyRequests {
		if err := json.NewDecoder(resp.Body).Decode(&a.body); err != nil {
			t.Fatalf("429 body: %v", err)
		}
	}
	return a
}

// TestRateLimitBuckets drives the emulator's documented limits with raw
// requests on a manual rate-limit clock: the bucket headers, the 429 body and
// headers, top-level resources, the global limit and its exemptions, and
// the record of a bot that exceeds a bucket or ignores a 429.
func TestRateLimitBuckets(t *testing.T) {
	epoch := time.Unix(1_760_000_000, 0)
	reads := discordsim.RouteLimit{Bucket: "reads", Routes: []string{"GET /channels/{channel_id}/messages"}, Limit: 2, Per: 5 * time.Second}
	tests := []struct {
		name       string
		limits     discordsim.RateLimits
		calls      []call
		violations []string // Rule of each violation recorded, in order
		invalid    map[int]int
	}{
		{
			name:   "bucket headers count down, then a 429, then the reset",
			limits: discordsim.RateLimits{Routes: []discordsim.RouteLimit{reads}},
			calls: []call{
				{method: "GET", path: "/channels/1/messages", status: 200, headers: map[string]string{
					"X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "1", "X-RateLimit-Reset-After": "5.000",
					"X-RateLimit-Reset": "1760000005.000", "X-RateLimit-Bucket": "reads", "X-RateLimit-Scope": ""}},
				{method: "GET", path: "/channels/1/messages", advance: time.Second, status: 200, headers: map[string]string{
					"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "4.000"}},
				{method: "GET", path: "/channels/1/messages", advance: 1500 * time.Millisecond, status: 429, headers: map[string]string{
					"Retry-After": "3", "X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "2.500",
					"X-RateLimit-Bucket": "reads", "X-RateLimit-Scope": "user", "X-RateLimit-Global": ""},
					body: map[string]any{"message": "You are being rate limited.", "retry_after": 2.5, "global": false, "code": 0.0}},
				{method: "GET", path: "/channels/1/messages", advance: 2500 * time.Millisecond, status: 200, headers: map[string]string{
					"X-RateLimit-Remaining": "1", "X-RateLimit-Reset-After": "5.000"}},
			},
			violations: []string{"rate-limit"},
			invalid:    map[int]int{429: 1},
		},
		{
			name:   "a request before retry_after ends is recorded as ignoring the 429",
			limits: discordsim.RateLimits{Routes: []discordsim.RouteLimit{reads}},
			calls: []call{
				{method: "GET", path: "/channels/1/messages", status: 200},
				{method: "GET", path: "/channels/1/messages", status: 200},
				{method: "GET", path: "/channels/1/messages", status: 429},
				{method: "GET", path: "/channels/1/messages", advance: time.Second, status: 429, headers: map[string]string{"X-RateLimit-Reset-After": "4.000"}},
			},
			violations: []string{"rate-limit", "rate-limit"},
			invalid:    map[int]int{429: 2},
		},
		{
			name:   "each channel has its own bucket",
			limits: discordsim.RateLimits{Routes: []discordsim.RouteLimit{reads}},
			calls: []call{
				{method: "GET", path: "/channels/1/messages", status: 200},
				{method: "GET", path: "/channels/1/messages", status: 200},
				{method: "GET", path: "/channels/2/messages", status: 200, headers: map[string]string{"X-RateLimit-Remaining": "1", "X-RateLimit-Bucket": "reads"}},
			},
		},
		{
			name:   "the global limit answers a global 429 without bucket headers",
			limits: discordsim.RateLimits{Global: 3, Other: discordsim.RouteLimit{Limit: 100, Per: time.Second}},
			calls: []call{
				{method: "GET", path: "/users/@me", status: 200},
				{method: "GET", path: "/channels/1/messages", status: 200},
				{method: "GET", path: "/channels/2/messages", advance: 400 * time.Millisecond, status: 200},
				{method: "GET", path: "/channels/3/messages", advance: 200 * time.Millisecond, status: 429, headers: map[string]string{
					"Retry-After": "1", "X-RateLimit-Global": "true", "X-RateLimit-Scope": "global", "X-RateLimit-Bucket": "", "X-RateLimit-Limit": ""},
					body: map[string]any{"message": "You are being rate limited.", "retry_after": 0.4, "global": true, "code": 0.0}},
				// Interaction endpoints are not bound to the global limit.
				{method: "POST", path: "/interactions/1/tok/callback", status: 404},
				{method: "GET", path: "/channels/3/messages", advance: 400 * time.Millisecond, status: 200},
			},
			violations: []string{"rate-limit", "unknown-interaction"},
			invalid:    map[int]int{429: 1},
		},
		{
			name:   "routes without a rule get a bucket of their own",
			limits: discordsim.RateLimits{},
			calls: []call{
				{method: "GET", path: "/users/@me", status: 200, headers: map[string]string{
					"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "4", "X-RateLimit-Bucket": "get-users-@me"}},
				{method: "POST", path: "/channels/1/messages", status: 404, headers: map[string]string{
					"X-RateLimit-Limit": "5", "X-RateLimit-Reset-After": "5.000", "X-RateLimit-Bucket": "channel-messages-post"}},
			},
		},
		{
			name:   "401 and 403 count as invalid requests",
			limits: discordsim.RateLimits{},
			calls: []call{
				{method: "GET", path: "/users/@me", token: "wrong", status: 401},
				{method: "GET", path: "/applications/1/commands", status: 403},
			},
			violations: []string{"unauthorized", "unknown-application"},
			invalid:    map[int]int{401: 1, 403: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := discordsim.NewManualClock(epoch)
			tt.limits.Clock = clk
			sim := discordsim.NewTest(t, discordsim.Options{RateLimits: &tt.limits})
			for i, c := range tt.calls {
				clk.Advance(c.advance)
				a := send(t, sim, c)
				if a.status != c.status {
					t.Errorf("call %d %s %s: status %d, want %d", i, c.method, c.path, a.status, c.status)
				}
				for k, want := range c.headers {
					if got := a.headers.Get(k); got != want {
						t.Errorf("call %d: %s = %q, want %q", i, k, got, want)
					}
				}
				if c.body != nil {
					if diff := cmp.Diff(c.body, a.body); diff != "" {
						t.Errorf("call %d: 429 body mismatch (-want +got):\n%s", i, diff)
					}
				}
			}
			var rules []string
			for _, v := range sim.TakeViolations() {
				rules = append(rules, v.Rule)
			}
			if diff := cmp.Diff(tt.violations, rules); diff != "" {
				t.Errorf("violations mismatch (-want +got):\n%s", diff)
			}
			want := tt.invalid
			if want == nil {
				want = map[int]int{}
			}
			if diff := cmp.Diff(want, sim.InvalidRequests()); diff != "" {
				t.Errorf("invalid requests mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestInjected429s checks the 429s FailRoute injects: every scope is shaped
// as Discord documents it, and a shared-scope 429 is not an invalid request.
func TestInjected429s(t *testing.T) {
	tests := []struct {
		name    string
		fault   discordsim.Fault
		scope   string
		message string
		invalid map[int]int
	}{
		{"user", discordsim.Fault{Status: 429, RetryAfter: 1.5, Count: 1}, "user", "You are being rate limited.", map[int]int{429: 1}},
		{"global", discordsim.Fault{Status: 429, RetryAfter: 1.5, Global: true, Count: 1}, "global", "You are being rate limited.", map[int]int{429: 1}},
		{"shared", discordsim.Fault{Status: 429, RetryAfter: 1.5, Shared: true, Count: 1}, "shared", "The resource is being rate limited.", map[int]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := discordsim.NewTest(t, discordsim.Options{})
			sim.FailRoute("GET", "/users/@me", tt.fault)
			a := send(t, sim, call{method: "GET", path: "/users/@me"})
			got := []any{a.status, a.headers.Get("Retry-After"), a.headers.Get("X-RateLimit-Scope"), a.body["message"], a.body["retry_after"], a.body["global"]}
			want := []any{429, "2", tt.scope, tt.message, 1.5, tt.scope == "global"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("429 mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.invalid, sim.InvalidRequests()); diff != "" {
				t.Errorf("invalid requests mismatch (-want +got):\n%s", diff)
			}
			// Sent at once, without waiting the 1.5 s: the 429 was ignored.
			if a := send(t, sim, call{method: "GET", path: "/users/@me"}); a.status != 200 {
				t.Errorf("after the fault: status %d", a.status)
			}
			if v := sim.TakeViolations(); len(v) != 1 || v[0].Rule != "rate-limit" {
				t.Errorf("violations = %v, want one rate-limit for the ignored 429", v)
			}
		})
	}
}
