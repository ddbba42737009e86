// Package smoke runs the rollout guide's eight smoke tests, in order, against
// the sandbox: the real bot wired to the in-process Discord emulator and the
// configured database, each test with the guide's environment variables. It
// prints PASS or FAIL per test with what was expected and what was seen, and
// records the run for `embodied doctor --enforcement`.
//
// A test whose slash command the bot does not register fails with "command
// not available": a missing feature is never reported as a pass.
package smoke

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/rollout"
	"github.com/embodied-community/embodied/internal/sandbox"
	"github.com/embodied-community/embodied/internal/store"
)

// Options configures a run.
type Options struct {
	// HealthInterval is test 8's SECOPS_HEALTHCHECK_INTERVAL (default 1s).
	HealthInterval time.Duration
	// Only runs the tests with these numbers (1-8); empty runs all.
	Only []int
	// NoRecord skips recording the run in smoke_runs.
	NoRecord bool
}

// Test is one smoke test of the rollout guide.
type Test struct {
	Number int
	Name   string
	// Env is the guide's environment for the test, applied on top of the
	// development settings.
	Env []string
	// Commands are the slash commands the test needs.
	Commands []string
	// Expected says what the guide expects, as printed.
	Expected string

	manualClock bool
	run         func(ctx context.Context, t *runner) error
}

// devEnv is the rollout guide's development environment, which the smoke
// protocol runs under ("Run these in order with dev/staging env vars").
var devEnv = []string{"SECOPS_ENABLE_HEALTHCHECKS=false", "SECOPS_ENABLE_AUTOBACKUP=false", "SECOPS_ENFORCE_MODERATION=false"}

// Run runs the tests in order, printing to out, and returns the run (also
// recorded in smoke_runs unless NoRecord). The error is for failures to
// run at all; failed tests are in the result.
func Run(ctx context.Context, cfg *config.Config, out io.Writer, opts Options) (rollout.SmokeRun, error) {
	if opts.HealthInterval <= 0 {
		opts.HealthInterval = time.Second
	}
	run := rollout.SmokeRun{StartedAt: time.Now()}
	fmt.Fprintln(out, "Smoke tests of the rollout guide, against the sandbox (local Discord emulator; nothing reaches Discord).")
	for _, t := range Tests(opts.HealthInterval) {
		if len(opts.Only) > 0 && !contains(opts.Only, t.Number) {
			continue
		}
		res := runTest(ctx, cfg, t)
		run.Results = append(run.Results, res)
		run.Total++
		status := "PASS"
		if !res.Passed {
			status = "FAIL"
			run.Failed++
		}
		fmt.Fprintf(out, "%s  %s  (%s)\n      expected: %s\n      seen:     %s\n", status, res.Name, strings.Join(t.Environment(), " "),
			indent(res.Expected), indent(res.Seen))
		if ctx.Err() != nil {
			return run, ctx.Err()
		}
	}
	run.FinishedAt = time.Now()
	run.Passed = run.Failed == 0 && run.Total > 0
	fmt.Fprintf(out, "%d passed, %d failed\n", run.Total-run.Failed, run.Failed)
	if !opts.NoRecord {
		if err := record(ctx, cfg, run); err != nil {
			return run, err
		}
	}
	return run, nil
}

func record(ctx context.Context, cfg *config.Config, run rollout.SmokeRun) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	pool, err := store.Open(ctx, cfg.DatabaseURL, cfg.DBPassword.Reveal())
	if err != nil {
		return err
	}
	defer pool.Close()
	return store.New(pool).RecordSmokeRun(ctx, run)
}

// runTest starts a fresh sandbox with the test's environment and runs it.
func runTest(ctx context.Context, base *config.Config, t Test) rollout.SmokeResult {
	res := rollout.SmokeResult{Name: fmt.Sprintf("Test %d: %s", t.Number, t.Name), Expected: t.Expected}
	cfg := *base
	for _, kv := range t.Environment() {
		apply(&cfg, kv)
	}
	cfg.LogLevel = "info"
	opts := sandbox.Options{}
	if t.manualClock {
		opts.Clock = discordsim.NewManualClock(time.Now().UTC().Truncate(time.Second))
	}
	startCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	w, err := sandbox.Start(startCtx, &cfg, opts)
	if err != nil {
		res.Seen = "the sandbox did not start: " + err.Error()
		return res
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		_ = w.Stop(stopCtx)
	}()
	for _, c := range t.Commands {
		if !w.HasCommand(c) {
			res.Seen = "command not available: the bot does not register " + c
			return res
		}
	}
	r := &runner{w: w, cfg: &cfg}
	runCtx, cancelRun := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelRun()
	if err := t.run(runCtx, r); err != nil {
		res.Seen = strings.Join(append(r.seen, "✗ "+err.Error()), "; ")
		return res
	}
	res.Passed = true
	res.Seen = strings.Join(r.seen, "; ")
	return res
}

// Environment is the development settings with the test's own on top.
func (t Test) Environment() []string {
	out := append([]string{}, devEnv...)
	for _, kv := range t.Env {
		name, _, _ := strings.Cut(kv, "=")
		i := slices.IndexFunc(out, func(s string) bool { return strings.HasPrefix(s, name+"=") })
		if i >= 0 {
			out[i] = kv
		} else {
			out = append(out, kv)
		}
	}
	return out
}

// apply sets one of the guide's variables on cfg.
func apply(cfg *config.Config, kv string) {
	name, value, _ := strings.Cut(kv, "=")
	on := value == "true"
	switch name {
	case "SECOPS_ENABLE_HEALTHCHECKS":
		cfg.EnableHealthchecks = on
	case "SECOPS_ENABLE_AUTOBACKUP":
		cfg.EnableAutobackup = on
	case "SECOPS_ENFORCE_MODERATION":
		cfg.EnforceModeration = on
	case "SECOPS_HEALTHCHECK_INTERVAL":
		if d, err := time.ParseDuration(value); err == nil {
			cfg.HealthcheckInterval = d
		}
	}
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n                ") }
