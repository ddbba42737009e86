package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
)

// The REST budget (README, "REST budget"): Discord allows a bot 50 requests
// a second and bans an IP for 10,000 invalid ones in 10 minutes, so what a
// command costs in REST calls bounds a busy moderation bot. Each case below
// is one command as a member runs it, with the calls Discord cannot do
// without for it; TestRESTBudget holds the bot to them and
// BenchmarkRESTPerCommand prints them as BENCH lines.

// restCase is one command measured in REST calls.
type restCase struct {
	name string
	// configure adjusts the bot's configuration (enforcement).
	configure func(*config.Config)
	// setup prepares the world once (the mod log).
	setup func(w *staffWorld)
	// next prepares one run with fresh members (their rate limits are
	// untouched), uncounted, and returns the counted command.
	next func(w *staffWorld) func()
	// minimum is the number of calls Discord needs for the command; why
	// lists them.
	minimum int
	why     string
}

// fresh adds a member with roles, named uniquely.
func fresh(w *staffWorld, name string, roles ...string) *discordsim.Member {
	return w.Guild.AddMember(discordsim.UserSpec{Username: fmt.Sprintf("%s%d", name, serial.Add(1)), Roles: roles})
}

var serial atomic.Int64

func modLogOn(w *staffWorld) { w.Run(w.Admin, "/security modlog", discordsim.Bool("enabled", true)) }

// restCases lists the measured commands.
func restCases() []restCase {
	run := func(w *staffWorld, m *discordsim.Member, command string, opts ...discordsim.Option) func() {
		return func() { w.Run(m, command, opts...) }
	}
	// warnFresh has a new moderator warn a new member.
	warnFresh := func(w *staffWorld) func() {
		return run(w, fresh(w, "moderator", "Moderator"), "/security warn",
			discordsim.User("user", fresh(w, "member")), discordsim.String("reason", "Spam"))
	}
	return []restCase{
		{name: "profile", minimum: 1, why: "the callback",
			next: func(w *staffWorld) func() { return run(w, fresh(w, "member"), "/profile") }},
		{name: "submit-stats", minimum: 1, why: "the callback",
			next: func(w *staffWorld) func() {
				return run(w, fresh(w, "member"), "/submit-stats", discordsim.Int("approaches", 3), discordsim.Int("contacts", 1))
			}},
		{name: "barbie-add", minimum: 1, why: "the callback",
			next: func(w *staffWorld) func() {
				return run(w, fresh(w, "member"), "/barbie add", discordsim.String("name", "Sam"))
			}},
		{name: "security-audit", minimum: 1, why: "the callback",
			next: func(w *staffWorld) func() { return run(w, fresh(w, "admin", "Admin"), "/security audit") }},
		{name: "warn", minimum: 3, why: "the callback, the DM channel, the DM",
			next: warnFresh},
		{name: "warn-enforced-timeout", configure: enforce, setup: modLogOn, minimum: 4,
			why: "the callback, the DM (its channel known from the first strike), the timeout, the mod-log post",
			next: func(w *staffWorld) func() {
				mod, member := fresh(w, "moderator", "Moderator"), fresh(w, "member")
				warn(w.Harness, mod, member, "Strike 1")
				return func() { warn(w.Harness, mod, member, "Strike 2") }
			}},
		{name: "warn-enforced-timeout-first-dm", setup: modLogOn, minimum: 5,
			configure: func(c *config.Config) {
				enforce(c)
				c.StrikeLadder = []config.Rung{config.RungTimeout, config.RungBan}
			},
			why:  "the callback, the DM channel, the DM, the timeout, the mod-log post",
			next: warnFresh},
		{name: "confirm-ban", configure: enforce, setup: modLogOn, minimum: 4,
			why: "the callback, the banned member (a click does not carry them), the DM (its channel known), the ban",
			next: func(w *staffWorld) func() {
				helper, member := fresh(w, "helper", "Helper"), fresh(w, "member")
				var n int
				if _, err := fmt.Sscanf(strikes(w.Harness, helper, member, 3)[1], "Case #%d", &n); err != nil {
					w.T.Fatalf("the third strike's case: %v", err)
				}
				post, id := confirmButton(w.T, w, n)
				admin := fresh(w, "admin", "Admin")
				return func() { w.click(w.T, admin, post, id) }
			}},
	}
}

// newRESTWorld starts the bot for c, with the guild in its gateway state.
func newRESTWorld(tb testing.TB, c restCase) *staffWorld {
	var configure []func(*config.Config)
	if c.configure != nil {
		configure = append(configure, c.configure)
	}
	w := newStaffWorld(tb, configure...)
	// READY lists the guild, unavailable; GUILD_CREATE describes it.
	w.Eventually("the guild in the gateway state", func() bool {
		st := w.App.Session.State
		g, err := st.Guild(w.Guild.ID)
		if err != nil {
			return false
		}
		st.RLock()
		defer st.RUnlock()
		return !g.Unavailable && g.OwnerID != ""
	})
	if c.setup != nil {
		c.setup(w)
	}
	// A first run warms what the bot loads lazily (the word lists, the
	// connections), so that no measured answer waits for it.
	c.next(w)()
	return w
}

// restCalls runs act and returns the REST calls the bot made for it: those
// made until it has been quiet for 100 ms after act returned. deferred
// reports whether the answer was deferred (on a machine too busy to answer
// within 2 s): its edit is then one more call.
func restCalls(w *staffWorld, act func()) (routes []string, deferred bool) {
	before := len(w.Sim.Requests())
	act()
	n := -1
	for quiet := 0; quiet < 5; time.Sleep(20 * time.Millisecond) {
		if m := len(w.Sim.Requests()); m != n {
			n, quiet = m, 0
			continue
		}
		quiet++
	}
	for _, r := range w.Sim.Requests()[before:] {
		route := r.Route
		if route == "" {
			route = r.Method + " " + r.Path
		}
		routes = append(routes, route)
		var body struct {
			Type discordgo.InteractionResponseType
		}
		if strings.HasSuffix(route, "/callback") && json.Unmarshal(r.Body, &body) == nil {
			deferred = deferred || body.Type == discordgo.InteractionResponseDeferredChannelMessageWithSource ||
				body.Type == discordgo.InteractionResponseDeferredMessageUpdate
		}
	}
	return routes, deferred
}

// Each command makes no more REST calls than Discord needs for it: a
// safe-mode warn 3 (callback, DM channel, DM), an enforced timeout 4 with
// its mod-log post (the DM channel known from the first strike), a Confirm
// ban click 4.
func TestRESTBudget(t *testing.T) {
	t.Parallel()
	for _, c := range restCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newRESTWorld(t, c)
			got, deferred := restCalls(w, c.next(w))
			budget := c.minimum
			if deferred {
				t.Logf("the answer was deferred (a busy machine): its edit is not counted")
				budget++
			}
			if len(got) > budget {
				t.Errorf("%d REST calls, want at most %d (%s):\n%s", len(got), budget, c.why, strings.Join(got, "\n"))
			}
		})
	}
}

// BenchmarkRESTPerCommand counts the REST calls of each command end to end
// (the real app on the emulator): `ours` reports them as the metric calls,
// `baseline-minimum` what Discord needs.
func BenchmarkRESTPerCommand(b *testing.B) {
	for _, c := range restCases() {
		b.Run(c.name, func(b *testing.B) {
			w := newRESTWorld(b, c)
			b.Run("ours", func(b *testing.B) {
				total := 0
				for range b.N {
					calls, _ := restCalls(w, c.next(w))
					total += len(calls)
				}
				reportCalls(b, float64(total)/float64(b.N))
			})
			b.Run("baseline-minimum", func(b *testing.B) {
				for range b.N {
				}
				reportCalls(b, float64(c.minimum))
			})
		})
	}
}

// reportCalls reports calls per command as the benchmark's only figure:
// the time and allocations of a run are the harness's and the emulator's
// as much as the bot's.
func reportCalls(b *testing.B, calls float64) {
	b.ReportMetric(calls, "calls")
	for _, unit := range []string{"ns/op", "B/op", "allocs/op"} {
		b.ReportMetric(0, unit)
	}
}
