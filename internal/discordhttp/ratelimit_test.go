package discordhttp_test

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/metrics"
)

// session is the bot's real Session on sim; the emulator fails the test on
// any violation, a request sent into an exhausted bucket or before a 429's
// retry_after ended included.
func session(t *testing.T, sim *discordsim.Server) *discordgo.Session {
	t.Helper()
	s, err := discordhttp.NewSession(sim.Token(), sim.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Client.CloseIdleConnections)
	return s
}

// statuses lists the statuses the emulator answered on route, in order.
func statuses(sim *discordsim.Server, route string) []int {
	var out []int
	for _, r := range sim.Requests() {
		if r.Route == route {
			out = append(out, r.Status)
		}
	}
	return out
}

// TestSessionWaitsForBuckets drives the real Session into exhausted buckets
// and past the global limit: it must wait as the headers say, never get a
// 429.
func TestSessionWaitsForBuckets(t *testing.T) {
	tests := []struct {
		name   string
		limits discordsim.RateLimits
		calls  int
		call   func(s *discordgo.Session, g *discordsim.Guild, i int) error
		route  string
	}{
		{
			name: "six messages into a channel whose bucket takes two a second",
			limits: discordsim.RateLimits{Routes: []discordsim.RouteLimit{{Bucket: "posts",
				Routes: []string{"POST /channels/{channel_id}/messages"}, Limit: 2, Per: time.Second}}},
			calls: 6,
			call: func(s *discordgo.Session, g *discordsim.Guild, i int) error {
				_, err := s.ChannelMessageSend(g.ChannelID, fmt.Sprint("message ", i))
				return err
			},
			route: "POST /channels/{channel_id}/messages",
		},
		{
			name: "member look-ups of different members share the guild's bucket",
			limits: discordsim.RateLimits{Routes: []discordsim.RouteLimit{{Bucket: "members",
				Routes: []string{"GET /guilds/{guild_id}/members/{user_id}"}, Limit: 3, Per: time.Second}}},
			calls: 7,
			call: func(s *discordgo.Session, g *discordsim.Guild, i int) error {
				names := []string{"alice", "bob"}
				_, err := s.GuildMember(g.ID, g.MemberByName(names[i%2]).ID())
				return err
			},
			route: "GET /guilds/{guild_id}/members/{user_id}",
		},
		{
			// 70 channels, 70 buckets: only the global 50 a second binds.
			name:   "seventy requests at once stay under the global limit",
			limits: discordsim.RateLimits{Other: discordsim.RouteLimit{Limit: 100, Per: time.Second}},
			calls:  70,
			call: func(s *discordgo.Session, _ *discordsim.Guild, i int) error {
				_, err := s.ChannelMessages(fmt.Sprint(1000+i), 1, "", "", "")
				return err
			},
			route: "GET /channels/{channel_id}/messages",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := discordsim.NewTest(t, discordsim.Options{RateLimits: &tt.limits})
			g := sim.SeedSandbox()
			s := session(t, sim)
			var wg sync.WaitGroup
			errs := make([]error, tt.calls)
			for i := range tt.calls {
				wg.Go(func() { errs[i] = tt.call(s, g, i) })
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			want := make([]int, tt.calls)
			for i := range want {
				want[i] = 200
			}
			if diff := cmp.Diff(want, statuses(sim, tt.route)); diff != "" {
				t.Errorf("statuses mismatch (-want +got):\n%s", diff)
			}
			if got := sim.RateLimited(); len(got) != 0 {
				t.Errorf("429s answered: %v", got)
			}
		})
	}
}

// TestSessionHonoursRetryAfter injects 429s: the Session resends after the
// retry_after Discord gave, holds every other request back during a global
// one, and gives up after DefaultRetryBudget rather than looping.
func TestSessionHonoursRetryAfter(t *testing.T) {
	const me = "GET /users/@me"
	t.Run("a 429 is resent after its retry_after", func(t *testing.T) {
		sim := discordsim.NewTest(t, discordsim.Options{})
		s := session(t, sim)
		sim.FailRoute("GET", "/users/@me", discordsim.Fault{Status: 429, RetryAfter: 0.2, Count: 2})
		if _, err := s.User("@me"); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int{429, 429, 200}, statuses(sim, me)); diff != "" {
			t.Errorf("statuses mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("429s past the budget are returned, not retried for ever", func(t *testing.T) {
		sim := discordsim.NewTest(t, discordsim.Options{})
		s := session(t, sim)
		sim.FailRoute("GET", "/users/@me", discordsim.Fault{Status: 429, RetryAfter: 0.05})
		_, err := s.User("@me")
		var rle *discordgo.RateLimitError
		if !errors.As(err, &rle) {
			t.Fatalf("err = %v, want a discordgo.RateLimitError", err)
		}
		if got, want := len(statuses(sim, me)), 1+discordhttp.DefaultRetryBudget.Retries; got != want {
			t.Errorf("%d requests, want %d (one and %d retries)", got, want, discordhttp.DefaultRetryBudget.Retries)
		}
	})
	t.Run("a retry_after beyond the budget's wait is not waited for", func(t *testing.T) {
		sim := discordsim.NewTest(t, discordsim.Options{})
		s := session(t, sim)
		sim.FailRoute("GET", "/users/@me", discordsim.Fault{Status: 429, RetryAfter: 60, Count: 1})
		if _, err := s.User("@me"); err == nil {
			t.Fatal("no error for a 60 s retry_after")
		}
		if diff := cmp.Diff([]int{429}, statuses(sim, me)); diff != "" {
			t.Errorf("statuses mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("a global 429 holds back every route", func(t *testing.T) {
		sim := discordsim.NewTest(t, discordsim.Options{})
		g := sim.SeedSandbox()
		s := session(t, sim)
		// Another route, sent well after the 429 was read but while its
		// retry_after runs: the emulator records a violation if it arrives
		// before the end.
		if err := globalHold(t, sim, g, s, s); err != nil {
			t.Fatal(err)
		}
	})
}

// TestInvalidRequestsAreCounted injects 429s (one of scope shared), a 403
// and a 401 and compares what the bot's metric counted with what the
// emulator answered.
func TestInvalidRequestsAreCounted(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	s := session(t, sim)
	m := metrics.New()
	tr := discordhttp.TransportOf(s)
	tr.OnInvalid(m.DiscordInvalidRequest)
	m.SetDiscordInvalidWindow(tr.InvalidRequests)

	sim.FailRoute("GET", "/users/@me", discordsim.Fault{Status: 429, RetryAfter: 0.01, Count: 2})
	sim.FailRoute("GET", "/channels/*", discordsim.Fault{Status: 429, RetryAfter: 0.01, Shared: true, Count: 1})
	sim.FailRoute("GET", "/guilds/*", discordsim.Fault{Status: 403, Count: 1})
	if _, err := s.User("@me"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Channel(g.ChannelID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Guild(g.ID); err == nil {
		t.Error("403 not returned")
	}
	wrong, err := discordhttp.NewSession("wrong-token", sim.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer wrong.Client.CloseIdleConnections()
	discordhttp.TransportOf(wrong).OnInvalid(m.DiscordInvalidRequest)
	if _, err := wrong.User("@me"); err == nil {
		t.Error("401 not returned")
	}
	sim.TakeViolations() // the wrong token's

	want := map[int]int{429: 2, 403: 1, 401: 1}
	if diff := cmp.Diff(want, sim.InvalidRequests()); diff != "" {
		t.Errorf("emulator's count mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, invalidCounted(t, m)); diff != "" {
		t.Errorf("embodied_discord_invalid_requests_total mismatch (-want +got):\n%s", diff)
	}
	// The window the alert reads: this Session's three (the 401 was another's).
	if got := tr.InvalidRequests(); got != 3 {
		t.Errorf("invalid requests in the window = %d, want 3", got)
	}
}

// invalidCounted reads embodied_discord_invalid_requests_total by status.
func invalidCounted(t *testing.T, m *metrics.Metrics) map[int]int {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]int{}
	for _, f := range fams {
		if f.GetName() != "embodied_discord_invalid_requests_total" {
			continue
		}
		for _, s := range f.GetMetric() {
			status, _ := strconv.Atoi(s.GetLabel()[0].GetValue())
			out[status] = int(s.GetCounter().GetValue())
		}
	}
	return out
}
