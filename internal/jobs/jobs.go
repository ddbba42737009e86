// Package jobs runs the bot's durable and scheduled work on River
// (github.com/riverqueue/river) over the app's PostgreSQL pool, so that
// several processes on one database do each piece of it exactly once:
// River's leader-elected periodic enqueuer inserts a scheduled job, a
// unique key (the job's name and scheduled tick) refuses a second insert
// of the same tick, and row locking hands each job to one worker. Jobs
// survive restarts (they are rows) and failed ones are retried with River's
// backoff.
//
// A Runner collects what the bot's features register (Periodic, Lifts,
// Deliveries) and starts River's client with them; it is a
// service.Service. The kinds:
//
//   - periodic: a named schedule's tick (the scheduled backup, retention);
//   - lift: a timed lift at its time (a timed lockdown's end), the
//     feature's own row staying the truth;
//   - discord_delivery: a Discord message that got a 429 or 5xx, sent again
//     with backoff until Discord takes it. A process that dies between
//     Discord's answer and the job's completion would send it again; that
//     window is the only way to a duplicate.
//
// What stays per process is not here: the gateway, the in-memory caches and
// the health checks of this process's own connection and memory.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/embodied-community/embodied/internal/logging"
)

// Options configures a Runner.
type Options struct {
	// Logger receives River's and the jobs' log lines.
	Logger *slog.Logger
	// Workers is how many jobs this process works at once (default 4).
	Workers int
	// PollInterval is how often an idle process looks for due jobs besides
	// River's notifications (default River's, 1 s).
	PollInterval time.Duration
	// StopTimeout is how long Stop lets running jobs finish before it
	// cancels them (default 10 s); a cancelled job is retried later, by
	// any process.
	StopTimeout time.Duration
}

// Schedule gives the next tick after t: robfig/cron's Schedule and
// River's PeriodicSchedule have this shape.
type Schedule interface {
	Next(t time.Time) time.Time
}

// Runner is River's client with the bot's job kinds.
type Runner struct {
	pool    *pgxpool.Pool
	opts    Options
	log     *slog.Logger
	workers *river.Workers

	mu       sync.Mutex
	periodic map[string]periodicFunc
	lifters  map[string]lifter
	jobs     []*river.PeriodicJob
	longest  time.Duration // the longest periodic timeout
	client   *river.Client[pgx.Tx]
	started  bool
}

// New returns a Runner on pool; register the job kinds, then Start it.
func New(pool *pgxpool.Pool, opts Options) *Runner {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.StopTimeout <= 0 {
		opts.StopTimeout = 10 * time.Second
	}
	r := &Runner{pool: pool, opts: opts, log: logging.Component(opts.Logger, "Jobs"), workers: river.NewWorkers(),
		periodic: map[string]periodicFunc{}}
	river.AddWorker(r.workers, &periodicWorker{r: r})
	return r
}

// Register adds a worker for one job kind (before Start).
func Register[T river.JobArgs](r *Runner, w river.Worker[T]) {
	river.AddWorker(r.workers, w)
}

// clientLocked returns River's client, built on first use from what was
// registered so far (register everything before Start or Enqueue); r.mu is
// held.
func (r *Runner) clientLocked() (*river.Client[pgx.Tx], error) {
	if r.client != nil {
		return r.client, nil
	}
	client, err := river.NewClient(riverpgxv5.New(r.pool), &river.Config{
		Logger:            logging.Component(r.opts.Logger, "River"),
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: r.opts.Workers}},
		Workers:           r.workers,
		PeriodicJobs:      r.jobs,
		FetchPollInterval: r.opts.PollInterval,
		// A job's own timeout is in its worker (Timeout); River's default
		// minute would cut a backup short.
		JobTimeout: -1,
		// A job still running after this long is taken for lost with its
		// process and run again: longer than the longest job (a backup).
		RescueStuckJobsAfter: r.longest + 10*time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: new river client: %w", err)
	}
	r.client = client
	return client, nil
}

// Start starts River's client: this process then works jobs and, when it
// is elected leader, enqueues the periodic ones. Jobs enqueued before Start
// wait in the database.
func (r *Runner) Start(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return errors.New("jobs: already started")
	}
	client, err := r.clientLocked()
	if err != nil {
		return err
	}
	if err := client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start river client: %w", err)
	}
	r.started = true
	r.log.Info("Jobs started", "periodic", len(r.jobs), "workers", r.opts.Workers)
	return nil
}

// Stop stops fetching jobs and waits for the running ones, up to
// StopTimeout (or ctx), then cancels them and waits for them to return.
func (r *Runner) Stop(ctx context.Context) error {
	r.mu.Lock()
	client, started := r.client, r.started
	r.mu.Unlock()
	if !started {
		return nil
	}
	soft, cancel := context.WithTimeout(ctx, r.opts.StopTimeout)
	defer cancel()
	err := client.Stop(soft)
	if err == nil {
		return nil
	}
	r.log.Warn("Jobs still running at shutdown: cancelling them (they will be retried)", "error", err)
	if err := client.StopAndCancel(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	return nil
}

// Enqueue inserts a job; before Start it waits in the database for a
// started process.
func (r *Runner) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	r.mu.Lock()
	client, err := r.clientLocked()
	r.mu.Unlock()
	if err != nil {
		return err
	}
	if _, err := client.Insert(ctx, args, opts); err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// registered returns what m holds under name, read under r.mu.
func registered[T any](r *Runner, m map[string]T, name string) (T, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := m[name]
	return v, ok
}

// errUnregistered snoozes a job this process has no handler for: it was
// registered by another version of the bot, which is left to work it.
var errUnregistered = river.JobSnooze(time.Minute)
