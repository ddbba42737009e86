package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/robfig/cron/v3"
)

// periodicFunc is one registered periodic job.
type periodicFunc struct {
	run      func(ctx context.Context, tick time.Time) error
	timeout  time.Duration
	schedule Schedule
}

// PeriodicArgs is the job River's leader enqueues at every tick of a
// periodic job: its name and the tick it is for. Both make its unique key,
// so that a leader elected mid-tick, or two leaders in a split second,
// insert the tick's job once.
type PeriodicArgs struct {
	Name string    `json:"name"`
	Tick time.Time `json:"tick"`
}

// Kind is River's job kind.
func (PeriodicArgs) Kind() string { return "periodic" }

// InsertOpts makes a tick's job unique in every state, including
// completed: a tick runs once.
func (PeriodicArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Periodic registers fn to run once across processes at every tick of
// schedule (before Start), with at most timeout per run. A run that fails
// is retried with River's backoff; fn returns nil for outcomes it has
// already reported (a failed backup is audited and alerted, not retried).
func (r *Runner) Periodic(name string, schedule Schedule, timeout time.Duration, fn func(ctx context.Context, tick time.Time) error) {
	r.periodicJob(name, schedule, timeout, fn, false)
}

// PeriodicAndNow is Periodic that also runs the last tick when a leader is
// elected (as at the first start), unless that tick ran already: for
// housekeeping that should not wait a whole period after a deployment.
func (r *Runner) PeriodicAndNow(name string, schedule Schedule, timeout time.Duration, fn func(ctx context.Context, tick time.Time) error) {
	r.periodicJob(name, schedule, timeout, fn, true)
}

func (r *Runner) periodicJob(name string, schedule Schedule, timeout time.Duration, fn func(ctx context.Context, tick time.Time) error, now bool) {
	schedule = aligned(schedule)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.periodic[name] = periodicFunc{run: fn, timeout: timeout, schedule: schedule}
	r.longest = max(r.longest, timeout)
	r.jobs = append(r.jobs, river.NewPeriodicJob(schedule, func() (river.JobArgs, *river.InsertOpts) {
		return PeriodicArgs{Name: name, Tick: lastTick(schedule, time.Now())}, nil
	}, &river.PeriodicJobOpts{ID: name, RunOnStart: now}))
}

// every is robfig's "@every d" aligned on multiples of d since the epoch,
// so that every process sees the same ticks (cron.Every counts from
// whenever it is asked).
type every time.Duration

// Next returns the next multiple of the period after t.
func (e every) Next(t time.Time) time.Time {
	d := time.Duration(e)
	return t.Truncate(d).Add(d)
}

// aligned returns s, with an "@every" schedule aligned (every).
func aligned(s Schedule) Schedule {
	if c, ok := s.(cron.ConstantDelaySchedule); ok && c.Delay > 0 {
		return every(c.Delay)
	}
	return s
}

// lastTick returns the latest tick of s at or before now: River calls the
// constructor once the tick is due, so every process computes the same
// tick for it.
func lastTick(s Schedule, now time.Time) time.Time {
	// Step back until a tick falls within (from, now].
	for back := time.Minute; back <= 10*366*24*time.Hour; back *= 4 {
		t := s.Next(now.Add(-back))
		if t.After(now) {
			continue
		}
		for n := s.Next(t); !n.After(now); n = s.Next(t) {
			t = n
		}
		return t.UTC()
	}
	return now.Truncate(time.Second).UTC()
}

// periodicWorker runs the registered function a PeriodicArgs names.
type periodicWorker struct {
	river.WorkerDefaults[PeriodicArgs]
	r *Runner
}

// Timeout is the registered run's.
func (w *periodicWorker) Timeout(job *river.Job[PeriodicArgs]) time.Duration {
	w.r.mu.Lock()
	defer w.r.mu.Unlock()
	if p, ok := w.r.periodic[job.Args.Name]; ok && p.timeout > 0 {
		return p.timeout
	}
	return -1
}

// Work runs the tick.
func (w *periodicWorker) Work(ctx context.Context, job *river.Job[PeriodicArgs]) error {
	p, ok := registered(w.r, w.r.periodic, job.Args.Name)
	if !ok {
		return errUnregistered
	}
	if err := p.run(ctx, job.Args.Tick); err != nil {
		return fmt.Errorf("periodic %s at %s: %w", job.Args.Name, job.Args.Tick.Format(time.RFC3339), err)
	}
	return nil
}
