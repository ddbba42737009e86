package backup

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/service"
)

// SchedulerOptions configures a Scheduler.
type SchedulerOptions struct {
	// Spec is a standard 5-field cron spec ("0 3 * * *"), optionally
	// prefixed with CRON_TZ=Zone; server time by default.
	Spec string
	// Timeout bounds one run (default 6 hours).
	Timeout time.Duration
	// Drill also restores every scheduled backup into a scratch database
	// and compares row counts (Verify with restore).
	Drill bool
	// Report handles every scheduled run's outcome, successful or not
	// (metrics, audit record, owner alerts); nil handles none. A panic in a
	// run is reported as an error.
	Report *Reporter
}

// Scheduler runs the engine's backups on a cron schedule. A run that is due
// while the previous one still runs is skipped. Start runs the schedule in
// this process (robfig/cron); with several processes on one database, the
// app's job runner (internal/jobs) drives the schedule instead, once per
// tick across them, and calls Run at each tick.
type Scheduler struct {
	engine   *Engine
	opts     SchedulerOptions
	schedule cron.Schedule
	logger   *slog.Logger

	// backup makes one scheduled backup; tests replace it.
	backup func(ctx context.Context) (Result, error)

	running atomic.Bool

	// StartStop gives the scheduler its Stop, which stops the schedule,
	// cancels a running backup (which then leaves nothing behind) and waits
	// for it to end.
	service.StartStop
}

// NewScheduler checks the spec and returns a stopped Scheduler.
func NewScheduler(e *Engine, opts SchedulerOptions, logger *slog.Logger) (*Scheduler, error) {
	schedule, err := cron.ParseStandard(opts.Spec)
	if err != nil {
		return nil, fmt.Errorf("backup schedule %q: %w", opts.Spec, err)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 6 * time.Hour
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Scheduler{engine: e, opts: opts, schedule: schedule, logger: logging.Component(logger, "Backup")}
	s.backup = s.scheduledBackup
	return s, nil
}

// Next returns when the next scheduled backup is due after t.
func (s *Scheduler) Next(t time.Time) time.Time { return s.schedule.Next(t) }

// Start runs backups on the schedule until ctx ends or Stop is called.
func (s *Scheduler) Start(ctx context.Context) error {
	ctx, stopped, err := s.StartInit(ctx)
	if err != nil {
		return fmt.Errorf("backup scheduler: %w", err)
	}
	c := cron.New()
	c.Schedule(s.schedule, cron.FuncJob(func() { s.runOnce(ctx) }))
	c.Start()
	go func() {
		defer stopped()
		<-ctx.Done()
		<-c.Stop().Done()
	}()
	s.logger.Info("Backups scheduled", "cron", s.opts.Spec, "next", s.Next(time.Now()).Format(time.RFC3339))
	return nil
}

// Run makes one scheduled backup now, reported as a tick of the schedule
// is: the job runner calls it at each tick it owns.
func (s *Scheduler) Run(ctx context.Context) { s.runOnce(ctx) }

// Timeout bounds one run.
func (s *Scheduler) Timeout() time.Duration { return s.opts.Timeout }

// LogSchedule logs the schedule as Start does, for a schedule that the job
// runner drives.
func (s *Scheduler) LogSchedule() {
	s.logger.Info("Backups scheduled", "cron", s.opts.Spec, "next", s.Next(time.Now()).Format(time.RFC3339), "runner", "jobs")
}

// runOnce makes one scheduled backup (and drill) and reports it through
// Report. It returns at once when the previous run is still going.
func (s *Scheduler) runOnce(ctx context.Context) {
	if !s.running.CompareAndSwap(false, true) {
		s.logger.Warn("Skipping the scheduled backup: the previous one is still running")
		return
	}
	defer s.running.Store(false)
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	res, err := s.protected(ctx)
	if s.opts.Report != nil {
		if aerr := s.opts.Report.Report(ctx, Outcome{Trigger: TriggerScheduled, Result: res, Err: err}); aerr != nil {
			s.logger.Error("Scheduled backup not audited", "error", aerr)
		}
	}
}

// protected runs the backup and turns a panic into an error.
func (s *Scheduler) protected(ctx context.Context) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("scheduled backup panicked: %v", p)
			s.logger.Error("Scheduled backup panicked", "error", err, "stack", string(debug.Stack()))
		}
	}()
	return s.backup(ctx)
}

// scheduledBackup runs the backup and, when configured, its restore drill.
func (s *Scheduler) scheduledBackup(ctx context.Context) (Result, error) {
	res, err := s.engine.Run(ctx, Request{Trigger: TriggerScheduled})
	if err != nil || !s.opts.Drill {
		return res, err
	}
	if _, err := s.engine.Verify(ctx, res.File, true); err != nil {
		return res, fmt.Errorf("restore drill of %s: %w", res.File, err)
	}
	return res, nil
}
