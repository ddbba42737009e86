package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/embodied-community/embodied/internal/storetest"
)

// An operator checks the audit chain against the head kept in a backup's
// manifest (or copied from a health check log line): it passes while the
// chain is untouched, and fails, naming the seq, once someone holding the
// schema owner's credentials rewrote the newest row and its hash, which
// plain verification cannot see.
func TestAuditVerifyAnchor(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	for i := range 4 {
		if _, err := db.App.Exec(ctx, `INSERT INTO audit_log (guild_id, action_type, actor_id, target_id, reason)
			VALUES ('111111111111111111', 'warn', '222222222222222222', '333333333333333333', $1)`, "spam "+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(t.TempDir(), "backups")
	environ := env(t, db.AppURL, "MIGRATION_DATABASE_URL="+db.OwnerURL, "SECOPS_BACKUP_DIR="+dir)
	if out, code := run(t, environ, "backup"); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, out)
	}
	manifests, _ := filepath.Glob(filepath.Join(dir, "backup-*.sql.gz.manifest.json"))
	if len(manifests) != 1 {
		t.Fatalf("manifests in %s: %v", dir, manifests)
	}
	data, err := os.ReadFile(manifests[0])
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		AuditHead struct {
			Seq  int64  `json:"seq"`
			Hash string `json:"hash"`
		} `json:"auditHead"`
	}
	if err := json.Unmarshal(data, &m); err != nil || m.AuditHead.Seq != 4 || len(m.AuditHead.Hash) != 64 {
		t.Fatalf("manifest's auditHead = %+v (%v), want seq 4 and a SHA-256:\n%s", m.AuditHead, err, data)
	}
	anchor := strconv.FormatInt(m.AuditHead.Seq, 10) + ":" + m.AuditHead.Hash

	type cliCase struct {
		name     string
		args     []string
		wantCode int
		want     string
	}
	tests := []cliCase{
		{"plain", []string{"audit", "verify"}, 0, "Audit chain OK: "},
		{"SEQ:HASH", []string{"audit", "verify", "--anchor", anchor}, 0, "Audit chain OK: 5 rows verified (seq 1 to 5); anchor 4 holds"},
		{"manifest", []string{"audit", "verify", "--anchor", manifests[0]}, 0, "anchor 4 holds"},
		{"malformed", []string{"audit", "verify", "--anchor", "4:xyz"}, 2, "the hash must be hexadecimal"},
	}
	runAll := func(when string) {
		t.Helper()
		for _, tt := range tests {
			out, code := run(t, environ, tt.args...)
			if code != tt.wantCode || !strings.Contains(out, tt.want) {
				t.Errorf("%s, %s: exit %d\n%s\nwant exit %d and %q", when, tt.name, code, out, tt.wantCode, tt.want)
			}
		}
	}
	runAll("untouched")

	// The owner rewrites the reason of seq 4 and recomputes its digest and
	// hash: the chain verifies, the anchor does not hold.
	owner := storetest.Pool(t, db.OwnerURL)
	err = pgx.BeginFunc(ctx, owner, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
			UPDATE audit_log SET reason = 'nothing happened' WHERE seq = 4;
			UPDATE audit_log SET content_digest = audit_content_digest(salt, actor_id, target_id, reason, details) WHERE seq = 4;
			UPDATE audit_log SET row_hash = audit_row_hash(prev_hash, seq, guild_id, action_type, created_at, content_digest) WHERE seq = 4;
			UPDATE audit_log SET prev_hash = (SELECT row_hash FROM audit_log WHERE seq = 4) WHERE seq = 5;
			UPDATE audit_log SET row_hash = audit_row_hash(prev_hash, seq, guild_id, action_type, created_at, content_digest) WHERE seq = 5;
			ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tests = []cliCase{
		tests[0],
		{"SEQ:HASH", []string{"audit", "verify", "--anchor", anchor}, 1, "Audit chain does NOT hold anchor seq 4 (row id 4): row_hash "},
		{"manifest", []string{"audit", "verify", "--anchor", manifests[0]}, 1, "the chain was rewritten at or before seq 4"},
	}
	runAll("rewritten")
}
