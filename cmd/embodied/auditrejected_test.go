package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/storetest"
)

// `embodied audit rejected` lists what the writer set aside: a record the
// database refused (an action type outside the table's CHECK), with its
// error, and an unreadable fallback line.
func TestAuditRejectedListsSetAsideRecords(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	path := filepath.Join(t.TempDir(), "fallback.jsonl")
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "SECOPS_AUDIT_FALLBACK_FILE=" + path}

	out, code := run(t, base, "audit", "rejected")
	if code != 0 || !strings.Contains(out, "No audit records set aside") {
		t.Errorf("before anything was set aside: exit %d\n%s", code, out)
	}

	// A torn line left by a crash, then a record the database refuses.
	if err := os.WriteFile(path, []byte(`{"audit":{"eventId":"0f`), 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := audit.NewWriter(db.Store, path, slog.New(slog.DiscardHandler), audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.Start(context.Background())
	w.Audit(audit.Entry{GuildID: "111111111111111111", ActionType: "Not An Action", ActorID: "222222222222222222",
		TargetID: "333333333333333333", Reason: "Спам"})
	_ = w.Flush(context.Background())
	w.Stop(context.Background())
	if w.SetAside() != 2 {
		t.Fatalf("SetAside() = %d, want 2", w.SetAside())
	}

	out, code = run(t, base, "audit", "rejected")
	for _, want := range []string{
		"2 audit record(s) set aside",
		"refused", "audit Not An Action, guild 111111111111111111, actor 222222222222222222, target 333333333333333333",
		`reason: "Спам"`, "SQLSTATE 23514",
		`quarantined line: "{\"audit\":{\"eventId\":\"0f"`,
	} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("exit %d, output lacks %q:\n%s", code, want, out)
		}
	}
	out, code = run(t, base, "audit", "rejected", "--json")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || len(lines) != 2 {
		t.Errorf("--json: exit %d, want 2 lines:\n%s", code, out)
	}
}
