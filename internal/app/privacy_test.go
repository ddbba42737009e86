package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/gzip"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/privacy"
	"github.com/embodied-community/embodied/internal/privacy/privacytest"
	"github.com/embodied-community/embodied/internal/storetest"
)

// newPrivacyHarness starts the bot with a private exports directory.
func newPrivacyHarness(t *testing.T) *apptest.Harness {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "exports")
	return apptest.New(t, func(c *config.Config) { c.ExportDir = dir })
}

// withoutExports lists the audit records' ids but those of the exports
// themselves (earlier ones', and this one's intent).
func withoutExports(t *testing.T, auditLog json.RawMessage) []string {
	t.Helper()
	ids, err := privacytest.AuditIDs(auditLog, "gdpr_export")
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// seed gives member n rows in every category in guildID, their words
// starting with marker.
func seed(t *testing.T, h *apptest.Harness, guildID, userID, marker string, n int) privacytest.Expected {
	t.Helper()
	exp, err := privacytest.Seed(context.Background(), h.DB.App, privacytest.Member{
		GuildID: guildID, UserID: userID, OtherID: h.Moderator.ID(), Marker: marker}, n)
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

// exportFile returns the one JSON file a member was sent.
func exportFile(t *testing.T, ix *discordsim.Interaction) discordsim.File {
	t.Helper()
	files := ix.Files()
	if len(files) != 1 {
		t.Fatalf("want one attachment, got %d; reply %q", len(files), ix.Content())
	}
	return files[0]
}

// Seed smoke test 7: /security export-data @testuser.
func TestSmokeGDPRExport(t *testing.T) {
	t.Parallel()
	h := newPrivacyHarness(t)
	h.Run(h.Alice, "/submit-stats", discordsim.Int("approaches", 2))
	h.Run(h.Alice, "/barbie add", discordsim.String("name", "Test Contact"), discordsim.String("notes", "met at the café"))

	ix := h.Run(h.Admin, "/security export-data", discordsim.User("user", h.Alice))
	if !ix.Ephemeral() {
		t.Error("the export reply is not ephemeral")
	}
	f := exportFile(t, ix)
	// "JSON file attachment: user-data-123456789-timestamp.json"
	if !regexp.MustCompile(`^user-data-` + h.Alice.ID() + `-\d{13}\.json$`).MatchString(f.Name) {
		t.Errorf("file name %q", f.Name)
	}
	var doc map[string]any
	if err := json.Unmarshal(f.Data, &doc); err != nil {
		t.Fatalf("attachment is not JSON: %v", err)
	}
	for _, key := range []string{"exportDate", "userId", "profile", "stats", "dailyRecords", "tenseys", "barbieList",
		"journalEntries", "courseProgress", "duels", "warnings", "auditLog",
		"contentFlags", "rateLimitViolations", "moderationActions", "securityEvents"} {
		if _, ok := doc[key]; !ok {
			t.Errorf("key %q missing", key)
		}
	}
	got := []any{doc["userId"], doc["exportDate"], len(doc["stats"].([]any)), len(doc["barbieList"].([]any))}
	if diff := cmp.Diff([]any{h.Alice.ID(), "2025-10-07T14:30:15Z", 1, 1}, got); diff != "" {
		t.Errorf("export mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(f.Data), "met at the café") {
		t.Error("the contact's notes are missing")
	}
	// "Expected in Database: SELECT * FROM audit_log WHERE action_type = 'gdpr_export'"
	h.Eventually("the gdpr_export intent and outcome", func() bool {
		return h.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'gdpr_export' AND actor_id = $1 AND target_id = $2
			AND guild_id = $3 AND details->>'phase' IN ('intent', 'outcome')`, h.Admin.ID(), h.Alice.ID(), h.Guild.ID) == 2
	})
	// profile, stats, contact, and the export's own intent record.
	if n := h.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'gdpr_export' AND details->>'phase' = 'outcome'
		AND (details->>'ok')::boolean AND (details->>'rows')::int = 4`); n != 1 {
		t.Errorf("outcome record with ok and rows: %d", n)
	}
	if lines := h.LogLines("[Privacy] Data exported", "userId="+h.Alice.ID()); len(lines) != 1 {
		t.Errorf("log lines: %q", lines)
	}
	// A member cannot export someone else.
	if ix := h.Run(h.Bob, "/security export-data", discordsim.User("user", h.Alice)); len(ix.Files()) != 0 {
		t.Error("a member got an export")
	}
}

// An export holds every row of the member in the guild, and nothing of
// another member or another guild; the bot owner may export every guild.
func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	h := newPrivacyHarness(t)
	other := h.Sim.CreateGuild("Other server", discordsim.UserSpec{Username: "other-owner"})
	alice := seed(t, h, h.Guild.ID, h.Alice.ID(), "alice-here", 4)
	seed(t, h, h.Guild.ID, h.Bob.ID(), "bob-here", 4)
	aliceOther := seed(t, h, other.ID, h.Alice.ID(), "alice-there", 2)

	tests := []struct {
		name      string
		by        *discordsim.Member
		allGuilds bool
		want      privacytest.Expected
		forbidden []string
	}{
		{"admin, this guild", h.Admin, false, alice, []string{"bob-here", "alice-there", other.ID}},
		{"owner, this guild", h.Owner, false, alice, []string{"bob-here", "alice-there", other.ID}},
		{"owner, every guild", h.Owner, true, privacytest.Merge(alice, aliceOther), []string{"bob-here"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ix := h.Run(tt.by, "/security export-data", discordsim.User("user", h.Alice), discordsim.Bool("all_guilds", tt.allGuilds))
			f := exportFile(t, ix)
			got, top, err := privacytest.Identities(f.Data, privacy.Keys[4:])
			if err != nil {
				t.Fatal(err)
			}
			got["auditLog"] = withoutExports(t, top["auditLog"])
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("rows mismatch (-want +got):\n%s", diff)
			}
			for _, s := range tt.forbidden {
				if bytes.Contains(f.Data, []byte(s)) {
					t.Errorf("export holds %q", s)
				}
			}
		})
	}
	ix := h.Run(h.Admin, "/security export-data", discordsim.User("user", h.Alice), discordsim.Bool("all_guilds", true))
	if diff := cmp.Diff("❌ Only the bot owner can export across servers.", ix.Content()); diff != "" || len(ix.Files()) != 0 {
		t.Errorf("admin across guilds (-want +got):\n%s", diff)
	}
}

// A member exports their own data once a day and erases it after
// confirming; what must stay stays, and the audit chain still verifies.
func TestPrivacySelfService(t *testing.T) {
	t.Parallel()
	h := newPrivacyHarness(t)
	ctx := context.Background()
	alice := seed(t, h, h.Guild.ID, h.Alice.ID(), "alice-words", 3)
	seed(t, h, h.Guild.ID, h.Bob.ID(), "bob-words", 3)

	ix := h.Run(h.Alice, "/privacy export")
	got, top, err := privacytest.Identities(exportFile(t, ix).Data, privacy.Keys[4:])
	if err != nil {
		t.Fatal(err)
	}
	got["auditLog"] = withoutExports(t, top["auditLog"])
	if diff := cmp.Diff(alice, got); diff != "" {
		t.Errorf("own export mismatch (-want +got):\n%s", diff)
	}
	h.Eventually("the self-export's audit record", func() bool {
		return h.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'gdpr_export' AND actor_id = $1
			AND details->>'phase' = 'outcome' AND details->>'subject' = $1`, h.Alice.ID()) == 1
	})
	h.Clock.Advance(time.Hour)
	if ix := h.Run(h.Alice, "/privacy export"); !strings.HasPrefix(ix.Content(), "⏳ Rate limited.") || len(ix.Files()) != 0 {
		t.Errorf("second export in a day: %q", ix.Content())
	}

	// An expired confirmation does nothing.
	stale := h.Run(h.Alice, "/privacy delete")
	h.Clock.Advance(privacyConfirmWindow + time.Second)
	ids := apptest.CustomIDs(stale.Original())
	if click := h.Click(h.Alice, stale.Original(), ids[0]); !strings.Contains(click.Content(), "expired") {
		t.Errorf("stale click: %q", click.Content())
	}
	if n := h.Count(`SELECT count(*) FROM journal_entries WHERE user_id = $1`, h.Alice.ID()); n != 3 {
		t.Fatalf("stale confirmation erased data: %d journal entries left", n)
	}

	ask := h.Run(h.Alice, "/privacy delete")
	if !ask.Ephemeral() || !strings.Contains(ask.Content(), "cannot be undone") {
		t.Errorf("confirmation: %q", ask.Content())
	}
	ids = apptest.CustomIDs(ask.Original())
	if len(ids) != 2 || !strings.HasPrefix(ids[0], "privacy-erase|") {
		t.Fatalf("buttons: %q", ids)
	}
	done := h.Click(h.Alice, ask.Original(), ids[0])
	if !strings.HasPrefix(done.Content(), "🗑️ Done") {
		t.Errorf("erasure reply: %q", done.Content())
	}
	checkErased(t, h, h.Alice.ID(), "alice-words")
	if n := h.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'gdpr_erasure' AND actor_id = $1 AND target_id = $1
		AND details->>'source' = 'self'`, h.Alice.ID()); n != 1 {
		t.Errorf("erasure audit records: %d", n)
	}
	left, err := privacytest.PersonalContent(ctx, h.DB.App, h.Guild.ID, h.Bob.ID(), "bob-words")
	if err != nil {
		t.Fatal(err)
	}
	for table, n := range left {
		if n == 0 {
			t.Errorf("%s: bob's rows were erased too", table)
		}
	}
}

// privacyConfirmWindow mirrors command.EraseConfirmWindow.
const privacyConfirmWindow = 10 * time.Minute

// The GDPR Art. 17(3) notice every erasure reply carries.
const art173 = "GDPR Art. 17(3)"

// Only an admin erases a member's data on a request that came by other
// channels, after confirming with a button that works for them alone; staff
// cannot be erased this way.
func TestStaffErasure(t *testing.T) {
	t.Parallel()
	h := newPrivacyHarness(t)
	seed(t, h, h.Guild.ID, h.Bob.ID(), "bob-words", 2)
	erase := func(by, whom *discordsim.Member) *discordsim.Interaction {
		return h.Run(by, "/security erase-data", discordsim.User("user", whom), discordsim.String("reason", "Email request of 2025-10-06"))
	}
	for _, by := range []*discordsim.Member{h.Alice, h.Moderator} {
		if ix := erase(by, h.Bob); ix.Content() != "❌ You do not have permission to use this command." {
			t.Errorf("%s erasing: %q", by.User.Username, ix.Content())
		}
	}
	for _, staff := range []*discordsim.Member{h.Moderator, h.Admin, h.Owner} {
		events := h.Count(`SELECT count(*) FROM security_audit_logs WHERE event_type = 'erase_staff_refused'`)
		ix := erase(h.Admin, staff)
		want := fmt.Sprintf("❌ <@%s> is staff here: remove their staff roles first.", staff.ID())
		if diff := cmp.Diff(want, ix.Content()); diff != "" {
			t.Errorf("erasing %s: reply mismatch (-want +got):\n%s", staff.User.Username, diff)
		}
		h.Eventually("the refusal's security event", func() bool {
			return h.Count(`SELECT count(*) FROM security_audit_logs WHERE event_type = 'erase_staff_refused' AND actor_id = $1
				AND target_id = $2 AND guild_id = $3`, h.Admin.ID(), staff.ID(), h.Guild.ID) == 1 &&
				h.Count(`SELECT count(*) FROM security_audit_logs WHERE event_type = 'erase_staff_refused'`) == events+1
		})
	}
	if n := h.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'gdpr_erasure'`); n != 0 {
		t.Errorf("%d erasure records after refusals", n)
	}

	ask := erase(h.Admin, h.Bob)
	ids := apptest.CustomIDs(ask.Original())
	if len(ids) != 2 || !strings.HasPrefix(ids[0], "erase-data|") || !ask.Ephemeral() {
		t.Fatalf("confirmation %q with buttons %q", ask.Content(), ids)
	}
	if !strings.Contains(ask.Content(), "cannot be undone") || !strings.Contains(ask.Content(), art173) {
		t.Errorf("confirmation: %q", ask.Content())
	}
	if n := h.Count(`SELECT count(*) FROM journal_entries WHERE user_id = $1`, h.Bob.ID()); n != 2 {
		t.Fatalf("erased before confirming: %d journal entries left", n)
	}
	// Another admin (here the owner) cannot confirm it; a moderator is not
	// even an admin.
	ctx := context.Background()
	other, err := h.Sim.Click(ctx, h.Owner, ask.Original(), ids[0], discordsim.Hostile())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("❌ Only the admin who asked can confirm this.", other.Content()); diff != "" {
		t.Errorf("someone else's click: reply mismatch (-want +got):\n%s", diff)
	}
	h.Eventually("the foreign click's security event", func() bool {
		return h.Count(`SELECT count(*) FROM security_audit_logs WHERE event_type = 'foreign_confirmation' AND actor_id = $1`, h.Owner.ID()) == 1
	})
	modClick, err := h.Sim.Click(ctx, h.Moderator, ask.Original(), ids[0], discordsim.Hostile())
	if err != nil {
		t.Fatal(err)
	}
	if modClick.Content() != "❌ You do not have permission to use this command." {
		t.Errorf("moderator's click: %q", modClick.Content())
	}
	if n := h.Count(`SELECT count(*) FROM journal_entries WHERE user_id = $1`, h.Bob.ID()); n != 2 {
		t.Fatalf("someone else's click erased data: %d journal entries left", n)
	}

	done := h.Click(h.Admin, ask.Original(), ids[0])
	want := fmt.Sprintf("🗑️ Erased the personal content of <@%s> in this server", h.Bob.ID())
	if !strings.HasPrefix(done.Content(), want) || !strings.Contains(done.Content(), art173) {
		t.Errorf("reply %q, want prefix %q and %q", done.Content(), want, art173)
	}
	checkErased(t, h, h.Bob.ID(), "bob-words")
	if n := h.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'gdpr_erasure' AND actor_id = $1 AND target_id = $2
		AND reason = 'Email request of 2025-10-06' AND details->>'source' = 'staff' AND details ? 'erased'`, h.Admin.ID(), h.Bob.ID()); n != 1 {
		t.Errorf("erasure audit records: %d", n)
	}
	// The same confirmation cannot run twice.
	again, err := h.Sim.Click(ctx, h.Admin, ask.Original(), ids[0], discordsim.Hostile())
	if err == nil && !strings.HasPrefix(again.Content(), "❌") {
		t.Errorf("second click: %q", again.Content())
	}
}

// A member cannot confirm someone else's /privacy delete.
func TestPrivacyDeleteForeignClick(t *testing.T) {
	t.Parallel()
	h := newPrivacyHarness(t)
	seed(t, h, h.Guild.ID, h.Alice.ID(), "alice-words", 1)
	ask := h.Run(h.Alice, "/privacy delete")
	ids := apptest.CustomIDs(ask.Original())
	click, err := h.Sim.Click(context.Background(), h.Bob, ask.Original(), ids[0], discordsim.Hostile())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("❌ Only the member who asked can confirm this.", click.Content()); diff != "" {
		t.Errorf("bob's click: reply mismatch (-want +got):\n%s", diff)
	}
	if n := h.Count(`SELECT count(*) FROM journal_entries WHERE user_id = $1`, h.Alice.ID()); n != 1 {
		t.Errorf("bob's click erased alice's data: %d journal entries left", n)
	}
}

// A moderator who warned a member into a timeout, then deletes their own
// data, stays accountable: their id, the action, the target and the reason
// survive on those records and the audit chain verifies; their personal
// content is gone.
func TestModeratorErasureKeepsAccountability(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "exports")
	h := apptest.New(t, func(c *config.Config) { c.ExportDir, c.EnforceModeration = dir, true })
	ctx := context.Background()
	if _, err := privacytest.Seed(ctx, h.DB.App, privacytest.Member{GuildID: h.Guild.ID, UserID: h.Moderator.ID(),
		OtherID: h.Admin.ID(), Marker: "mod-words"}, 2); err != nil {
		t.Fatal(err)
	}
	for _, reason := range []string{"Spam links in #general", "Spam links again"} {
		h.Run(h.Moderator, "/security warn", discordsim.User("user", h.Bob), discordsim.String("reason", reason))
	}
	type row struct{ Actor, Action, Target, Reason string }
	staffRows := func() []row {
		t.Helper()
		rows, err := h.DB.App.Query(ctx, `SELECT actor_id, action_type, coalesce(target_id, ''), coalesce(reason, '')
			FROM audit_log WHERE guild_id = $1 AND action_type IN ('warn', 'timeout') ORDER BY seq`, h.Guild.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.Actor, &r.Action, &r.Target, &r.Reason); err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		return out
	}
	mod, bob := h.Moderator.ID(), h.Bob.ID()
	want := []row{
		{mod, "warn", bob, "Spam links in #general"},
		{mod, "warn", bob, "Spam links again"},
		{mod, "timeout", bob, "Spam links again"},
	}
	h.Eventually("the warnings' and the timeout's audit records", func() bool { return len(staffRows()) >= len(want) })
	if diff := cmp.Diff(want, staffRows()); diff != "" {
		t.Fatalf("staff records before the erasure: mismatch (-want +got):\n%s", diff)
	}

	ask := h.Run(h.Moderator, "/privacy delete")
	done := h.Click(h.Moderator, ask.Original(), apptest.CustomIDs(ask.Original())[0])
	if !strings.HasPrefix(done.Content(), "🗑️ Done") || !strings.Contains(done.Content(), art173) {
		t.Errorf("erasure reply: %q", done.Content())
	}
	if diff := cmp.Diff(want, staffRows()); diff != "" {
		t.Errorf("staff records after the erasure: mismatch (-want +got):\n%s", diff)
	}
	checkErased(t, h, mod, "mod-words")
}

// A flag still waiting for review keeps its excerpt, the member is told so,
// and the review then erases it.
func TestErasurePendingFlag(t *testing.T) {
	t.Parallel()
	h := newPrivacyHarness(t)
	const insult = "you are worthless trash"
	if got := note(h, h.Bob, insult); !strings.Contains(got, flaggedNote) {
		t.Fatalf("note not flagged: %q", got)
	}
	excerpt := func() string {
		t.Helper()
		var s string
		if err := h.DB.App.QueryRow(context.Background(), `SELECT excerpt FROM content_flags WHERE user_id = $1`, h.Bob.ID()).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	ask := h.Run(h.Bob, "/privacy delete")
	done := h.Click(h.Bob, ask.Original(), apptest.CustomIDs(ask.Original())[0])
	if !strings.Contains(done.Content(), "1 flag on your posts is waiting for review") {
		t.Errorf("erasure reply does not mention the pending flag: %q", done.Content())
	}
	if !strings.Contains(excerpt(), insult) {
		t.Fatalf("the pending flag lost its evidence before review: %q", excerpt())
	}
	flags := h.Run(h.Moderator, "/security flags")
	if !strings.Contains(flags.Embeds()[0].Fields[0].Value, insult) {
		t.Errorf("the review queue does not show the evidence: %q", flags.Embeds()[0].Fields[0].Value)
	}
	h.Click(h.Moderator, flags.Original(), apptest.CustomIDs(flags.Original())[0])
	if diff := cmp.Diff("", excerpt()); diff != "" {
		t.Errorf("excerpt after review: mismatch (-want +got):\n%s", diff)
	}
}

// checkErased asserts, table by table, that the member's personal content
// is gone while warnings, moderation actions and the audit chain remain.
func checkErased(t *testing.T, h *apptest.Harness, userID, marker string) {
	t.Helper()
	ctx := context.Background()
	left, err := privacytest.PersonalContent(ctx, h.DB.App, h.Guild.ID, userID, marker)
	if err != nil {
		t.Fatal(err)
	}
	for table, n := range left {
		if n != 0 {
			t.Errorf("%s: %d rows of personal content left", table, n)
		}
	}
	kept := map[string]int{
		"user_warnings":   h.Count(`SELECT count(*) FROM user_warnings WHERE user_id = $1`, userID),
		"user_moderation": h.Count(`SELECT count(*) FROM user_moderation WHERE user_id = $1`, userID),
		"content_flags":   h.Count(`SELECT count(*) FROM content_flags WHERE user_id = $1`, userID),
		// (an admin's erasure request, the gdpr_erasure record of phase
		// "requested", is about the member too)
		"audit_log": h.Count(`SELECT count(*) FROM audit_log WHERE erased_at IS NOT NULL AND target_id LIKE 'erased-%'
			AND action_type <> 'gdpr_erasure'`),
	}
	n := kept["audit_log"]
	want := map[string]int{"user_warnings": n, "user_moderation": n, "content_flags": n, "audit_log": n}
	if n == 0 {
		t.Error("no audit record was pseudonymised")
	}
	if diff := cmp.Diff(want, kept); diff != "" {
		t.Errorf("kept safety record mismatch (-want +got):\n%s", diff)
	}
	res, err := audit.Verify(ctx, h.DB.App)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Errorf("audit chain broken after erasure: %+v", res.FirstBreak)
	}
}

// An export over Discord's upload limit arrives gzip'd. (Exports too large
// even then are kept in the exports directory: see the privacy package's
// TestExportDelivery.)
// An export is deferred, so its reads may wait for a slow database longer
// than an immediate answer's DatabaseWait: a table locked for twice that
// long delays the export instead of failing it with the outage message.
func TestDeferredExportWaitsForASlowDatabase(t *testing.T) {
	t.Parallel()
	h := newPrivacyHarness(t)
	ctx := context.Background()
	tx, err := storetest.Pool(t, h.DB.OwnerURL).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE journal_entries IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	released := make(chan error, 1)
	go func() {
		time.Sleep(2 * middleware.DatabaseWait)
		released <- tx.Commit(ctx)
	}()
	ix := h.Run(h.Admin, "/security export-data", discordsim.User("user", h.Alice))
	if err := <-released; err != nil {
		t.Fatal(err)
	}
	exportFile(t, ix)
}

func TestLargeExportGzipped(t *testing.T) {
	t.Parallel()
	h := newPrivacyHarness(t)
	// About 12 MB of JSON that compresses well.
	if _, err := h.DB.App.Exec(context.Background(), `INSERT INTO journal_entries (guild_id, user_id, content)
		SELECT $1, $2, repeat('lorem ipsum ', 330) FROM generate_series(1, 3000)`, h.Guild.ID, h.Alice.ID()); err != nil {
		t.Fatal(err)
	}
	ix := h.Run(h.Admin, "/security export-data", discordsim.User("user", h.Alice))
	f := exportFile(t, ix)
	if !regexp.MustCompile(`^user-data-`+h.Alice.ID()+`-\d{13}\.json\.gz$`).MatchString(f.Name) || len(f.Data) > 10<<20 {
		t.Errorf("file %q of %d bytes", f.Name, len(f.Data))
	}
	zr, err := gzip.NewReader(bytes.NewReader(f.Data))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ JournalEntries []json.RawMessage }
	if err := json.NewDecoder(zr).Decode(&doc); err != nil || len(doc.JournalEntries) != 3000 {
		t.Errorf("gzip'd export: %d journal entries, %v", len(doc.JournalEntries), err)
	}
	if !strings.Contains(ix.Content(), "Compressed with gzip") {
		t.Errorf("reply: %q", ix.Content())
	}
}
