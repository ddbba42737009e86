package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// Lift is a timed lift (a timed lockdown's end) as a job scheduled at the
// lift time. The feature's own record in PostgreSQL stays the truth: the
// job only asks it to lift what is due, so a lift made early by hand leaves
// the job nothing to do, and one job per guild and time runs however many
// processes scheduled it.
type Lift struct {
	// What names the registered lifter ("lockdown").
	What    string    `json:"what"`
	GuildID string    `json:"guildId"`
	At      time.Time `json:"at"`
}

// Kind is River's job kind.
func (Lift) Kind() string { return "lift" }

// InsertOpts: one job per lifter, guild and time, in every state.
func (Lift) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Lifter lifts what is due in a guild and returns when the next of its
// timed lifts is due (zero when none is left).
type Lifter func(ctx context.Context, guildID string) (next time.Time, err error)

type lifter struct {
	lift Lifter
	now  func() time.Time
	// recheck bounds a snooze: the job looks again at least this often
	// while the feature's clock says the lift is not due yet.
	recheck time.Duration
}

// liftWorker runs Lifts.
type liftWorker struct {
	river.WorkerDefaults[Lift]
	r *Runner
}

// Work lifts what is due; a lift not yet due by the feature's clock (which
// may differ from the database's) snoozes the job until it is.
func (w *liftWorker) Work(ctx context.Context, job *river.Job[Lift]) error {
	l, ok := registered(w.r, w.r.lifters, job.Args.What)
	if !ok {
		return errUnregistered
	}
	next, err := l.lift(ctx, job.Args.GuildID)
	if err != nil {
		return fmt.Errorf("lift %s in %s: %w", job.Args.What, job.Args.GuildID, err)
	}
	if next.IsZero() {
		return nil
	}
	wait := next.Sub(l.now())
	if wait <= 0 || job.Args.At.Before(next) {
		// Another lift of the guild, later: its own job lifts it.
		return nil
	}
	return river.JobSnooze(min(wait, l.recheck))
}

// Lifts registers lift for Lift jobs named what (before Start); now is the
// feature's clock and recheck bounds how long a job waits between looks
// when that clock says its lift is not due yet.
func (r *Runner) Lifts(what string, lift Lifter, now func() time.Time, recheck time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lifters == nil {
		r.lifters = map[string]lifter{}
		Register(r, &liftWorker{r: r})
	}
	r.lifters[what] = lifter{lift: lift, now: now, recheck: recheck}
}

// ScheduleLift enqueues the lift of what in guildID at at (after Start).
func (r *Runner) ScheduleLift(ctx context.Context, what, guildID string, at time.Time) error {
	args := Lift{What: what, GuildID: guildID, At: at.UTC()}
	opts := args.InsertOpts()
	opts.ScheduledAt = at
	return r.Enqueue(ctx, args, &opts)
}
