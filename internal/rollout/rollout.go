// Package rollout keeps the records the enforcement gate reads: one row per
// periodic health check run (the safe-mode soak of the rollout guide) and one
// per `embodied smoke` run. The bot writes health runs with a Recorder, the
// smoke command writes its runs, and `embodied doctor --enforcement` reads
// both. The rows and their SQL live in package store (store/rollout.go);
// the functions taking a pool remain for callers not yet moved to a Store.
package rollout

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/embodied-community/embodied/internal/health"
	"github.com/embodied-community/embodied/internal/store"
)

// HealthRun is one periodic health check run as recorded.
type HealthRun = store.HealthRun

// RecordHealth stores one health run and drops runs past the retention.
// It remains for callers holding a pool; new code calls
// store.(*Store).RecordHealthRun.
func RecordHealth(ctx context.Context, pool *pgxpool.Pool, r HealthRun) error {
	return store.New(pool).RecordHealthRun(ctx, r)
}

// HealthRunsSince returns the runs at or after since, newest first.
// It remains for callers holding a pool; new code calls
// store.(*Store).HealthRunsSince.
func HealthRunsSince(ctx context.Context, pool *pgxpool.Pool, since time.Time) ([]HealthRun, error) {
	return store.New(pool).HealthRunsSince(ctx, since)
}

// Soak is the current unbroken stretch of passing health runs in safe mode.
type Soak struct {
	// From and To are the first and last run of the stretch.
	From, To time.Time
	Runs     int
	// BrokenBy says what ended the stretch before From ("" when the records
	// simply start there).
	BrokenBy string
}

// Duration is how long the stretch lasted.
func (s Soak) Duration() time.Duration { return s.To.Sub(s.From) }

// CurrentSoak walks back from the newest run (runs newest first) while runs
// pass, enforcement stays off and no two runs are more than maxGap apart.
func CurrentSoak(runs []HealthRun, maxGap time.Duration) Soak {
	var s Soak
	for i, r := range runs {
		switch {
		case !r.Passed:
			s.BrokenBy = fmt.Sprintf("a failed health check at %s", r.At.UTC().Format(time.RFC3339))
		case r.Enforce:
			s.BrokenBy = fmt.Sprintf("a run with enforcement on at %s", r.At.UTC().Format(time.RFC3339))
		case i > 0 && runs[i-1].At.Sub(r.At) > maxGap:
			s.BrokenBy = fmt.Sprintf("no health check between %s and %s", r.At.UTC().Format(time.RFC3339), runs[i-1].At.UTC().Format(time.RFC3339))
		}
		if s.BrokenBy != "" {
			return s
		}
		if i == 0 {
			s.To = r.At
		}
		s.From = r.At
		s.Runs++
	}
	return s
}

// SmokeResult is one smoke test's outcome.
type SmokeResult = store.SmokeResult

// SmokeRun is one `embodied smoke` run.
type SmokeRun = store.SmokeRun

// RecordSmoke stores a smoke run.
// It remains for callers holding a pool; new code calls
// store.(*Store).RecordSmokeRun.
func RecordSmoke(ctx context.Context, pool *pgxpool.Pool, r SmokeRun) error {
	return store.New(pool).RecordSmokeRun(ctx, r)
}

// LastSmoke returns the newest smoke run, or store.ErrNotFound.
// It remains for callers holding a pool; new code calls
// store.(*Store).LastSmokeRun.
func LastSmoke(ctx context.Context, pool *pgxpool.Pool) (SmokeRun, error) {
	return store.New(pool).LastSmokeRun(ctx)
}

// RecorderOptions configures a Recorder.
type RecorderOptions struct {
	// Interval is the health check interval; the recorder looks for a new
	// report four times per interval.
	Interval time.Duration
	Enforce  bool
	Env      string
	Logger   *slog.Logger
}

// Recorder stores every new periodic health report. It polls the checker's
// Snapshot, so the health package needs no hook.
type Recorder struct {
	db       *store.Store
	snapshot func() *health.Report
	o        RecorderOptions

	mu     sync.Mutex
	last   time.Time
	cancel context.CancelFunc
	done   chan struct{}
}

// NewRecorder returns a Recorder of snapshot's reports; call Start.
func NewRecorder(db *store.Store, snapshot func() *health.Report, o RecorderOptions) *Recorder {
	if o.Interval <= 0 {
		o.Interval = 5 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Recorder{db: db, snapshot: snapshot, o: o}
}

// Start polls until ctx ends or Stop is called.
func (r *Recorder) Start(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	r.mu.Lock()
	r.cancel, r.done = cancel, make(chan struct{})
	done := r.done
	r.mu.Unlock()
	every := min(max(r.o.Interval/4, 100*time.Millisecond), time.Minute)
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := r.runOnce(ctx); err != nil && ctx.Err() == nil {
					r.o.Logger.Warn("Health run not recorded", "error", err)
				}
			}
		}
	}()
}

// Stop ends the polling and waits for it.
func (r *Recorder) Stop() {
	r.mu.Lock()
	cancel, done := r.cancel, r.done
	r.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

// runOnce records the latest report if it is new.
func (r *Recorder) runOnce(ctx context.Context) error {
	rep := r.snapshot()
	if rep == nil {
		return nil
	}
	r.mu.Lock()
	seen := !rep.At.After(r.last)
	r.mu.Unlock()
	if seen {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	run := HealthRun{At: rep.At, Passed: rep.Passed(), Enforce: r.o.Enforce, Env: r.o.Env, Failures: rep.ConsecutiveFailures}
	if err := rep.Err(); err != nil {
		run.Err = err.Error()
	}
	if err := r.db.RecordHealthRun(ctx, run); err != nil {
		return err
	}
	r.mu.Lock()
	r.last = rep.At
	r.mu.Unlock()
	return nil
}
