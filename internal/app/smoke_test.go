package app_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/discordsim"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
	os.Exit(0)
}

// Seed smoke test 1: three /submit-stats pass, the fourth is rate limited.
func TestSmokeRateLimiting(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	for i := 1; i <= 3; i++ {
		ix := h.Run(h.Alice, "/submit-stats", discordsim.Int("approaches", 2))
		if !strings.HasPrefix(ix.Content(), "📊 Stats saved for 2025-10-07") {
			t.Fatalf("request %d: %q", i, ix.Content())
		}
		if i < 3 {
			h.Clock.Advance(5 * time.Second)
		}
	}
	ix := h.Run(h.Alice, "/submit-stats")
	// 3 per hour = one token every 1200 s; 10 s have passed since the first.
	if diff := cmp.Diff("⏳ Rate limited. Try again in 1190 s.", ix.Content()); diff != "" {
		t.Errorf("reply mismatch (-want +got):\n%s", diff)
	}
	want := fmt.Sprintf("[RateLimiter] Rate limit exceeded userId=%s commandName=submit-stats", h.Alice.ID())
	if lines := h.LogLines(want); len(lines) != 1 {
		t.Errorf("want one log line %q, got %q", want, lines)
	}
	h.Eventually("the violation row", func() bool {
		return h.Count(`SELECT count(*) FROM rate_limit_violations WHERE user_id = $1 AND command_name = 'submit-stats' AND count = 1`, h.Alice.ID()) == 1
	})
	// A burst is counted in the same row, not one row per request.
	for i := 0; i < 20; i++ {
		h.Run(h.Alice, "/submit-stats")
	}
	h.Eventually("the burst counted in one row", func() bool {
		return h.Count(`SELECT count(*) FROM rate_limit_violations WHERE user_id = $1 AND count = 21`, h.Alice.ID()) == 1
	})
	if n := h.Count(`SELECT count(*) FROM stats_submissions`); n != 3 {
		t.Errorf("%d submissions stored, want 3", n)
	}
}

// Seed smoke test 2: a member runs /security audit.
func TestSmokePermissionDenied(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	ix := h.Run(h.Alice, "/security audit")
	if diff := cmp.Diff("❌ You do not have permission to use this command.", ix.Content()); diff != "" {
		t.Errorf("reply mismatch (-want +got):\n%s", diff)
	}
	if !ix.Ephemeral() {
		t.Error("the refusal is not ephemeral")
	}
	want := fmt.Sprintf("[PermissionGuard] Permission denied userId=%s command=security", h.Alice.ID())
	if lines := h.LogLines(want); len(lines) != 1 {
		t.Errorf("want one log line %q, got %q", want, lines)
	}
	h.Eventually("the security event", func() bool {
		return h.Count(`SELECT count(*) FROM security_audit_logs WHERE event_type = 'permission_denied'
			AND actor_id = $1 AND guild_id = $2 AND attempted = '/security audit' AND severity = 'medium'`, h.Alice.ID(), h.Guild.ID) == 1
	})
	// Admins see it with /security events.
	events := h.Run(h.Admin, "/security events")
	if len(events.Embeds()) != 1 || len(events.Embeds()[0].Fields) != 1 {
		t.Fatalf("/security events: %q %v", events.Content(), events.Embeds())
	}
	f := events.Embeds()[0].Fields[0]
	if !strings.HasPrefix(f.Name, "permission_denied - ") ||
		f.Value != fmt.Sprintf("Actor: <@%s>\nAttempted: /security audit\nSeverity: medium", h.Alice.ID()) {
		t.Errorf("event field: %q / %q", f.Name, f.Value)
	}
}

// Seed smoke test 3: a barbie note with toxic language is flagged.
func TestSmokeContentModeration(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	ix := h.Run(h.Alice, "/barbie add", discordsim.String("name", "Test Contact"),
		discordsim.String("notes", "This bitch deserves to be ignored"))
	if !strings.HasPrefix(ix.Content(), "✅ Added **Test Contact** to your list") ||
		!strings.Contains(ix.Content(), "⚠️ Your submission was flagged for moderator review.") {
		t.Errorf("reply: %q", ix.Content())
	}
	var userID, contentType, reason string
	if err := h.DB.App.QueryRow(context.Background(),
		`SELECT user_id, content_type, flag_reason FROM content_flags`).Scan(&userID, &contentType, &reason); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{h.Alice.ID(), "barbie_note", "toxic_language"}, []string{userID, contentType, reason}); diff != "" {
		t.Errorf("content_flags row mismatch (-want +got):\n%s", diff)
	}
	want := fmt.Sprintf("[ContentModerator] Content flagged userId=%s contentType=barbie_note flagReason=toxic_language", h.Alice.ID())
	if lines := h.LogLines(want); len(lines) != 1 {
		t.Errorf("want one log line %q, got %q", want, lines)
	}

	// "Check: /security flags", then review it with a button.
	flags := h.Run(h.Moderator, "/security flags")
	embeds := flags.Embeds()
	if len(embeds) != 1 || len(embeds[0].Fields) != 1 || !strings.Contains(embeds[0].Fields[0].Value, "This bitch deserves to be ignored") {
		t.Fatalf("flags view: %+v", embeds)
	}
	msg := flags.Original()
	ids := apptest.CustomIDs(msg)
	if len(ids) != 3 || !strings.HasPrefix(ids[0], "flag-dismiss|") { // "Dismiss, allow" is for admins
		t.Fatalf("buttons: %q", ids)
	}
	click := h.Click(h.Moderator, msg, ids[0])
	if !strings.HasPrefix(click.Content(), "Flag #") || !strings.Contains(click.Content(), "dismissed") {
		t.Errorf("click reply: %q", click.Content())
	}
	if n := h.Count(`SELECT count(*) FROM content_flags WHERE status = 'dismissed' AND reviewed_by = $1`, h.Moderator.ID()); n != 1 {
		t.Errorf("flag not dismissed")
	}
	if n := h.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'flag-dismiss' AND actor_id = $1 AND target_id = $2`,
		h.Moderator.ID(), h.Alice.ID()); n != 1 {
		t.Errorf("dismissal not audited")
	}
}

// Seed smoke test 4: an admin adjusts XP, and /security audit shows it.
func TestSmokeAuditLogging(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	ix := h.Run(h.Admin, "/admin adjust-xp", discordsim.User("user", h.Alice), discordsim.Int("amount", 100))
	if diff := cmp.Diff(fmt.Sprintf("✅ Adjusted <@%s>'s XP by +100 (now 100 XP, level 1).", h.Alice.ID()), ix.Content()); diff != "" {
		t.Errorf("reply mismatch (-want +got):\n%s", diff)
	}
	var created time.Time
	if err := h.DB.App.QueryRow(context.Background(),
		`SELECT created_at FROM audit_log WHERE action_type = 'adjust-xp' AND actor_id = $1 AND target_id = $2`,
		h.Admin.ID(), h.Alice.ID()).Scan(&created); err != nil {
		t.Fatalf("audit row: %v", err)
	}
	audit := h.Run(h.Admin, "/security audit")
	if !audit.Ephemeral() || len(audit.Embeds()) != 1 {
		t.Fatalf("audit view: ephemeral=%v embeds=%d", audit.Ephemeral(), len(audit.Embeds()))
	}
	f := audit.Embeds()[0].Fields[0]
	got := []string{f.Name, f.Value}
	want := []string{"adjust-xp - " + created.UTC().Format("2006-01-02 15:04:05"),
		fmt.Sprintf("Admin: <@%s>\nTarget: <@%s>", h.Admin.ID(), h.Alice.ID())}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit embed mismatch (-want +got):\n%s", diff)
	}
}
