package schema_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/embodied-community/embodied/internal/schema"
	"github.com/embodied-community/embodied/internal/storetest"
)

func open(t *testing.T, connURL string) *schema.Migrator {
	t.Helper()
	m, err := schema.Open(connURL, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func verifyAll(t *testing.T, connURL string) (passed, failed int) {
	t.Helper()
	results, err := schema.Verify(context.Background(), storetest.Pool(t, connURL))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.OK {
			passed++
		} else {
			failed++
		}
	}
	return passed, failed
}

func TestUpVerifyDownUp(t *testing.T) {
	t.Parallel()
	db := storetest.Empty(t)
	var out strings.Builder
	m, err := schema.Open(db, "", &out)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	if err := m.Up(); err != nil {
		t.Fatal(err)
	}
	if v, dirty, _ := m.Version(); v != schema.Latest() || dirty {
		t.Fatalf("after up: version %d dirty %v, want %d clean", v, dirty, schema.Latest())
	}
	if !strings.Contains(out.String(), "  applied 10/u add_security_audit (") {
		t.Errorf("up did not print the migration's duration:\n%s", out.String())
	}
	if passed, failed := verifyAll(t, db); failed != 0 || passed != len(schema.Expected()) {
		t.Fatalf("verify after up: %d passed, %d failed", passed, failed)
	}

	if err := m.Down(0); err != nil {
		t.Fatal(err)
	}
	if passed, _ := verifyAll(t, db); passed != 0 {
		t.Errorf("verify after down: %d checks still pass, want none", passed)
	}
	if err := m.Up(); err != nil {
		t.Fatalf("up after down: %v", err)
	}
	if _, failed := verifyAll(t, db); failed != 0 {
		t.Errorf("verify after down+up: %d failed", failed)
	}
}

// Every up migration runs on its own with psql -f, in order, twice (safe
// to re-run), and leaves the schema migrate verify expects; 010 prints the
// seed's NOTICE.
func TestEveryMigrationWithPsqlAlone(t *testing.T) {
	t.Parallel()
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Fatal("psql is needed for this test (Debian: postgresql-client)")
	}
	db := storetest.Empty(t)
	u, _ := url.Parse(db)
	password, _ := u.User.Password()
	u.User = url.User(u.User.Username())
	files, err := filepath.Glob(filepath.Join("..", "..", "migrations", "*.up.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v %v", files, err)
	}
	sort.Strings(files)
	for run := 1; run <= 2; run++ {
		for _, file := range files {
			cmd := exec.Command(psql, "-X", "-v", "ON_ERROR_STOP=1", "-d", u.String(), "-f", file)
			cmd.Env = append(os.Environ(), "PGPASSWORD="+password)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("run %d: psql -f %s failed: %v\n%s", run, filepath.Base(file), err, out)
			}
			if strings.HasPrefix(filepath.Base(file), "010_") &&
				!strings.Contains(string(out), "NOTICE:  Migration 010_add_security_audit.sql completed successfully") {
				t.Errorf("run %d: psql output of 010 lacks the NOTICE:\n%s", run, out)
			}
		}
	}
	// River's tables come from its own migrator, which `migrate up` runs
	// after the files.
	if err := schema.RiverUp(context.Background(), storetest.Pool(t, db), nil); err != nil {
		t.Fatal(err)
	}
	if passed, failed := verifyAll(t, db); failed != 0 {
		t.Errorf("after psql -f of every migration: %d checks passed, %d failed", passed, failed)
	}
}

func TestConcurrentUp(t *testing.T) {
	t.Parallel()
	db := storetest.Empty(t)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, err := schema.Open(db, "", nil)
			if err != nil {
				errs[i] = err
				return
			}
			defer m.Close()
			errs[i] = m.Up()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("migrator %d: %v", i, err)
		}
	}
	if v, dirty, err := open(t, db).Version(); err != nil || v != schema.Latest() || dirty {
		t.Errorf("version %d dirty %v err %v, want %d clean", v, dirty, err, schema.Latest())
	}
	if _, failed := verifyAll(t, db); failed != 0 {
		t.Errorf("verify after concurrent up: %d failed", failed)
	}
}

func TestCheckCurrent(t *testing.T) {
	t.Parallel()
	db := storetest.Empty(t)
	pool := storetest.Pool(t, db)
	ctx := context.Background()
	if err := schema.CheckCurrent(ctx, pool); !errors.Is(err, schema.ErrNotMigrated) {
		t.Errorf("empty database: %v, want ErrNotMigrated", err)
	}
	if err := open(t, db).Up(); err != nil {
		t.Fatal(err)
	}
	if err := schema.CheckCurrent(ctx, pool); err != nil {
		t.Errorf("migrated database: %v", err)
	}
	for _, tt := range []struct {
		set  string
		want error
	}{
		{"UPDATE schema_migrations SET version = 10", schema.ErrBehind},
		{"UPDATE schema_migrations SET version = (SELECT max(version) FROM schema_migrations), dirty = true", schema.ErrDirty},
	} {
		if _, err := pool.Exec(ctx, tt.set); err != nil {
			t.Fatal(err)
		}
		if err := schema.CheckCurrent(ctx, pool); !errors.Is(err, tt.want) {
			t.Errorf("after %q: %v, want %v", tt.set, err, tt.want)
		}
	}
}

// The application role cannot create temporary tables: a TEMP table named
// like a real one would be found first by every unqualified name in its
// session, the audit chain's trigger functions included.
func TestAppRoleCannotCreateTempTables(t *testing.T) {
	t.Parallel()
	db := storetest.Empty(t)
	if err := open(t, db).Up(); err != nil {
		t.Fatal(err)
	}
	appURL, _ := storetest.URLs(t)
	u, _ := url.Parse(db)
	app := storetest.Pool(t, storetest.WithDatabase(appURL, strings.TrimPrefix(u.Path, "/")))
	_, err := app.Exec(context.Background(), `CREATE TEMP TABLE audit_log (seq bigint, row_hash bytea)`)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Errorf("app role CREATE TEMP TABLE: err = %v, want permission denied (42501)", err)
	}
}

// Where the migrating role does not own the database it cannot take
// TEMPORARY from PUBLIC: migration 062 stops, saying what to run and as
// whom, instead of leaving the application role able to shadow audit_log.
func TestHardeningStopsWhenTempCannotBeRevoked(t *testing.T) {
	t.Parallel()
	db := storetest.Empty(t)
	if err := open(t, db).Up(); err != nil {
		t.Fatal(err)
	}
	su := os.Getenv("SUPERUSER_DATABASE_URL")
	if su == "" {
		t.Fatal("SUPERUSER_DATABASE_URL is not set: run the tests with scripts/with-db.sh")
	}
	var before uint // the migration before 062
	all, _ := schema.Available()
	for _, m := range all {
		if m.Version < 62 {
			before = m.Version
		}
	}
	u, _ := url.Parse(db)
	name := strings.TrimPrefix(u.Path, "/")
	admin := storetest.Pool(t, storetest.WithDatabase(su, name))
	ctx := context.Background()
	for _, q := range []string{
		`ALTER DATABASE "` + name + `" OWNER TO CURRENT_USER`,
		`GRANT TEMPORARY ON DATABASE "` + name + `" TO PUBLIC`,
		fmt.Sprintf(`UPDATE schema_migrations SET version = %d`, before),
	} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() { admin.Exec(context.Background(), `ALTER DATABASE "`+name+`" OWNER TO embodied_owner`) }) //nolint:errcheck

	err := open(t, db).Up()
	for _, want := range []string{"can still create temporary tables in database " + name,
		"as the database owner or a superuser run: REVOKE TEMPORARY ON DATABASE " + name + " FROM PUBLIC, embodied_app"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("migrate up without owning the database: %v\nwant it to say %q", err, want)
		}
	}
}

// migrate verify names a SECURITY DEFINER function or a chain trigger
// function that lost its search_path, as CREATE OR REPLACE without the SET
// clause does.
func TestVerifyCatchesUnpinnedFunctions(t *testing.T) {
	t.Parallel()
	pool := migrated(t)
	ctx := context.Background()
	for _, q := range []string{
		`ALTER FUNCTION privacy_erase_audit(text, text, text) RESET search_path`,
		`ALTER FUNCTION audit_log_chain() RESET search_path`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	results, err := schema.Verify(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	failed := failedChecks(results)
	want := []string{"function audit_log_chain pinned to the schema, pg_temp last",
		"every SECURITY DEFINER function has search_path set, pg_temp last"}
	if diff := cmp.Diff(want, failed); diff != "" {
		t.Errorf("failed checks mismatch (-want +got):\n%s", diff)
	}
}

// TestVerifyCatchesWhatABackupCannotRead: a sequence, a table or a row
// the application role cannot read fails `migrate verify`, since a backup
// as that role would fail or leave it out.
func TestVerifyCatchesWhatABackupCannotRead(t *testing.T) {
	t.Parallel()
	const check = "every table and sequence readable in full by embodied_app (a complete backup as it)"
	tests := []struct {
		name   string
		damage string
	}{
		{"a sequence", `REVOKE SELECT ON SEQUENCE user_warnings_id_seq FROM embodied_app`},
		{"a table", `CREATE TABLE unreadable (id bigint GENERATED ALWAYS AS IDENTITY)`},
		{"a new sequence", `CREATE SEQUENCE unreadable_seq`},
		{"a table with row security and no policy", `ALTER TABLE member_profiles ENABLE ROW LEVEL SECURITY`},
		{"a restrictive policy", `CREATE POLICY narrow ON security_audit_logs AS RESTRICTIVE FOR SELECT TO embodied_app USING (guild_id IS NOT NULL)`},
		{"a permissive policy that filters", `ALTER POLICY security_audit_logs_app_read ON security_audit_logs USING (guild_id IS NOT NULL)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pool := migrated(t)
			ctx := context.Background()
			results, err := schema.Verify(ctx, pool)
			if err != nil {
				t.Fatal(err)
			}
			if failed := failedChecks(results); len(failed) != 0 {
				t.Fatalf("before the damage, failed checks: %v", failed)
			}
			if _, err := pool.Exec(ctx, tt.damage); err != nil {
				t.Fatalf("%s: %v", tt.damage, err)
			}
			if results, err = schema.Verify(ctx, pool); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{check}, failedChecks(results)); diff != "" {
				t.Errorf("failed checks mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func failedChecks(results []schema.Result) []string {
	var failed []string
	for _, r := range results {
		if !r.OK {
			failed = append(failed, r.Check.String())
		}
	}
	return failed
}

// migrated returns a pool on a new database migrated up, as its owner.
func migrated(t *testing.T) *pgxpool.Pool {
	t.Helper()
	db := storetest.Empty(t)
	if err := open(t, db).Up(); err != nil {
		t.Fatal(err)
	}
	return storetest.Pool(t, db)
}
