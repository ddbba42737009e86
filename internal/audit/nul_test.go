package audit_test

import (
	"context"
	"log/slog"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/storetest"
)

// A NUL typed by a member (Discord's JSON carries \u0000) cannot be stored
// in text or jsonb; the record is stored with U+FFFD in its place rather
// than set aside, so no member can divert records, or page the owners, by
// typing one. Details JSON cannot encode (a NaN) are stored as text: they
// used to lose the whole batch, fallback file included.
func TestUnstorableTextIsStored(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	w, err := audit.NewWriter(db.Store, filepath.Join(t.TempDir(), "f.jsonl"), slog.New(slog.DiscardHandler),
		audit.Options{FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	w.Start(context.Background())
	defer w.Stop(context.Background())
	e := entry(0)
	e.Reason = "a\x00b"
	e.Details = map[string]any{"note": "c\x00", "nested": map[string]any{"k\x00": []any{"d\x00"}}}
	w.Audit(e)
	w.Security(audit.SecurityEvent{EventType: "rate_limited", Attempted: "/barbie add name=\x00"})
	w.Audit(audit.Entry{GuildID: otherGuild, ActionType: "backup", ActorID: audit.SystemActor, Details: map[string]any{"ratio": math.NaN()}})
	if err := w.Flush(context.Background()); err != nil {
		t.Errorf("flush: %v", err)
	}
	var got []string
	var reason, details, attempted string
	ctx := context.Background()
	if err := db.App.QueryRow(ctx, `SELECT reason, details::text FROM audit_log WHERE guild_id <> $1`, otherGuild).Scan(&reason, &details); err != nil {
		t.Fatal(err)
	}
	if err := db.App.QueryRow(ctx, `SELECT attempted FROM security_audit_logs`).Scan(&attempted); err != nil {
		t.Fatal(err)
	}
	got = append(got, reason, details, attempted)
	want := []string{"a\uFFFDb", `{"note": "c` + "\uFFFD" + `", "nested": {"k` + "\uFFFD" + `": ["d` + "\uFFFD" + `"]}}`, "/barbie add name=\uFFFD"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored mismatch (-want +got):\n%s", diff)
	}
	var unencodable string
	if err := db.App.QueryRow(ctx, `SELECT details->>'unencodable' FROM audit_log WHERE guild_id = $1`, otherGuild).Scan(&unencodable); err != nil {
		t.Fatal(err)
	}
	if want := `map[string]interface {}{"ratio":NaN}`; unencodable != want {
		t.Errorf("unencodable details stored as %q, want %q", unencodable, want)
	}
	if w.SetAside() != 0 {
		t.Errorf("%d records set aside, want none", w.SetAside())
	}
}
