// Package rollout keeps the records the enforcement gate reads: one row per
// periodic health check run (the safe-mode soak of the rollout guide; one
// per interval across all processes on the database, written by the health
// job of ScheduleHealth) and one per `embodied smoke` run. The bot writes
// health runs with a Recorder, the
// smoke command writes its runs, and `embodied doctor --enforcement` reads
// both and judges the soak with CurrentSoak. The rows and their SQL live in
// the store (store/rollout.go).
package rollout

import (
	"context"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/embodied-community/embodied/internal/health"
	"github.com/embodied-community/embodied/internal/jobs"
	"github.com/embodied-community/embodied/internal/store"
)

// HealthRun is one periodic health check run as recorded.
type HealthRun = store.HealthRun

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

// RecorderOptions configures a Recorder.
type RecorderOptions struct {
	Enforce bool
	Env     string
}

// Recorder stores health runs: one row per database-wide run, which the
// health job makes once per interval across every process on the database
// (ScheduleHealth), so that N processes still write one row per interval.
type Recorder struct {
	store *store.Store
	o     RecorderOptions
}

// NewRecorder returns a Recorder writing to st.
func NewRecorder(st *store.Store, o RecorderOptions) *Recorder {
	return &Recorder{store: st, o: o}
}

// Record stores rep as the run at rep.At; a run already stored at that
// time (a retried job) is not stored twice.
func (r *Recorder) Record(ctx context.Context, rep *health.Report) error {
	run := HealthRun{At: rep.At, Passed: rep.Passed(), Enforce: r.o.Enforce, Env: r.o.Env, Failures: rep.ConsecutiveFailures}
	if err := rep.Err(); err != nil {
		run.Err = err.Error()
	}
	return r.store.RecordHealthRun(ctx, run)
}

// ScheduleHealth registers the database-wide health run on runner, once
// per interval across every process on the database (aligned on multiples
// of interval, whole seconds, so the first one comes within an interval of
// start): c.RunDatabase,
// then, with rec, its health_runs row. A run whose record failed is retried
// by River; its alerts are not sent twice, since their levels are claimed
// in PostgreSQL.
func ScheduleHealth(runner *jobs.Runner, c *health.Checker, rec *Recorder, interval time.Duration) {
	runner.Periodic("health", cron.Every(interval), max(interval, time.Minute), func(ctx context.Context, tick time.Time) error {
		rep := c.RunDatabase(ctx, tick)
		if rec == nil {
			return nil
		}
		if err := rec.Record(ctx, rep); err != nil {
			return fmt.Errorf("health run at %s: %w", tick.Format(time.RFC3339), err)
		}
		return nil
	})
}
