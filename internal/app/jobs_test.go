package app_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/embodied-community/embodied/internal/app"
	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/config"
)

// backupTicks counts the scheduled backup ticks River has completed.
const backupTicks = `SELECT count(*) FROM river_job WHERE kind = 'periodic' AND args->>'name' = 'backup' AND state = 'completed'`

// Two processes on one database with a backup every 2 s make one backup
// per tick between them; with the first stopped, the second goes on alone,
// and a restarted first joins again.
func TestScheduledBackupOncePerTickAcrossProcesses(t *testing.T) {
	t.Parallel()
	every2s := func(c *config.Config) { c.EnableAutobackup = true; c.BackupCron = "@every 2s" }
	h1 := apptest.New(t, every2s)
	h2 := apptest.Start(t, apptest.Options{Beside: h1}, every2s)

	h1.Eventually("3 backup ticks", func() bool { return h1.Count(backupTicks) >= 3 })
	stop, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := h1.App.Stop(stop); err != nil {
		t.Fatal(err)
	}
	n := h2.Count(backupTicks)
	h2.Eventually("2 more ticks with the first process stopped", func() bool { return h2.Count(backupTicks) >= n+2 })

	var err error
	h1.App, err = app.Start(stop, h1.Cfg, slog.New(slog.DiscardHandler), app.Options{Now: h1.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	n = h2.Count(backupTicks)
	h2.Eventually("2 more ticks with both", func() bool { return h2.Count(backupTicks) >= n+2 })

	// One job per tick (River's unique key), one backup per job.
	if dup := h2.Count(`SELECT count(*) FROM (SELECT args->>'tick' FROM river_job WHERE kind = 'periodic'
		GROUP BY 1 HAVING count(*) > 1) d`); dup != 0 {
		t.Errorf("%d ticks have more than one job", dup)
	}
	done := h2.Count(backupTicks)
	h2.Eventually("an audit record per completed backup", func() bool {
		return h2.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'backup' AND details->>'trigger' = 'scheduled'`) >= done
	})
	ticks := h2.Count(`SELECT count(*) FROM river_job WHERE kind = 'periodic' AND args->>'name' = 'backup' AND state IN ('completed', 'running')`)
	if got := h2.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'backup' AND details->>'trigger' = 'scheduled'`); got > ticks {
		t.Errorf("%d scheduled backups for %d ticks", got, ticks)
	}
}
