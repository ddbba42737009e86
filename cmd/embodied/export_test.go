package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/privacy"
	"github.com/embodied-community/embodied/internal/privacy/privacytest"
	"github.com/embodied-community/embodied/internal/storetest"
)

func TestExportCommand(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	const guild1, guild2, alice, bob = "100000000000000001", "100000000000000002", "200000000000000001", "200000000000000002"
	here, err := privacytest.Seed(ctx, db.App, privacytest.Member{GuildID: guild1, UserID: alice, OtherID: bob, Marker: "alice-here"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	there, err := privacytest.Seed(ctx, db.App, privacytest.Member{GuildID: guild2, UserID: alice, OtherID: bob, Marker: "alice-there"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", db.AppURL)
	t.Setenv("SECOPS_EXPORT_DIR", t.TempDir())
	t.Chdir(t.TempDir()) // no .env

	tests := []struct {
		name string
		args []string
		code int
		want privacytest.Expected
	}{
		{"one guild", []string{"export", alice, "--guild", guild1}, exitOK, here},
		{"flag first", []string{"export", "--guild", guild2, alice}, exitOK, there},
		{"every guild", []string{"export", alice}, exitOK, privacytest.Merge(here, there)},
		{"bad id", []string{"export", "alice"}, exitUsage, nil},
		{"no id", []string{"export"}, exitUsage, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Main(tt.args, &stdout, &stderr); code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, stderr.String())
			}
			if tt.want == nil {
				return
			}
			got, top, err := privacytest.Identities(stdout.Bytes(), privacy.Keys[4:])
			if err != nil {
				t.Fatal(err)
			}
			// The operator's exports are themselves audited; leave them out.
			if got["auditLog"], err = privacytest.AuditIDs(top["auditLog"], "gdpr_export"); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("rows mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(string(top["userId"]), alice) {
				t.Errorf("userId %s", top["userId"])
			}
		})
	}
	var n int
	if err := db.App.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action_type = 'gdpr_export' AND target_id = $1
		AND actor_id LIKE 'operator:%' AND guild_id IN ($2, $3, '*')`, alice, guild1, guild2).Scan(&n); err != nil || n != 3 {
		t.Errorf("operator export audit records: %d (%v), want 3", n, err)
	}
}
