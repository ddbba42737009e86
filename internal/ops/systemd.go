package ops

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"

	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/service"
)

// NotifyReady tells systemd (Type=notify) that the bot is up: call it once
// the database is reachable and the gateway connected. Outside systemd it
// does nothing.
func NotifyReady() error { return notify(daemon.SdNotifyReady) }

// NotifyStopping tells systemd that a graceful shutdown has begun.
func NotifyStopping() error { return notify(daemon.SdNotifyStopping) }

// NotifyStatus sets the one-line status `systemctl status` shows.
func NotifyStatus(status string) error { return notify("STATUS=" + status) }

func notify(state string) error {
	if _, err := daemon.SdNotify(false, state); err != nil {
		return fmt.Errorf("sd_notify %s: %w", state, err)
	}
	return nil
}

// Watchdog feeds the systemd watchdog (WatchdogSec=) only while the bot is
// healthy, so that systemd restarts a bot that is stuck or has lost its
// database or gateway for longer than the watchdog period.
type Watchdog struct {
	log     *slog.Logger
	healthy func(ctx context.Context) error
	// interval overrides the period systemd asks for (WATCHDOG_USEC / 2).
	interval time.Duration

	// StartStop gives the watchdog its Stop, which ends the feeding and
	// waits for the loop.
	service.StartStop
}

// NewWatchdog returns a watchdog asking healthy before each feed;
// health.Checker.Healthy fits.
func NewWatchdog(logger *slog.Logger, healthy func(ctx context.Context) error) *Watchdog {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Watchdog{log: logging.Component(logger, "Watchdog"), healthy: healthy}
}

// Start begins feeding at half the watchdog period systemd set. Without a
// watchdog (not under systemd, or no WatchdogSec) it does nothing.
func (w *Watchdog) Start(ctx context.Context) error {
	period, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		return fmt.Errorf("read systemd watchdog settings: %w", err)
	}
	interval := w.interval
	if interval == 0 {
		interval = period / 2
	}
	if period == 0 || interval <= 0 {
		return nil
	}
	ctx, stopped, err := w.StartInit(ctx)
	if err != nil {
		return fmt.Errorf("systemd watchdog: %w", err)
	}
	w.log.Info("Systemd watchdog enabled", "periodSeconds", period.Seconds())
	go func() {
		defer stopped()
		w.loop(ctx, interval)
	}()
	return nil
}

func (w *Watchdog) loop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	failing := false
	for {
		w.tick(ctx, &failing, interval)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// tick feeds once if healthy; it logs only on a change, not every tick.
func (w *Watchdog) tick(ctx context.Context, failing *bool, timeout time.Duration) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := w.healthy(cctx); err != nil {
		if !*failing {
			w.log.Warn("Unhealthy: not feeding the systemd watchdog", "error", err)
		}
		*failing = true
		return
	}
	if *failing {
		w.log.Info("Healthy again: feeding the systemd watchdog")
	}
	*failing = false
	if err := notify(daemon.SdNotifyWatchdog); err != nil {
		w.log.Warn("Feeding the systemd watchdog failed", "error", err)
	}
}
