package app_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/backup"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/lockdown"
)

// yieldShard has h's session give the emulator's one shard up to the next
// process's IDENTIFY instead of reconnecting and taking it back, which the
// two would do by turns until the end of the test. The jobs do not depend
// on the gateway.
func yieldShard(h *apptest.Harness) {
	s := h.App.Session
	s.Lock()
	s.ShouldReconnectOnError = false
	s.Unlock()
}

// backupTicks counts the scheduled backup ticks River has completed.
const backupTicks = `SELECT count(*) FROM river_job WHERE kind = 'periodic' AND args->>'name' = 'backup' AND state = 'completed'`

// Two processes on one database with a backup every 2 s make one backup
// per tick between them; with the first stopped, the second goes on alone.
func TestScheduledBackupOncePerTickAcrossProcesses(t *testing.T) {
	t.Parallel()
	every2s := func(c *config.Config) { c.EnableAutobackup = true; c.BackupCron = "@every 2s" }
	h1 := apptest.New(t, every2s)
	yieldShard(h1)
	h2 := apptest.Start(t, apptest.Options{Beside: h1}, every2s)

	h1.Eventually("3 backup ticks", func() bool { return h1.Count(backupTicks) >= 3 })
	stop, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := h1.App.Stop(stop); err != nil {
		t.Fatal(err)
	}
	n := h2.Count(backupTicks)
	h2.Eventually("2 more ticks with the first process stopped", func() bool { return h2.Count(backupTicks) >= n+2 })

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

// A timed lockdown's end is a job in the database: with the process that
// locked the channel stopped, the other process (which did not schedule it
// again at its start) lifts it when it is due, once.
func TestTimedLockdownLiftedByTheJobOnAnotherProcess(t *testing.T) {
	t.Parallel()
	h1 := lockdownWorld(t)
	before := everyone(h1, discordgo.PermissionEmbedLinks, 0)
	h1.Guild.SetOverwrite(h1.Guild.ChannelID, before)
	h1.Run(h1.Admin, "/security lockdown", discordsim.String("duration", "1h"))
	wantOverwrites(t, h1, "locked", h1.Guild.ChannelID, everyone(h1, discordgo.PermissionEmbedLinks, lockdown.Denied))
	yieldShard(h1)
	h2 := apptest.Start(t, apptest.Options{Beside: h1, LockdownInterval: 20 * time.Millisecond})

	stop, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := h1.App.Stop(stop); err != nil {
		t.Fatal(err)
	}
	if n := h2.Count(`SELECT count(*) FROM river_job WHERE kind = 'lift' AND args->>'what' = 'lockdown'`); n != 1 {
		t.Errorf("lift jobs: %d, want 1 (the restart must not schedule it again)", n)
	}
	h1.Clock.Advance(61 * time.Minute)
	h2.Eventually("the lockdown lifted by the job", func() bool {
		o := h2.Sim.Overwrites(h2.Guild.ChannelID)
		return len(o) == 1 && o[0] == before
	})
	h2.Eventually("the lift job completed", func() bool {
		return h2.Count(`SELECT count(*) FROM river_job WHERE kind = 'lift' AND state = 'completed'`) == 1
	})
	h2.Eventually("the unlock audited", func() bool {
		return h2.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'unlock-applied' AND actor_id = 'system'`) >= 1
	})
	if n := h2.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'unlock-applied'`); n != 1 {
		t.Errorf("unlock audit records: %d, want 1", n)
	}
}

// Retention runs as a job at start (and hourly): of four unlabelled backups
// older than the retention, the three newest are kept and the oldest goes.
func TestRetentionJobAtStart(t *testing.T) {
	t.Parallel()
	var dir string
	var names []string
	h := apptest.New(t, func(c *config.Config) {
		dir = c.BackupDir
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2025, 10, 7, 14, 30, 15, 0, time.UTC) // the harness's clock
		for days := 43; days >= 40; days-- {
			at := now.Add(-time.Duration(days) * 24 * time.Hour)
			name := backup.FileName("", at)
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(path, at, at); err != nil {
				t.Fatal(err)
			}
			names = append(names, name)
		}
	})
	h.Eventually("the retention job", func() bool {
		return h.Count(`SELECT count(*) FROM river_job WHERE kind = 'periodic' AND args->>'name' = 'retention' AND state = 'completed'`) == 1
	})
	var left []string
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			left = append(left, n)
		}
	}
	if diff := cmp.Diff(names[1:], left); diff != "" {
		t.Errorf("backups left mismatch (-want +got):\n%s", diff)
	}
}
