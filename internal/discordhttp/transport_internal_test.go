package discordhttp

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestInteractionEndpointsAreExempt(t *testing.T) {
	tests := []struct {
		path   string
		exempt bool
	}{
		{"/api/v9/interactions/1/tok/callback", true},
		{"/api/v9/webhooks/1/tok", true},
		{"/api/v9/webhooks/1/tok/messages/@original", true},
		{"/api/v10/webhooks/1/tok/messages/2", true},
		{"/api/v9/channels/1/messages", false},
		{"/api/v9/users/@me/channels", false},
		{"/api/v9/guilds/1/members/2", false},
		{"/api/v9/channels/1/webhooks", false},
	}
	for _, tt := range tests {
		if got := interactionPath.MatchString(tt.path); got != tt.exempt {
			t.Errorf("%s: exempt %v, want %v", tt.path, got, tt.exempt)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]string
		body    string
		wait    time.Duration
		global  bool
	}{
		{"body wins over the rounded header", map[string]string{"Retry-After": "65"}, `{"retry_after": 64.57, "global": false}`, 64570 * time.Millisecond, false},
		{"global from the body", nil, `{"retry_after": 0.25, "global": true}`, 250 * time.Millisecond, true},
		{"global from the header", map[string]string{"X-RateLimit-Global": "true"}, `{"retry_after": 1}`, time.Second, true},
		{"global from the scope", map[string]string{"X-RateLimit-Scope": "global"}, `{"retry_after": 1}`, time.Second, true},
		{"header only", map[string]string{"Retry-After": "2"}, `not json`, 2 * time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: 429, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(tt.body))}
			for k, v := range tt.headers {
				resp.Header.Set(k, v)
			}
			wait, global, err := retryAfter(resp)
			if err != nil {
				t.Fatal(err)
			}
			if wait != tt.wait || global != tt.global {
				t.Errorf("retryAfter = %v, %v; want %v, %v", wait, global, tt.wait, tt.global)
			}
			// discordgo reads the body after the transport did.
			if rest, _ := io.ReadAll(resp.Body); string(rest) != tt.body {
				t.Errorf("body left for discordgo = %q", rest)
			}
		})
	}
}

// TestInvalidWindow counts invalid requests over Discord's 10 minutes.
func TestInvalidWindow(t *testing.T) {
	start := time.Unix(1_760_000_000, 0)
	var c slidingCount
	add := func(at time.Duration, n int) {
		for range n {
			c.add(start.Add(at))
		}
	}
	steps := []struct {
		at  time.Duration
		add int
	}{
		{0, 3},
		{4 * time.Minute, 2},
		{9*time.Minute + 50*time.Second, 1},
		{10*time.Minute + 10*time.Second, 0}, // the first three are out
		{14*time.Minute + 10*time.Second, 0},
		{30 * time.Minute, 0},
	}
	var got []int
	for _, s := range steps {
		add(s.at, s.add)
		got = append(got, c.sum(start.Add(s.at)))
	}
	if diff := cmp.Diff([]int{3, 5, 6, 3, 1, 0}, got); diff != "" {
		t.Errorf("counts mismatch (-want +got):\n%s", diff)
	}
}

// TestGlobalShare: concurrent requests leave together up to GlobalBurst,
// and no second lets more than GlobalBurst + GlobalRate through (Discord
// allows 50; the rest is margin for the network's jitter).
func TestGlobalShare(t *testing.T) {
	tr := NewTransport(nil, RetryBudget{})
	start := time.Unix(1_700_000_000, 0)
	if !tr.global.AllowN(start, GlobalBurst) {
		t.Fatalf("%d concurrent requests must not wait", GlobalBurst)
	}
	if tr.global.AllowN(start, 1) {
		t.Fatalf("request %d at the same instant must wait", GlobalBurst+1)
	}
	// Saturate from start: count what the limiter lets through in [start, start+1s).
	tr = NewTransport(nil, RetryBudget{})
	sent := 0
	for at := start; at.Before(start.Add(time.Second)); at = at.Add(time.Millisecond) {
		for tr.global.AllowN(at, 1) {
			sent++
		}
	}
	if sent > GlobalBurst+GlobalRate || GlobalBurst+GlobalRate > 43 {
		t.Errorf("%d requests in one second (burst %d, rate %d): Discord allows 50, less a margin of 7", sent, GlobalBurst, GlobalRate)
	}
	if sent < GlobalRate {
		t.Errorf("%d requests in one second, want at least %d", sent, GlobalRate)
	}
}
