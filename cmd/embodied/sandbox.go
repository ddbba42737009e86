package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/sandbox"
)

func init() {
	register("sandbox", "try the bot without Discord: local emulator, sample guild, console", func(args []string, stdout, stderr io.Writer) error {
		fs := flags("sandbox", "sandbox [--script FILE]\n\nRuns the bot against a built-in Discord emulator with a sample guild (owner, admin,\nmoderator, alice, bob) on the configured database, and a console where you type slash\ncommands as any member. Nothing reaches Discord. `make run` without DISCORD_TOKEN\nstarts it with a throwaway database.", stdout)
		script := fs.String("script", "", "read console lines from FILE instead of the terminal")
		if err := parse(fs, args); err != nil {
			return err
		}
		cfg, err := config.Load(false)
		if err != nil {
			return err
		}
		return runSandbox(cfg, *script, stdout)
	})
}

// runSandbox starts the sandbox world and its console on stdin (or script).
func runSandbox(cfg *config.Config, script string, stdout io.Writer) error {
	if cfg.Env == config.EnvProduction {
		return usagef("sandbox: APP_ENV=production: the sandbox writes sample members into the database; use a dev database")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var logs io.Writer
	if cfg.LogFile != "" {
		f, err := os.OpenFile(cfg.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("open LOG_FILE: %w", err)
		}
		defer f.Close()
		logs = f
	}
	fmt.Fprintln(stdout, "Starting the sandbox (bot + local Discord emulator)…")
	w, err := sandbox.Start(ctx, cfg, sandbox.Options{LogOutput: logs})
	if err != nil {
		return fmt.Errorf("start the sandbox: %w", err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		_ = w.Stop(stopCtx)
	}()
	c := sandbox.NewConsole(w, stdout)
	c.Banner()
	if script != "" {
		f, err := os.Open(script)
		if err != nil {
			return fmt.Errorf("open script: %w", err)
		}
		defer f.Close()
		return c.Run(ctx, f)
	}
	return c.Interactive(ctx, os.Stdin)
}
