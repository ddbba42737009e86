package audit_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/storetest"
)

const otherGuild = "444444444444444444"

// otherGuildBan is a ban record of another guild that shares a batch with
// a bad record.
func otherGuildBan() audit.Entry {
	return audit.Entry{GuildID: otherGuild, ActionType: "ban", ActorID: "555555555555555555",
		TargetID: "666666666666666666", Reason: "raid", Details: map[string]any{"phase": "outcome"}}
}

// A record the database refuses is set aside alone: the other records of
// its batch, from any guild, land in order; the refused one is kept in the
// set-aside file with the database's error, counted and reported.
func TestWriterSetsAsideOnlyTheBadRecord(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		bad     func(w *audit.Writer)
		wantErr string
	}{
		{"severity outside the CHECK", func(w *audit.Writer) {
			w.Security(audit.SecurityEvent{EventType: "permission_denied", Severity: "urgent", Attempted: "/security audit"})
		}, "23514"},
		{"action type outside the CHECK", func(w *audit.Writer) {
			e := entry(1)
			e.ActionType = "Not An Action"
			w.Audit(e)
		}, "23514"},
		{"security event type outside the CHECK", func(w *audit.Writer) {
			w.Security(audit.SecurityEvent{EventType: "Bad Type", Attempted: "/security audit"})
		}, "23514"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := storetest.New(t)
			path := filepath.Join(t.TempDir(), "audit-fallback.jsonl")
			var reported []int
			w, err := audit.NewWriter(db.Store, path, slog.New(slog.DiscardHandler), audit.Options{
				FlushInterval: time.Hour, OnSetAside: func(n int) { reported = append(reported, n) }})
			if err != nil {
				t.Fatal(err)
			}
			w.Start(context.Background())
			defer w.Stop(context.Background())
			w.Audit(entry(0))
			tt.bad(w)
			w.Audit(otherGuildBan())
			w.Security(audit.SecurityEvent{EventType: "permission_denied", GuildID: otherGuild, ActorID: "5", Attempted: "/security ban"})
			w.Audit(entry(2))
			if err := w.Flush(context.Background()); err != nil {
				t.Logf("flush: %v", err)
			}

			ctx := context.Background()
			rows, _ := db.App.Query(ctx, `SELECT guild_id || ' ' || action_type FROM audit_log ORDER BY seq`)
			got, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"111111111111111111 adjust-xp", otherGuild + " ban", "111111111111111111 adjust-xp"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("audit_log mismatch (-want +got):\n%s", diff)
			}
			if n := count(t, db, `SELECT count(*) FROM security_audit_logs WHERE guild_id = $1`, otherGuild); n != 1 {
				t.Errorf("%d security events of the other guild stored, want 1", n)
			}
			if res := verify(t, db.App); !res.OK() {
				t.Errorf("chain: %+v", res.FirstBreak)
			}

			// The bad record is kept, with why, and counted.
			kept, err := audit.ReadSetAside(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(kept) != 1 {
				t.Fatalf("%d records set aside, want 1: %+v", len(kept), kept)
			}
			if !strings.Contains(kept[0].Error, tt.wantErr) {
				t.Errorf("set-aside error %q does not say %q", kept[0].Error, tt.wantErr)
			}
			if diff := cmp.Diff([]int{1}, reported); diff != "" {
				t.Errorf("OnSetAside calls mismatch (-want +got):\n%s", diff)
			}
			if w.SetAside() != 1 {
				t.Errorf("SetAside() = %d, want 1", w.SetAside())
			}
			// A restarted writer still counts it: set-aside records are never
			// deleted.
			w2, err := audit.NewWriter(db.Store, path, slog.New(slog.DiscardHandler), audit.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if w2.SetAside() != 1 {
				t.Errorf("after restart SetAside() = %d, want 1", w2.SetAside())
			}
		})
	}
}

func count(t *testing.T, db *storetest.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.App.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// A crash in the middle of an append leaves a torn last line; records
// appended after the restart follow it. Every whole record is replayed,
// exactly once and in order; the torn line is quarantined, not lost, and the
// file is removed only once every line is stored or quarantined.
func TestFallbackSurvivesATornLine(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	logger := slog.New(slog.DiscardHandler)
	path := filepath.Join(t.TempDir(), "audit-fallback.jsonl")
	down := unreachable(t)

	// First process: one record reaches the file, then the process dies in
	// the middle of appending the next one.
	w1, err := audit.NewWriter(store.New(down), path, logger, audit.Options{FlushInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	w1.Start(context.Background())
	w1.Audit(entry(0))
	_ = w1.Flush(context.Background())
	w1.Stop(context.Background())
	line, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	torn := line[:len(line)/2]
	appendBytes(t, path, torn)

	// Second process, still without the database: two more records.
	w2, err := audit.NewWriter(store.New(down), path, logger, audit.Options{FlushInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	w2.Start(context.Background())
	w2.Audit(entry(1))
	w2.Audit(entry(2))
	_ = w2.Flush(context.Background())
	w2.Stop(context.Background())

	// Third process: the database is back.
	var quarantined []int
	w3, err := audit.NewWriter(db.Store, path, logger, audit.Options{OnSetAside: func(n int) { quarantined = append(quarantined, n) }})
	if err != nil {
		t.Fatal(err)
	}
	if w3.Backlog() != 3 {
		t.Errorf("backlog = %d, want 3", w3.Backlog())
	}
	n, err := w3.Replay(context.Background())
	if err != nil || n != 3 {
		t.Errorf("replay = %d, %v; want 3, nil", n, err)
	}
	// A second replay (a crash before the file was removed) adds nothing.
	if _, err := w3.Replay(context.Background()); err != nil {
		t.Fatal(err)
	}
	rows, _ := db.App.Query(context.Background(), `SELECT reason FROM audit_log ORDER BY seq`)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"reason 0", "reason 1", "reason 2"}, got); diff != "" {
		t.Errorf("audit_log mismatch (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("fallback file not removed after every line was stored or quarantined: %v", err)
	}
	kept, err := audit.ReadSetAside(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 1 || kept[0].Raw != string(torn) {
		t.Errorf("quarantined = %+v, want the torn line %q", kept, torn)
	}
	if diff := cmp.Diff([]int{1}, quarantined); diff != "" {
		t.Errorf("OnSetAside calls mismatch (-want +got):\n%s", diff)
	}
}

// unreachable is a pool to a closed port: the database is down.
func unreachable(t *testing.T) *pgxpool.Pool {
	t.Helper()
	down, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(down.Close)
	return down
}

func appendBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
