package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/embodied-community/embodied/internal/metrics"
)

// setAsideAlerts counts the audit records the writer sets aside and raises
// an owner alert for them. The writer reports on its own goroutine, which
// must never wait on Discord, so the alert is sent from run: one message
// for whatever was set aside since the last, at most one a minute.
type setAsideAlerts struct {
	metrics *metrics.Metrics
	pending atomic.Int64
	wake    chan struct{}
}

func newSetAsideAlerts(m *metrics.Metrics) *setAsideAlerts {
	return &setAsideAlerts{metrics: m, wake: make(chan struct{}, 1)}
}

// add is the audit writer's OnSetAside.
func (s *setAsideAlerts) add(n int) {
	s.metrics.AuditSetAside(n)
	s.pending.Add(int64(n))
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run sends the alerts until ctx ends; total is the number kept so far.
func (s *setAsideAlerts) run(ctx context.Context, notify func(context.Context, string) error, total func() int, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		}
		n := s.pending.Swap(0)
		if n == 0 {
			continue
		}
		sendCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := notify(sendCtx, SetAsideAlert(int(n), total()))
		cancel()
		if err != nil {
			log.Error("Audit set-aside alert not delivered", "count", n, "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Minute):
		}
	}
}

// SetAsideAlert is the owners' alert for n audit records set aside, total
// being kept in all.
func SetAsideAlert(n, total int) string {
	return fmt.Sprintf("🚨 CRITICAL: %d audit or security record(s) could not be stored and were set aside (%d kept in all). "+
		"Action: run `embodied audit rejected` on the bot's host to see them and why.", n, total)
}
