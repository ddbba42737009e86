package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
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
		return app.Run(ctx, cfg, logger)
	})
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
