package backup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/storetest"
)

func TestMain(m *testing.M) {
	if helper := os.Getenv("BACKUP_TEST_HELPER"); helper != "" {
		os.Exit(runHelper(helper))
	}
	goleak.VerifyTestMain(m)
}

// newEngine returns an engine backing up db into a fresh directory, with
// the cluster's schema owner as admin.
func newEngine(t testing.TB, db *storetest.DB, change func(*Options)) *Engine {
	t.Helper()
	_, owner := storetest.URLs(t)
	opts := Options{
		Dir:         filepath.Join(t.TempDir(), "backups"),
		Retention:   30 * 24 * time.Hour,
		DatabaseURL: db.OwnerURL,
		AdminURL:    owner,
	}
	if change != nil {
		change(&opts)
	}
	e, err := New(opts, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

// seed fills db with members, audit entries, warnings and a table of
// awkward values (tabs, newlines, backslashes, NULLs, bytes, non-ASCII).
func seed(t testing.TB, db *storetest.DB) {
	t.Helper()
	ctx := context.Background()
	for i := range 25 {
		if _, err := db.Store.AddXP(ctx, "100000000000000001", fmt.Sprintf("2000000000000000%02d", i), int64(50*i)); err != nil {
			t.Fatalf("add XP: %v", err)
		}
	}
	owner := storetest.Pool(t, db.OwnerURL)
	for i := range 40 {
		addAudit(t, owner, "adjust-xp", fmt.Sprintf("reason %d\twith tab\nand newline \\ backslash", i))
	}
	for i := range 7 {
		addWarning(t, owner, fmt.Sprintf("3000000000000000%02d", i), "Test warning ✓")
	}
	mustExec(t, owner, `CREATE TABLE public.odd_values (id int PRIMARY KEY, t text, b bytea, j jsonb, n numeric)`)
	mustExec(t, owner, `INSERT INTO public.odd_values VALUES
		(1, E'a\tb\nc\\d', '\x00ff10'::bytea, '{"k": [1, "é", null]}', 1.5),
		(2, NULL, NULL, NULL, NULL),
		(3, 'Zoë 🚀 \.', ''::bytea, '[]', -0.000001)`)
	mustExec(t, owner, `CREATE SCHEMA "Odd ""Schema"""`)
	mustExec(t, owner, `CREATE TABLE "Odd ""Schema"""."Events.2025" (id int, at date) PARTITION BY RANGE (at)`)
	mustExec(t, owner, `CREATE TABLE "Odd ""Schema"""."Events.2025 H1" PARTITION OF "Odd ""Schema"""."Events.2025" FOR VALUES FROM ('2025-01-01') TO ('2025-07-01')`)
	mustExec(t, owner, `CREATE TABLE "Odd ""Schema"""."Events.2025 H2" PARTITION OF "Odd ""Schema"""."Events.2025" FOR VALUES FROM ('2025-07-01') TO ('2026-01-01')`)
	mustExec(t, owner, `INSERT INTO "Odd ""Schema"""."Events.2025" SELECT g, date '2025-01-01' + g FROM generate_series(0, 300) g`)
}

func addAudit(t testing.TB, p *pgxpool.Pool, action, reason string) {
	t.Helper()
	mustExec(t, p, `INSERT INTO audit_log (guild_id, action_type, actor_id, target_id, reason, details)
		VALUES ('100000000000000001', $1, '400000000000000001', '400000000000000002', $2, '{"xp": 100}')`, action, reason)
}

func addWarning(t testing.TB, p *pgxpool.Pool, user, reason string) {
	t.Helper()
	mustExec(t, p, `INSERT INTO user_warnings (guild_id, user_id, moderator_id, reason)
		VALUES ('100000000000000001', $1, '400000000000000001', $2)`, user, reason)
}

func mustExec(t testing.TB, p *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := p.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
}

// tableSums returns every table's row count and a checksum of its content.
func tableSums(t testing.TB, connURL string) map[string]string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, connURL)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer c.Close(ctx)
	counts, err := countRows(ctx, c)
	if err != nil {
		t.Fatalf("count rows: %v", err)
	}
	out := map[string]string{}
	for name, n := range counts {
		var sum string
		id := pgx.Identifier{name[:indexDot(name)], name[indexDot(name)+1:]}
		if err := c.QueryRow(ctx, "SELECT COALESCE(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM "+id.Sanitize()+" t").Scan(&sum); err != nil {
			t.Fatalf("checksum %s: %v", name, err)
		}
		out[name] = fmt.Sprintf("%d rows md5 %s", n, sum)
	}
	return out
}

func indexDot(s string) int {
	for i := range len(s) {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

// dropDatabase drops a database the test created, when the test ends.
func dropDatabase(t testing.TB, name string) {
	t.Helper()
	t.Cleanup(func() {
		_, owner := storetest.URLs(t)
		ctx := context.Background()
		c, err := pgx.Connect(ctx, owner)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
}

func randomName(prefix string) string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// script writes an executable shell script and returns its path.
func script(t testing.TB, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func realPgDump(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("pg_dump")
	if err != nil {
		t.Fatalf("pg_dump not on PATH (run the tests with scripts/with-db.sh): %v", err)
	}
	return p
}

// dirNames lists a directory's entries (none when it does not exist).
func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}
