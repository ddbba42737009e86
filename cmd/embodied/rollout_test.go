package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/embodied-community/embodied/internal/storetest"
)

// The runbook's staging step and rollback, run as written against a real
// database: labelled backup, list, verify with a restore, migrate, verify,
// smoke, audit verify, the enforcement gate (which must still refuse), a
// restore into a new database, and a migration rolled back and re-applied.
func TestRunbookStagingSequence(t *testing.T) {
	db := storetest.Empty(t)
	e := env(t, db, "SECOPS_BACKUP_DIR="+filepath.Join(t.TempDir(), "backups"),
		"SECOPS_EXPORT_DIR="+filepath.Join(t.TempDir(), "exports"), "APP_ENV=staging")
	step := func(wantCode int, args ...string) string {
		t.Helper()
		out, code := run(t, e, args...)
		if code != wantCode {
			t.Fatalf("embodied %s: exit %d, want %d\n%s", strings.Join(args, " "), code, wantCode, out)
		}
		return out
	}

	// Pre-rollout labelled backup (of the database before the migration).
	out := step(0, "backup", "--label", "pre-phase11-staging")
	file := regexp.MustCompile(`backup-pre-phase11-staging-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.sql\.gz`).FindString(out)
	if file == "" || !strings.Contains(out, "Backup completed!") {
		t.Fatalf("backup output:\n%s", out)
	}
	if out := step(0, "backup", "list"); !strings.Contains(out, file) {
		t.Errorf("backup list lacks %s:\n%s", file, out)
	}
	step(0, "backup", "verify", file, "--restore")

	step(0, "migrate", "up")
	if out := step(0, "migrate", "verify"); strings.Contains(out, "FAIL") {
		t.Errorf("migrate verify:\n%s", out)
	}
	if out := step(0, "smoke"); !strings.Contains(out, "8 passed, 0 failed") {
		t.Errorf("smoke:\n%s", out)
	}
	if out := step(0, "audit", "verify"); !strings.HasPrefix(out, "Audit chain OK: ") {
		t.Errorf("audit verify:\n%s", out)
	}
	// No 24-hour soak yet: the gate before enforcement refuses.
	if out := step(1, "doctor", "--enforcement"); !strings.Contains(out, "FAIL") {
		t.Errorf("doctor --enforcement passed without a soak:\n%s", out)
	}

	// Rollback material: the pre-rollout backup restores into a new
	// database, and the last migration goes down and up again.
	target := "restored_" + strings.TrimPrefix(filepath.Base(db), "test_")
	step(0, "restore", file, "--target-db", target)
	t.Cleanup(func() {
		admin := storetest.Pool(t, db)
		_, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+target+" WITH (FORCE)")
	})
	step(0, "migrate", "down", "1")
	step(0, "migrate", "up")
	if out := step(0, "migrate", "status"); strings.Contains(out, "pending") {
		t.Errorf("migrations pending after the round trip:\n%s", out)
	}
}
