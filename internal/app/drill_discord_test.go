package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/loadgen"
)

// Routes the Discord-refusing drill fails, as FailRoute patterns.
const (
	routeCallback = "/interactions/{interaction_id}/{interaction_token}/callback"
	routeDMOpen   = "/users/@me/channels"
	routeMessage  = "/channels/{channel_id}/messages"
	routeMember   = "/guilds/{guild_id}/members/{user_id}" // PATCH: a timeout
	routeBan      = "/guilds/{guild_id}/bans/{user_id}"
)

// maxAttempts is the documented retry budget of one REST call (README,
// "Discord's rate limits"): at most 4 × 4 HTTP requests, 3 retries of a 429
// for each of discordgo's 3 retries of a 502.
const maxAttempts = 16

// fault is one route failing during a step.
type fault struct {
	method, path string
	f            discordsim.Fault
}

// Discord refusing (issue 16): 429 storms and 500/502/503 on the
// interaction callback, the DM, the timeout and the ban routes while
// moderators warn under load, with enforcement on so that strikes time out
// and ban. What the drill holds the bot to:
//
//   - Every interaction is acknowledged within 3 s, unless Discord refused
//     every callback the bot made for it in that time: the bot cannot
//     acknowledge an interaction Discord will not let it acknowledge.
//   - Every acknowledged interaction gets its answer once the faults end;
//     "❌ Something went wrong" only where Discord refused a callback of
//     that interaction (the reply was lost: the error reply says so).
//   - Every warn the moderator was told about is recorded (its user_warnings
//     row), whatever happened to the DM, the timeout or the ban.
//   - No retry loop: no interaction gets more callback requests than
//     maxAttempts per initial response it may send (the reply, the
//     automatic deferral, the error reply), and no route more requests than
//     maxAttempts per warn.
func TestDrillDiscordRefusing(t *testing.T) {
	d := startDrill(t, func(c *config.Config) { c.EnforceModeration = true })
	length := drillLength(2*time.Second, 30*time.Second)
	const rate = 10.0
	steps := []struct {
		name   string
		faults []fault
	}{
		{"callback refused", []fault{
			{"POST", routeCallback, discordsim.Fault{Status: 429, RetryAfter: 0.2, Count: 6}},
			{"POST", routeCallback, discordsim.Fault{Status: 500, Count: 4}},
			{"POST", routeCallback, discordsim.Fault{Status: 502, Count: 4}},
			{"POST", routeCallback, discordsim.Fault{Status: 503, Count: 4}},
		}},
		{"callback 429 storm", []fault{
			{"POST", routeCallback, discordsim.Fault{Status: 429, RetryAfter: 0.05}},
		}},
		{"effects refused", []fault{
			{"POST", routeDMOpen, discordsim.Fault{Status: 429, RetryAfter: 0.5}},
			{"POST", routeMessage, discordsim.Fault{Status: 500}},
			{"PATCH", routeMember, discordsim.Fault{Status: 503}},
			{"PUT", routeBan, discordsim.Fault{Status: 502}},
		}},
	}
	next := 0
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			mix := strikeMix(d.World, next)
			from := len(d.Sim.Requests())
			for _, f := range step.faults {
				d.Sim.FailRoute(f.method, f.path, f.f)
			}
			r := loadgen.RunFrom(context.Background(), d.Sim, rate, length, next, mix)
			d.Sim.ClearFaults()
			next += r.Sent
			t.Logf("%s: %s answers=%v", step.name, r, tally(r.Interactions))
			late := awaitResolved(r.Interactions)
			t.Logf("%s: %d interactions answered only after the faults ended", step.name, late)
			d.checkRefusals(t, r.Interactions, from)
		})
	}
	d.checkRouteBudget(t)
	// A refused callback is a violation the emulator records on purpose
	// ("not-acknowledged", late or failed interactions): they were checked
	// above against what Discord refused.
	for _, v := range d.Sim.TakeViolations() {
		if v.Rule == "double-ack" {
			t.Errorf("double acknowledgement: %s", v)
		}
	}
}

// strikeMix has moderators warn a few members over and over, so that their
// strikes reach the timeout and the ban, among the standard mix's reads;
// first makes each step's reasons unique.
func strikeMix(w *loadgen.World, first int) loadgen.Mix {
	std := loadgen.StandardMix(w)
	return func(i int) loadgen.Call {
		if i%3 != 0 {
			return std(i)
		}
		target := w.Plain[len(w.Plain)-1-(first+i/3)%12]
		return loadgen.Call{Member: w.Moderators[(i/3)%len(w.Moderators)], Command: "/security warn", Opts: []discordsim.Option{
			discordsim.User("user", target), discordsim.String("reason", fmt.Sprintf("drill strike %d", i))}}
	}
}

// awaitResolved waits up to 20 s for acknowledged interactions still
// deferred to get their answer, and returns how many had to be waited for.
func awaitResolved(ixs []*discordsim.Interaction) int {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n := 0
	for _, ix := range ixs {
		if ix == nil || ix.Response() == nil || answer(ix) != answerDeferred {
			continue
		}
		n++
		_ = ix.Wait(ctx, func(ix *discordsim.Interaction) bool { return answer(ix) != answerDeferred })
	}
	return n
}

// checkRefusals holds the interactions of a step to the Discord-refusing
// drill's rules (see TestDrillDiscordRefusing).
// from is where the step's requests start in the emulator's log.
func (d *drill) checkRefusals(t *testing.T, ixs []*discordsim.Interaction, from int) {
	t.Helper()
	type calls struct{ total, refused int }
	callbacks := map[string]*calls{}
	perRoute := map[string]int{}
	for _, r := range d.Sim.Requests()[from:] {
		perRoute[r.Route]++
		if id, ok := strings.CutPrefix(r.Path, "/interactions/"); ok {
			id, _, _ = strings.Cut(id, "/")
			c := callbacks[id]
			if c == nil {
				c = &calls{}
				callbacks[id] = c
			}
			c.total++
			if r.Status == 429 || r.Status >= 500 {
				c.refused++
			}
		}
	}
	warns, refusedByDiscord, most, unsent := 0, 0, 0, 0
	for _, ix := range ixs {
		if ix == nil {
			// The emulator did not send it: its member was banned by an
			// earlier strike and is no longer in the guild.
			unsent++
			continue
		}
		c := callbacks[ix.ID]
		if c == nil {
			c = &calls{}
		}
		most = max(most, c.total)
		if c.total > 3*maxAttempts {
			t.Errorf("%s %s: %d callback requests, more than %d initial responses of %d attempts", ix.Command, ix.ID, c.total, 3, maxAttempts)
		}
		resp := ix.Response()
		switch {
		case resp != nil && resp.Latency <= loadgen.AckDeadline:
		case c.total > 0 && c.refused == c.total:
			refusedByDiscord++
			continue
		default:
			t.Errorf("%s %s: no acknowledgement within 3 s (%d callbacks, %d refused by Discord): %s", ix.Command, ix.ID, c.total, c.refused, ix.Failed())
			continue
		}
		if a := answer(ix); a == answerNone || a == answerDeferred || (c.refused == 0 && strings.Contains(ix.Content(), "Something went wrong")) {
			t.Errorf("%s %s answered %s: %q (%d callbacks refused)", ix.Command, ix.ID, a, ix.Content(), c.refused)
		}
		if ix.Command == "/security warn" && strings.HasPrefix(ix.Content(), "User warned") {
			warns++
			if n := d.Count(`SELECT count(*) FROM user_warnings WHERE interaction_id = $1`, ix.ID); n != 1 {
				t.Errorf("warn %s answered %q: %d warnings recorded", ix.ID, ix.Content(), n)
			}
		}
	}
	t.Logf("warns recorded %d, refused by Discord %d, most callbacks for one interaction %d, not sent (member banned) %d, requests per route %v",
		warns, refusedByDiscord, most, unsent, perRoute)
}

// checkRouteBudget fails t when a warn's effect routes (DM, timeout, ban)
// got more requests than maxAttempts per recorded warn: a retry loop.
func (d *drill) checkRouteBudget(t *testing.T) {
	t.Helper()
	warns := d.Count(`SELECT count(*) FROM user_warnings WHERE guild_id = $1`, d.World.Guild.ID)
	perRoute := map[string]int{}
	for _, r := range d.Sim.Requests() {
		perRoute[r.Route]++
	}
	for _, route := range []string{"POST " + routeDMOpen, "POST " + routeMessage, "PATCH " + routeMember, "PUT " + routeBan} {
		if perRoute[route] > maxAttempts*max(warns, 1) {
			t.Errorf("%s: %d requests for %d warns: a retry loop beyond %d attempts a call", route, perRoute[route], warns, maxAttempts)
		}
	}
}
