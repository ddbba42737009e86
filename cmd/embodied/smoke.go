package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/smoke"
)

func init() {
	register("smoke", "run the rollout guide's eight smoke tests against the sandbox", func(args []string, stdout, stderr io.Writer) error {
		fs := flags("smoke", "smoke [--only 1,5] [--health-interval 1s] [--no-record]\n\nRuns the rollout guide's smoke tests in order, each against a fresh sandbox (the bot\non a local Discord emulator, nothing reaches Discord) on the configured database, with\nthe guide's environment variables per test. Prints PASS/FAIL with what was expected\nand seen, records the run for `embodied doctor --enforcement`, and exits 0 only when\nevery test passed.", stdout)
		only := fs.String("only", "", "comma-separated test numbers to run (default all)")
		interval := fs.Duration("health-interval", time.Second, "SECOPS_HEALTHCHECK_INTERVAL for test 8")
		noRecord := fs.Bool("no-record", false, "do not record the run in the database")
		if err := parse(fs, args); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return usagef("smoke takes no arguments")
		}
		opts := smoke.Options{HealthInterval: *interval, NoRecord: *noRecord}
		if *only != "" {
			for _, f := range strings.Split(*only, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(f))
				if err != nil || n < 1 || n > 8 {
					return usagef("smoke: --only %q: use test numbers 1 to 8", *only)
				}
				opts.Only = append(opts.Only, n)
			}
		}
		if *interval < 100*time.Millisecond || *interval > time.Minute {
			return usagef("smoke: --health-interval %s: use 100ms to 1m", *interval)
		}
		cfg, err := config.Load(false)
		if err != nil {
			return err
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		run, err := smoke.Run(ctx, cfg, stdout, opts)
		if err != nil {
			return err
		}
		if !run.Passed {
			return fmt.Errorf("smoke: %d of %d tests failed", run.Failed, run.Total)
		}
		return nil
	})
}
