package backup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/storetest"
)

func TestBackupRestoreRoundTrip(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	seed(t, db)
	e := newEngine(t, db, func(o *Options) { o.CountInSnapshot = true })
	ctx := context.Background()

	var progress []int64
	res, err := e.Run(ctx, Request{Trigger: TriggerCLI, Progress: func(n int64) { progress = append(progress, n) }})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !regexp.MustCompile(`^backup-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.sql\.gz$`).MatchString(res.File) {
		t.Errorf("File = %q, want the seed's name format", res.File)
	}
	if len(progress) == 0 || progress[len(progress)-1] != res.Size {
		t.Errorf("progress = %v, want it to end at the size %d", progress, res.Size)
	}
	if want := "Backup completed!\nFile: " + res.File + "\nSize: " + FormatSize(res.Size); res.Summary() != want {
		t.Errorf("Summary() = %q, want %q", res.Summary(), want)
	}
	assertMode(t, e.Dir(), 0o700)
	assertMode(t, res.Path, 0o600)
	assertMode(t, filepath.Join(e.Dir(), ManifestName(res.File)), 0o600)
	if got := dirNames(t, e.Dir()); !cmp.Equal(got, []string{res.File, ManifestName(res.File)}) {
		t.Errorf("backup directory holds %v", got)
	}
	if res.ServerVersion == "" || res.PgDumpVersion == "" || len(res.SHA256) != 64 {
		t.Errorf("result lacks versions or checksum: %+v", res)
	}

	// The manifest's row counts are those of the database.
	want := tableSums(t, db.OwnerURL)
	gotCounts := map[string]int64{}
	for name, n := range res.Tables {
		gotCounts[name] = n
	}
	if diff := cmp.Diff(countsOf(want), gotCounts); diff != "" {
		t.Errorf("manifest row counts mismatch (-want +got):\n%s", diff)
	}
	if res.Tables["public.audit_log"] != 40 || res.Tables["public.odd_values"] != 3 ||
		res.Tables[`Odd "Schema".Events.2025 H1`]+res.Tables[`Odd "Schema".Events.2025 H2`] != 301 {
		t.Errorf("Tables = %v", res.Tables)
	}

	list, err := e.List()
	if err != nil || len(list) != 1 || list[0].Manifest == nil || list[0].Manifest.SHA256 != res.SHA256 {
		t.Fatalf("List() = %+v, %v", list, err)
	}
	if _, err := e.Verify(ctx, res.File, false); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	v, err := e.Verify(ctx, res.File, true)
	if err != nil {
		t.Fatalf("Verify with restore: %v", err)
	}
	if !v.Restored || !cmp.Equal(v.Tables, res.Tables) {
		t.Errorf("Verify with restore = %+v", v)
	}

	// Restored into a new database, every table has the same rows.
	target := restoreMatches(t, e, res.File, want)
	_, owner := storetest.URLs(t)

	// Restoring again into it (it now holds data) and into the live
	// database is refused without force, naming what would be overwritten.
	for _, name := range []string{target, db.Name} {
		err := e.Restore(ctx, res.File, name, false)
		if err == nil || !strings.Contains(err.Error(), "refusing to restore") || !strings.Contains(err.Error(), "database "+name+" (") {
			t.Errorf("Restore into %s without force = %v, want a refusal naming it", name, err)
		}
	}
	if err := e.Restore(ctx, res.File, db.Name, false); err == nil || !strings.Contains(err.Error(), "live database") {
		t.Errorf("Restore into the live database = %v", err)
	}
	// With force the existing database is replaced.
	storetest.Pool(t, storetest.WithDatabase(owner, target)).Exec(ctx, "DELETE FROM odd_values") //nolint:errcheck
	if err := e.Restore(ctx, res.File, target, true); err != nil {
		t.Fatalf("Restore with force: %v", err)
	}
	if diff := cmp.Diff(want, tableSums(t, storetest.WithDatabase(owner, target))); diff != "" {
		t.Errorf("force-restored database mismatch (-want +got):\n%s", diff)
	}
}

func countsOf(sums map[string]string) map[string]int64 {
	out := map[string]int64{}
	for name, s := range sums {
		var n int64
		for _, c := range s {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int64(c-'0')
		}
		out[name] = n
	}
	return out
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %o, want %o", filepath.Base(path), got, want)
	}
}

func TestLabelledBackup(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	now := time.Date(2025, 10, 7, 14, 30, 15, 0, time.UTC)
	e := newEngine(t, db, func(o *Options) { o.Now = func() time.Time { return now } })
	res, err := e.Run(context.Background(), Request{Label: "pre-phase11-prod", Trigger: TriggerCLI})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if want := "backup-pre-phase11-prod-2025-10-07T14-30-15.sql.gz"; res.File != want {
		t.Errorf("File = %q, want %q", res.File, want)
	}
	if _, err := e.Run(context.Background(), Request{Label: "../etc"}); err == nil {
		t.Error("a label with a slash was accepted")
	}
}

func TestVerifyDetectsDamage(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	e := newEngine(t, db, nil)
	res, err := e.Run(context.Background(), Request{})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	good, err := os.ReadFile(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := os.ReadFile(res.Path + manifestExt)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		data     []byte
		manifest []byte
		want     string
	}{
		{"flipped byte", flip(good, len(good)/2), manifest, "corrupt"},
		{"truncated", good[:len(good)-20], manifest, "corrupt"},
		{"not gzip", []byte("-- plain SQL\n"), manifest, "not gzip"},
		{"manifest checksum", good, []byte(strings.Replace(string(manifest), res.SHA256, strings.Repeat("0", 64), 1)), "does not match the manifest"},
		{"no manifest", good, nil, "no usable manifest"},
		{"no trailer", gz(t, "SET statement_timeout = 0;\n"), nil, "completion trailer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, res.File)
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			if tt.manifest != nil {
				if err := os.WriteFile(path+manifestExt, tt.manifest, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := e.Verify(context.Background(), path, false)
			if !errors.Is(err, ErrVerify) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Verify = %v, want an ErrVerify saying %q", err, tt.want)
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0xff
	return c
}

// TestBackupAsApplicationRole backs up a migrated database as the
// application role, as a deployment that gives the bot only its own login
// does (MIGRATION_DATABASE_URL defaults to DATABASE_URL): the dump is
// complete, the row-security table included, and restores as the owner.
func TestBackupAsApplicationRole(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	if _, err := db.Store.AddXP(ctx, "100000000000000001", "200000000000000001", 50); err != nil {
		t.Fatalf("add XP: %v", err)
	}
	events := []store.SecurityEvent{{EventType: "permission_denied", GuildID: "100000000000000001", ActorID: "200000000000000001",
		Attempted: "/security audit"}}
	events[0].Fill(time.Now())
	if err := db.Store.InTx(ctx, func(tx store.Tx) error { return tx.InsertSecurityEvents(ctx, events) }); err != nil {
		t.Fatalf("insert security event: %v", err)
	}
	e := newEngine(t, db, func(o *Options) { o.DatabaseURL = db.AppURL; o.CountInSnapshot = true })

	res, err := e.Run(ctx, Request{Trigger: TriggerScheduled})
	if err != nil {
		t.Fatalf("Run as the application role: %v", err)
	}
	want := tableSums(t, db.OwnerURL)
	if diff := cmp.Diff(countsOf(want), res.Tables); diff != "" {
		t.Errorf("manifest row counts as the application role (-owner's +got):\n%s", diff)
	}
	if res.Tables["public.security_audit_logs"] != 1 {
		t.Errorf("security_audit_logs rows in the backup = %d, want 1", res.Tables["public.security_audit_logs"])
	}
	restoreMatches(t, e, res.File, want)
}

// restoreMatches restores file into a new database and compares every
// table's rows with want; it returns the database's name.
func restoreMatches(t *testing.T, e *Engine, file string, want map[string]string) string {
	t.Helper()
	target := randomName("test_restore_")
	dropDatabase(t, target)
	if err := e.Restore(context.Background(), file, target, false); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	_, owner := storetest.URLs(t)
	if diff := cmp.Diff(want, tableSums(t, storetest.WithDatabase(owner, target))); diff != "" {
		t.Errorf("restored database mismatch (-want +got):\n%s", diff)
	}
	return target
}
