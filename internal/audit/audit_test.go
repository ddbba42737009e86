package audit_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/storetest"
)

func entry(i int) audit.Entry {
	return audit.Entry{GuildID: "111111111111111111", ActionType: "adjust-xp", ActorID: "222222222222222222",
		TargetID: "333333333333333333", Reason: fmt.Sprintf("reason %d", i), Details: map[string]any{"n": i}}
}

func insert(t *testing.T, pool *pgxpool.Pool, e audit.Entry) {
	t.Helper()
	if err := store.New(pool).InTx(context.Background(), func(tx store.Tx) error { return tx.Audit(context.Background(), e) }); err != nil {
		t.Fatal(err)
	}
}

func verify(t *testing.T, pool *pgxpool.Pool) audit.VerifyResult {
	t.Helper()
	res, err := audit.Verify(context.Background(), pool)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestChainDetectsTampering(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		tamper     string
		wantSeq    int64
		wantReason string
	}{
		{"edited reason", `UPDATE audit_log SET reason = 'nothing happened' WHERE seq = 2`, 2, "actor, target, reason or details were changed"},
		{"edited target", `UPDATE audit_log SET target_id = '444444444444444444' WHERE seq = 3`, 3, "actor, target, reason or details were changed"},
		{"edited action", `UPDATE audit_log SET action_type = 'warn' WHERE seq = 2`, 2, "guild, action, time or hash were changed"},
		{"back-dated", `UPDATE audit_log SET created_at = created_at - interval '1 day' WHERE seq = 3`, 3, "guild, action, time or hash were changed"},
		{"deleted row", `DELETE FROM audit_log WHERE seq = 2`, 3, "sequence jumps from 1 to 3: rows were deleted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := storetest.New(t)
			for i := 0; i < 4; i++ {
				insert(t, db.App, entry(i))
			}
			if res := verify(t, db.App); !res.OK() || res.Rows != 4 {
				t.Fatalf("before tampering: %+v", res)
			}
			// A superuser can switch triggers off; the chain still tells.
			su := storetest.Pool(t, db.SuperuserURL(t))
			err := pgx.BeginFunc(context.Background(), su, func(tx pgx.Tx) error {
				if _, err := tx.Exec(context.Background(), `SET LOCAL session_replication_role = replica`); err != nil {
					return err
				}
				_, err := tx.Exec(context.Background(), tt.tamper)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			res := verify(t, db.App)
			if res.FirstBreak == nil {
				t.Fatal("tampering not detected")
			}
			got := []any{res.FirstBreak.Seq, res.FirstBreak.Reason}
			if diff := cmp.Diff([]any{tt.wantSeq, tt.wantReason}, got); diff != "" {
				t.Errorf("break mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAppendOnly(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	insert(t, db.App, entry(1))
	ctx := context.Background()
	for _, q := range []string{`UPDATE audit_log SET reason = 'x'`, `DELETE FROM audit_log`,
		`UPDATE security_audit_logs SET severity = 'low'`, `DELETE FROM security_audit_logs`} {
		// The application role has no UPDATE or DELETE grant…
		if _, err := db.App.Exec(ctx, q); !isCode(err, "42501") {
			t.Errorf("app role %q: err = %v, want permission denied", q, err)
		}
	}
	// …and even the owner is refused by the trigger.
	owner := storetest.Pool(t, db.OwnerURL)
	for _, q := range []string{`UPDATE audit_log SET reason = 'x'`, `DELETE FROM audit_log`} {
		_, err := owner.Exec(ctx, q)
		if !isCode(err, "42501") || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("owner %q: err = %v, want the append-only refusal", q, err)
		}
	}
}

func isCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

func TestChainValidWithConcurrentPools(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	second := storetest.Pool(t, db.AppURL)
	var wg sync.WaitGroup
	for _, pool := range []*pgxpool.Pool{db.App, second} {
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 25; i++ {
					if err := store.New(pool).InTx(context.Background(), func(tx store.Tx) error {
						return tx.Audit(context.Background(), entry(i))
					}); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	res := verify(t, db.App)
	if !res.OK() || res.Rows != 200 || res.LastSeq != 200 {
		t.Errorf("after concurrent writes: %+v (break %+v)", res, res.FirstBreak)
	}
}

func TestWriterBatchesAndFallsBackWithoutLossOrDuplicates(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	logger := slog.New(slog.DiscardHandler)
	path := filepath.Join(t.TempDir(), "audit-fallback.jsonl")

	// The database is unreachable: a pool to a closed port.
	down, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	defer down.Close()
	w, err := audit.NewWriter(store.New(down), path, logger, audit.Options{FlushInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	w.Start(context.Background())
	for i := 0; i < 30; i++ {
		w.Audit(entry(i))
		w.Security(audit.SecurityEvent{EventType: "permission_denied", GuildID: "111111111111111111", ActorID: "5", Attempted: "/security audit"})
	}
	if err := w.Flush(context.Background()); err == nil {
		t.Error("Flush reported no error while the database is down")
	}
	w.Stop(context.Background())
	if w.Backlog() != 60 {
		t.Fatalf("backlog = %d, want 60", w.Backlog())
	}
	saved, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	// The database is back: a new process replays the file.
	w2, err := audit.NewWriter(db.Store, path, logger, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w2.Backlog() != 60 {
		t.Fatalf("restarted writer sees backlog %d, want 60", w2.Backlog())
	}
	n, err := w2.Replay(context.Background())
	if err != nil || n != 60 {
		t.Fatalf("replay = %d, %v", n, err)
	}
	// A crash after the commit but before the file was emptied replays it
	// again: nothing is written twice.
	if err := os.WriteFile(path, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	w3, _ := audit.NewWriter(db.Store, path, logger, audit.Options{})
	if _, err := w3.Replay(context.Background()); err != nil {
		t.Fatal(err)
	}
	var audits, events int
	ctx := context.Background()
	db.App.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&audits)
	db.App.QueryRow(ctx, `SELECT count(*) FROM security_audit_logs`).Scan(&events)
	if audits != 30 || events != 30 {
		t.Errorf("rows after replays: %d audit, %d security, want 30 and 30", audits, events)
	}
	// Order is kept: reasons come back in the order they were written.
	rows, _ := db.App.Query(ctx, `SELECT reason FROM audit_log ORDER BY seq`)
	reasons, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range reasons {
		if r != fmt.Sprintf("reason %d", i) {
			t.Fatalf("row %d has %q: order lost", i, r)
		}
	}
	if res := verify(t, db.App); !res.OK() {
		t.Errorf("chain after replay: %+v", res.FirstBreak)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("fallback file not emptied: %v", err)
	}
}

func TestWriterBatchesInFewStatements(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	w, err := audit.NewWriter(db.Store, filepath.Join(t.TempDir(), "f.jsonl"), slog.New(slog.DiscardHandler),
		audit.Options{FlushInterval: time.Hour, BatchSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	w.Start(context.Background())
	defer w.Stop(context.Background())
	for i := 0; i < 2000; i++ {
		w.Security(audit.SecurityEvent{EventType: "permission_denied", Attempted: "/security audit"})
	}
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n int
	db.App.QueryRow(context.Background(), `SELECT count(*) FROM security_audit_logs`).Scan(&n)
	if n != 2000 {
		t.Fatalf("%d events stored, want 2000", n)
	}
	// Rows written by one transaction share its xmin: one or two batches
	// (a flush takes whatever is queued), not 2000 commits.
	var txs int
	db.App.QueryRow(context.Background(), `SELECT count(DISTINCT xmin::text) FROM security_audit_logs`).Scan(&txs)
	if txs < 1 || txs > 2 {
		t.Errorf("2000 events written in %d transactions, want at most 2 batches", txs)
	}
}
