// Package rollout keeps the records the enforcement gate reads: one row per
// periodic health check run (the safe-mode soak of the rollout guide) and one
// per `embodied smoke` run. The bot writes health runs with a Recorder, the
// smoke command writes its runs, and `embodied doctor --enforcement` reads
// both and judges the soak with CurrentSoak. The rows and their SQL live in
// the store (store/rollout.go).
package rollout

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/embodied-community/embodied/internal/health"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/service"
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
	// Interval is the health check interval; the recorder looks for a new
	// report four times per interval.
	Interval time.Duration
	Enforce  bool
	Env      string
	// Logger is tagged with the HealthCheck component here.
	Logger *slog.Logger
}

// Recorder stores every new periodic health report. It polls the checker's
// Snapshot, so the health package needs no hook.
type Recorder struct {
	store    *store.Store
	snapshot func() *health.Report
	o        RecorderOptions

	// StartStop gives the recorder its Stop, which ends the polling and
	// waits for it.
	service.StartStop

	mu   sync.Mutex
	last time.Time
}

// NewRecorder returns a Recorder of snapshot's reports; call Start.
func NewRecorder(st *store.Store, snapshot func() *health.Report, o RecorderOptions) *Recorder {
	if o.Interval <= 0 {
		o.Interval = 5 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.Logger = logging.Component(o.Logger, "HealthCheck")
	return &Recorder{store: st, snapshot: snapshot, o: o}
}

// Start polls until ctx ends or Stop is called.
func (r *Recorder) Start(ctx context.Context) error {
	ctx, stopped, err := r.StartInit(ctx)
	if err != nil {
		return fmt.Errorf("health run recorder: %w", err)
	}
	every := min(max(r.o.Interval/4, 100*time.Millisecond), time.Minute)
	go func() {
		defer stopped()
		service.Every(ctx, every, func(ctx context.Context) {
			if err := r.runOnce(ctx); err != nil && ctx.Err() == nil {
				r.o.Logger.Warn("Health run not recorded", "error", err)
			}
		})
	}()
	return nil
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
	if err := r.store.RecordHealthRun(ctx, run); err != nil {
		return err
	}
	r.mu.Lock()
	r.last = rep.At
	r.mu.Unlock()
	return nil
}
