package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/doctor"
)

func init() {
	register("doctor", "preflight checks before a rollout step (--enforcement: the gate before enforcing)", func(args []string, stdout, stderr io.Writer) error {
		fs := flags("doctor", "doctor [--enforcement] [--readme README.md] [--skip-discord]\n\nChecks the configuration for APP_ENV, the database, the migrations, pg_dump, the\nbackup directory, the Discord token and, in every guild, the bot's permissions and\nrole position. --enforcement adds the gate before SECOPS_ENFORCE_MODERATION=true.\nPrints PASS/WARN/FAIL with the fix for each; exits 1 when a check fails.", stdout)
		enforcement := fs.Bool("enforcement", false, "also check the safe-mode soak, smoke run, DMs, dry-run record and appeal process")
		readme := fs.String("readme", "README.md", "the file that documents the appeal process")
		skipDiscord := fs.Bool("skip-discord", false, "leave out the Discord token and guild checks")
		timeout := fs.Duration("timeout", 2*time.Minute, "bound on the whole run")
		if err := parse(fs, args); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return usagef("doctor takes no arguments")
		}
		cfg, loadErr := config.Load(!*skipDiscord)
		if loadErr != nil {
			var ve *config.ValidationError
			if !errors.As(loadErr, &ve) {
				return loadErr
			}
			// Check what can be checked without the missing values.
			cfg, _ = config.Load(false)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		ctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		rep := doctor.Run(ctx, doctor.Options{Config: cfg, ConfigErr: loadErr, Enforcement: *enforcement,
			Readme: *readme, SkipDiscord: *skipDiscord})
		rep.Print(stdout)
		if rep.Failed() {
			return errors.New("doctor: some checks failed")
		}
		return nil
	})
}
