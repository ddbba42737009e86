package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/embodied-community/embodied/internal/app"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/logging"
)

func init() {
	register("run", "run the bot (default)", func(args []string, stdout, stderr io.Writer) error {
		fs := flags("run", "run\n\nRuns the bot until SIGINT or SIGTERM. Configuration comes from the environment\n(and ./.env); variables and defaults:\n\n"+config.Usage(), stdout)
		if err := parse(fs, args); err != nil {
			return err
		}
		cfg, err := config.Load(true)
		if sandboxFallback(err) {
			if cfg, err = config.Load(false); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "No DISCORD_TOKEN (or DISCORD_TOKEN_FILE) is set: starting the sandbox instead of the bot. Nothing reaches Discord; set DISCORD_TOKEN to run the real bot.")
			return runSandbox(cfg, "", stdout)
		}
		if err != nil {
			return err
		}
		logger, closer, err := newLogger(cfg, stderr)
		if err != nil {
			return err
		}
		defer closer.Close()
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return runBot(ctx, cfg, logger)
	})
}

// sandboxFallback reports whether `run` should start the sandbox: no token
// is configured at all, a database is (make run always sets DATABASE_URL),
// and this is not production. Otherwise the missing token stays an error
// (exit 2) naming DISCORD_TOKEN.
func sandboxFallback(err error) bool {
	var ve *config.ValidationError
	if !errors.As(err, &ve) || os.Getenv("DISCORD_TOKEN") != "" || os.Getenv("DISCORD_TOKEN_FILE") != "" ||
		os.Getenv("DATABASE_URL") == "" || strings.EqualFold(os.Getenv("APP_ENV"), string(config.EnvProduction)) {
		return false
	}
	for _, p := range ve.Problems {
		if p.Var == "DISCORD_TOKEN" {
			return true
		}
	}
	return false
}

// runBot runs the bot until ctx ends, recording every periodic health run
// for `embodied doctor --enforcement`.
func runBot(ctx context.Context, cfg *config.Config, logger *slog.Logger) error {
	a, err := app.Start(ctx, cfg, logger, app.Options{RecordHealthRuns: true})
	if err != nil {
		return err
	}
	<-ctx.Done()
	stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	return a.Stop(stopCtx)
}

// newLogger builds the process logger from the configuration and makes it
// the default.
func newLogger(cfg *config.Config, w io.Writer) (*slog.Logger, io.Closer, error) {
	logger, closer, err := logging.New(w, logging.Options{
		Format: cfg.LogFormat, Level: cfg.LogLevel, File: cfg.LogFile,
		MaxSizeMB: cfg.LogMaxSizeMB, MaxBackups: cfg.LogMaxBackups,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("set up logging: %w", err)
	}
	slog.SetDefault(logger)
	return logger, closer, nil
}
