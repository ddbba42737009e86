package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/embodied-community/embodied/internal/storetest"
)

// Every CLI backup, made or failed, is in the audit log: guild global,
// actor operator:<login>, action backup, trigger cli.
func TestBackupCommandIsAudited(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "backups")
	environ := env(t, db.AppURL, "MIGRATION_DATABASE_URL="+db.OwnerURL, "SECOPS_BACKUP_DIR="+dir,
		"DISCORD_TOKEN="+canaryToken)

	out, code := run(t, environ, "backup", "--label", "pre-phase11-staging")
	if code != 0 || !strings.Contains(out, "Backup completed!") {
		t.Fatalf("backup: exit %d\n%s", code, out)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var file string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "backup-pre-phase11-staging-") && strings.HasSuffix(e.Name(), ".sql.gz") {
			file = e.Name()
		}
	}
	if file == "" {
		t.Fatalf("no labelled backup in %s: %v", dir, ents)
	}

	type row struct {
		actor   string
		details map[string]any
	}
	rows := func() []row {
		t.Helper()
		rs, err := db.App.Query(ctx, `SELECT actor_id, details FROM audit_log
			WHERE action_type = 'backup' AND guild_id = 'global' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		var out []row
		for rs.Next() {
			var r row
			var raw []byte
			if err := rs.Scan(&r.actor, &raw); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &r.details); err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		if err := rs.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	got := rows()
	if len(got) != 1 {
		t.Fatalf("audit rows after one backup: %+v", got)
	}
	d := got[0].details
	if !strings.HasPrefix(got[0].actor, "operator:") || d["trigger"] != "cli" || d["ok"] != true || d["file"] != file ||
		d["label"] != "pre-phase11-staging" || len(d["sha256"].(string)) != 64 || d["size"].(float64) <= 0 || d["error"] != nil {
		t.Errorf("audit row: actor %q details %v", got[0].actor, d)
	}
	if !strings.Contains(out, d["sha256"].(string)) {
		t.Errorf("the printed SHA-256 is not the audited one:\n%s", out)
	}

	// A failing pg_dump: exit 1, a clear line that nobody was alerted, and
	// the failure audited.
	bin := t.TempDir()
	fake := "#!/bin/sh\n[ \"$1\" = --version ] && { echo 'pg_dump (PostgreSQL) 99.0'; exit 0; }\necho 'pg_dump: error: simulated failure' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "pg_dump"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	failing := append([]string{"PATH=" + bin + ":" + os.Getenv("PATH")}, environ[1:]...)
	out, code = run(t, failing, "backup")
	if code != 1 || !strings.Contains(out, "BACKUP FAILED") || !strings.Contains(out, "owners have NOT been alerted") ||
		!strings.Contains(out, "simulated failure") {
		t.Errorf("failing backup: exit %d\n%s", code, out)
	}
	if strings.Contains(out, canaryToken) || strings.Contains(out, db.OwnerURL) {
		t.Errorf("failing backup printed a secret:\n%s", out)
	}
	got = rows()
	if len(got) != 2 {
		t.Fatalf("audit rows after a failed backup: %+v", got)
	}
	d = got[1].details
	if d["trigger"] != "cli" || d["ok"] != false || !strings.Contains(d["error"].(string), "simulated failure") || d["file"] != nil {
		t.Errorf("failure audit row: %v", d)
	}
}
