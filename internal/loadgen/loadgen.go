// Package loadgen drives the discordsim emulator open loop: interactions are
// sent on schedule whatever the replies, and each one's fate is recorded. The
// end-to-end load benchmark and the process-level drills share it, so that a
// figure and a drill mean the same traffic.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/discordsim"
)

// AckDeadline is Discord's limit for the initial interaction response: later,
// the member sees "This interaction failed".
const AckDeadline = 3 * time.Second

// Straggle bounds how long Run waits, after the last send, for interactions
// that were acknowledged but not yet resolved (deferrals still in flight).
const Straggle = 10 * time.Second

// Call is one interaction to send.
type Call struct {
	Member  *discordsim.Member
	Command string
	Opts    []discordsim.Option
}

// Mix returns the i-th call of a run. It must be deterministic and safe for
// concurrent use.
type Mix func(i int) Call

// World is a guild seeded for load: an owner, Admins (Administrator),
// Moderators (moderate, kick, ban) and Plain members. Members holds every
// seeded member (staff included), in join order.
type World struct {
	Sim        *discordsim.Server
	Guild      *discordsim.Guild
	Owner      *discordsim.Member
	Admins     []*discordsim.Member
	Moderators []*discordsim.Member
	Plain      []*discordsim.Member
	Members    []*discordsim.Member
}

// staffShare is the fraction of members holding each staff role: enough
// distinct staff that the per-user rate limit (5 calls per 10 s per command)
// never refuses the mix's staff commands at the rates the benchmark reaches.
const staffShare = 10

// Seed creates a guild "Load" with members members (at least 3): one in ten
// an admin, one in ten a moderator, the rest plain members.
func Seed(sim *discordsim.Server, members int) *World {
	members = max(members, 3)
	g := sim.CreateGuild("Load", discordsim.UserSpec{Username: "load-owner"})
	g.AddRole(discordsim.RoleSpec{Name: "Admin", Permissions: discordgo.PermissionAdministrator, Position: 10})
	g.AddRole(discordsim.RoleSpec{Name: "Moderator", Permissions: discordgo.PermissionKickMembers | discordgo.PermissionBanMembers |
		discordgo.PermissionModerateMembers | discordgo.PermissionManageMessages, Position: 5})
	w := &World{Sim: sim, Guild: g, Owner: g.Owner()}
	staff := max(members/staffShare, 1)
	for i := range members {
		var role []string
		switch {
		case i < staff:
			role = []string{"Admin"}
		case i < 2*staff:
			role = []string{"Moderator"}
		}
		m := g.AddMember(discordsim.UserSpec{Username: fmt.Sprintf("member%04d", i), Roles: role})
		w.Members = append(w.Members, m)
		switch {
		case i < staff:
			w.Admins = append(w.Admins, m)
		case i < 2*staff:
			w.Moderators = append(w.Moderators, m)
		default:
			w.Plain = append(w.Plain, m)
		}
	}
	return w
}

// notes are the /barbie add texts of the standard mix: ordinary notes that the
// moderation engine reads in full and lets through.
var notes = []string{
	"Met at the climbing gym, likes jazz and long walks",
	"Coffee on Sunday, talked about books and travel plans",
	"Introduced by a friend at the concert, wants to learn salsa",
	"Works in a bakery downtown, funny and kind",
}

// StandardMix is the mix in equal parts, round-robin: /profile,
// /submit-stats, /barbie add (moderated text), /security audit and
// /security warn (safe mode unless the bot enforces), spread over the world's
// members so that no member meets a per-user rate limit at benchmark rates.
func StandardMix(w *World) Mix {
	pick := func(ms []*discordsim.Member, i int) *discordsim.Member { return ms[i%len(ms)] }
	return func(i int) Call {
		n := i / 5
		switch i % 5 {
		case 0:
			return Call{Member: pick(w.Plain, n), Command: "/profile"}
		case 1:
			// Spread over members in a different order than /profile so that
			// profiles gain XP that later /profile calls read.
			return Call{Member: pick(w.Plain, n*7+3), Command: "/submit-stats", Opts: []discordsim.Option{
				discordsim.Int("approaches", int64(n%10)), discordsim.Int("contacts", int64(n%3)), discordsim.Int("dates", int64(n%2))}}
		case 2:
			return Call{Member: pick(w.Plain, n*11+5), Command: "/barbie add", Opts: []discordsim.Option{
				discordsim.String("name", fmt.Sprintf("Contact %d", n)), discordsim.String("notes", notes[n%len(notes)])}}
		case 3:
			return Call{Member: pick(w.Admins, n), Command: "/security audit"}
		default:
			return Call{Member: pick(w.Moderators, n), Command: "/security warn", Opts: []discordsim.Option{
				discordsim.User("user", pick(w.Plain, n*13+7)), discordsim.String("reason", fmt.Sprintf("Load test warning %d", n))}}
		}
	}
}

// ProfileMix is /profile only, over the plain members: the bare-bot baseline's traffic.
func ProfileMix(w *World) Mix {
	return func(i int) Call { return Call{Member: w.Plain[i%len(w.Plain)], Command: "/profile"} }
}

// Error kinds counted in Result.Errors.
const (
	ErrKindNoResponse  = "no-response"  // no initial response within 3 s (or ever)
	ErrKindLateAck     = "late-ack"     // an initial response after 3 s (Discord refuses it)
	ErrKindFailed      = "failed"       // the member saw "This interaction failed" for another reason
	ErrKindNotResolved = "not-resolved" // deferred, then never completed
	ErrKindErrorReply  = "error-reply"  // answered with an error (❌) or a refusal (⏳ rate limited)
	ErrKindNotSent     = "not-sent"     // the emulator refused to send it (bad option, hidden command…)
)

// Result is the fate of one open-loop step.
type Result struct {
	Rate     float64       // target interactions per second
	Duration time.Duration // sending window
	// Sent counts interactions handed to the emulator; Answered those whose
	// initial response came within 3 s; Late those that had none within 3 s;
	// Failed those answered in time that still went wrong (see Errors).
	Sent, Answered, Late, Failed int
	// P50 and P99 are of the time from dispatch to the first callback; an
	// interaction without one counts as the time Run waited for it.
	P50, P99 time.Duration
	// Errors counts failure kinds (ErrKind…); a late interaction counts once
	// under its kind, as does a failed one.
	Errors map[string]int
	// Interactions are the delivered interactions, in send order (nil where
	// the emulator refused to send), and SentAt when each was sent.
	Interactions []*discordsim.Interaction
	SentAt       []time.Time
}

// String is a one-line summary for logs.
func (r Result) String() string {
	var kinds []string
	for k, n := range r.Errors {
		kinds = append(kinds, fmt.Sprintf("%s=%d", k, n))
	}
	slices.Sort(kinds)
	return fmt.Sprintf("rate=%g/s sent=%d answered=%d late=%d failed=%d p50=%s p99=%s errors=[%s]",
		r.Rate, r.Sent, r.Answered, r.Late, r.Failed, r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), strings.Join(kinds, " "))
}

type outcome struct {
	ix      *discordsim.Interaction
	sent    time.Time // when the schedule sent it
	latency time.Duration
	kind    string // "" when fine
	late    bool
}

// Run sends mix's calls at rate per second for d, open loop: the i-th call
// leaves at start + i/rate, in its own goroutine, whatever happened to the
// earlier ones. It then waits for the stragglers (at most Straggle, or until
// ctx ends) and returns the result. Calls are numbered from first, so that
// successive steps continue the mix instead of repeating it.
func Run(ctx context.Context, sim *discordsim.Server, rate float64, d time.Duration, mix Mix) Result {
	return RunFrom(ctx, sim, rate, d, 0, mix)
}

// RunFrom is Run with the calls numbered from first.
func RunFrom(ctx context.Context, sim *discordsim.Server, rate float64, d time.Duration, first int, mix Mix) Result {
	total := int(rate * d.Seconds())
	outs := make([]outcome, total)
	var wg sync.WaitGroup
	callCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	sent := 0
	for sent < total && ctx.Err() == nil {
		due := min(int(time.Since(start).Seconds()*rate)+1, total)
		for ; sent < due; sent++ {
			wg.Add(1)
			go func(i int, at time.Time) {
				defer wg.Done()
				outs[i] = send(callCtx, sim, mix(first+i))
				outs[i].sent = at
			}(sent, time.Now())
		}
		if sent < total {
			next := start.Add(time.Duration(float64(sent) / rate * float64(time.Second)))
			time.Sleep(time.Until(next))
		}
	}
	stop := time.AfterFunc(time.Until(start.Add(d+Straggle)), cancel)
	wg.Wait()
	stop.Stop()
	return summarize(rate, d, outs[:sent])
}

func send(ctx context.Context, sim *discordsim.Server, c Call) outcome {
	t0 := time.Now()
	ix, err := sim.Run(ctx, c.Member, c.Command, c.Opts...)
	o := outcome{ix: ix, latency: time.Since(t0)}
	if ix == nil {
		o.kind = ErrKindNotSent
		return o
	}
	resp := ix.Response()
	switch {
	case ix.Failed() == "late-ack":
		o.kind, o.late = ErrKindLateAck, true
		return o
	case resp == nil:
		o.kind, o.late = ErrKindNoResponse, true
		return o
	case resp.Latency > AckDeadline:
		o.kind, o.late, o.latency = ErrKindLateAck, true, resp.Latency
		return o
	}
	o.latency = resp.Latency
	switch {
	case ix.Failed() != "" || errors.Is(err, discordsim.ErrFailed):
		o.kind = ErrKindFailed
	case errors.Is(err, discordsim.ErrNotResolved) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		o.kind = ErrKindNotResolved
	case err != nil:
		o.kind = ErrKindFailed
	case isErrorReply(ix.Content()):
		o.kind = ErrKindErrorReply
	}
	return o
}

// isErrorReply recognises the bot's refusals and error answers by their
// leading emoji, as a member reads them.
func isErrorReply(content string) bool {
	return strings.HasPrefix(content, "❌") || strings.HasPrefix(content, "⏳")
}

func summarize(rate float64, d time.Duration, outs []outcome) Result {
	r := Result{Rate: rate, Duration: d, Sent: len(outs), Errors: map[string]int{}}
	lat := make([]time.Duration, 0, len(outs))
	for _, o := range outs {
		r.Interactions = append(r.Interactions, o.ix)
		r.SentAt = append(r.SentAt, o.sent)
		if o.kind == ErrKindNotSent {
			r.Errors[o.kind]++
			r.Failed++
			continue
		}
		lat = append(lat, o.latency)
		switch {
		case o.late:
			r.Late++
		default:
			r.Answered++
			if o.kind != "" {
				r.Failed++
			}
		}
		if o.kind != "" {
			r.Errors[o.kind]++
		}
	}
	r.P50, r.P99 = Percentile(lat, 0.50), Percentile(lat, 0.99)
	return r
}

// Percentile returns the q-quantile (0 < q ≤ 1) of ds by the nearest-rank
// method, or 0 for an empty slice. ds is not modified.
func Percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	k := int(float64(len(s))*q+0.999999999) - 1
	return s[min(max(k, 0), len(s)-1)]
}
