package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/storetest"
)

const (
	reportGuild    = "100000000000000001"
	reporter       = "200000000000000001"
	reported       = "200000000000000002"
	reportChannel  = "300000000000000001"
	reportMessage  = "400000000000000001"
	otherReporter  = "200000000000000003"
	reportModerate = "200000000000000004"
)

// draft stores a draft of reporterID's report of message i (message 0 is
// reportMessage) and returns its nonce.
func draft(t *testing.T, s *store.Store, reporterID string, i int) string {
	t.Helper()
	return draftOf(t, s, reporterID, i, i)
}

// draftOf stores the draft nonce i of a report of message m.
func draftOf(t *testing.T, s *store.Store, reporterID string, i, m int) string {
	t.Helper()
	ch, msg := reportChannel, fmt.Sprintf("4%017d", m+1)
	nonce := fmt.Sprintf("%032x", i+1)
	err := s.SaveReportDraft(context.Background(), store.ReportDraft{Nonce: nonce, GuildID: reportGuild, ReporterID: reporterID,
		TargetUserID: reported, ContentType: store.ContentMessageReport, ChannelID: &ch, MessageID: &msg, Excerpt: "you are a clown"}, 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return nonce
}

func fileReport(s *store.Store, reporterID, nonce string) (store.ContentFlag, error) {
	return s.FileReport(context.Background(), store.Report{GuildID: reportGuild, ReporterID: reporterID, Nonce: nonce,
		Reason: "insulting me again", FlagReason: "reported by a member", Severity: "medium", Limit: 5, Window: 10 * time.Minute,
		Audit: audit.Entry{GuildID: reportGuild, ActionType: store.ReportActionType, ActorID: reporterID}})
}

// A draft becomes one queue entry with the reporter and the reason; it can
// be submitted once, by its reporter only.
func TestFileReport(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	nonce := draft(t, db.Store, reporter, 0)
	if _, err := fileReport(db.Store, otherReporter, nonce); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("someone else's draft: err = %v, want ErrNotFound", err)
	}
	f, err := fileReport(db.Store, reporter, nonce)
	if err != nil {
		t.Fatal(err)
	}
	str := func(s string) *string { return &s }
	want := store.ContentFlag{ID: f.ID, GuildID: reportGuild, UserID: reported, ContentType: "message_report", FlagReason: "reported by a member",
		Severity: "medium", Excerpt: "you are a clown", ChannelID: str(reportChannel), MessageID: str(reportMessage),
		ReporterID: str(reporter), ReportReason: str("insulting me again"), Status: "unreviewed", CreatedAt: f.CreatedAt}
	if diff := cmp.Diff(want, f); diff != "" {
		t.Errorf("flag mismatch (-want +got):\n%s", diff)
	}
	if _, err := fileReport(db.Store, reporter, nonce); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("draft submitted twice: err = %v, want ErrNotFound", err)
	}
	var target *string
	var details string
	if err := db.App.QueryRow(context.Background(), `SELECT target_id, details::text FROM audit_log WHERE action_type = $1`, store.ReportActionType).
		Scan(&target, &details); err != nil {
		t.Fatal(err)
	}
	if target != nil {
		t.Errorf("the report's audit record names the reported member %v: it would show in their data export", *target)
	}
}

// A message (or member) the reporter already reported cannot be reported
// again until moderators review the first report; others still can.
func TestFileReportPending(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	first, err := fileReport(db.Store, reporter, draftOf(t, db.Store, reporter, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	again := draftOf(t, db.Store, reporter, 1, 0)
	if _, err := fileReport(db.Store, reporter, again); !errors.Is(err, store.ErrReportPending) {
		t.Fatalf("the same message again: err = %v, want ErrReportPending", err)
	}
	if _, err := fileReport(db.Store, otherReporter, draftOf(t, db.Store, otherReporter, 2, 0)); err != nil {
		t.Errorf("another reporter of the same message: %v", err)
	}
	if _, err := db.Store.ReviewFlag(context.Background(), reportGuild, first.ID, "dismissed", reportModerate,
		audit.Entry{GuildID: reportGuild, ActionType: "flag-dismiss", ActorID: reportModerate}); err != nil {
		t.Fatal(err)
	}
	if _, err := fileReport(db.Store, reporter, again); err != nil {
		t.Errorf("the same message after the review: %v", err)
	}
}

// The sixth report within the window is refused, and keeps its draft.
func TestFileReportLimit(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	for i := range 5 {
		if _, err := fileReport(db.Store, reporter, draft(t, db.Store, reporter, i)); err != nil {
			t.Fatalf("report %d: %v", i+1, err)
		}
	}
	sixth := draft(t, db.Store, reporter, 5)
	if _, err := fileReport(db.Store, reporter, sixth); !errors.Is(err, store.ErrReportLimit) {
		t.Fatalf("sixth report: err = %v, want ErrReportLimit", err)
	}
	if n, err := db.Store.CountReports(context.Background(), reportGuild, reporter, 10*time.Minute); err != nil || n != 5 {
		t.Errorf("CountReports = %d, %v; want 5", n, err)
	}
	if _, err := fileReport(db.Store, otherReporter, draft(t, db.Store, otherReporter, 6)); err != nil {
		t.Errorf("another reporter is limited too: %v", err)
	}
}

// A reporter's history counts their last reviewed reports.
func TestReporterHistories(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	statuses := []string{"dismissed", "confirmed", "dismissed", "dismissed", ""}
	for i, st := range statuses {
		f, err := fileReport(db.Store, reporter, draft(t, db.Store, reporter, i))
		if err != nil {
			t.Fatal(err)
		}
		if st != "" {
			if _, err := db.Store.ReviewFlag(ctx, reportGuild, f.ID, st, reportModerate,
				audit.Entry{GuildID: reportGuild, ActionType: "flag-" + st, ActorID: reportModerate}); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := db.Store.ReporterHistories(ctx, reportGuild, []string{reporter, otherReporter}, 3)
	if err != nil {
		t.Fatal(err)
	}
	// The last 3 reviewed: dismissed, dismissed, confirmed (newest first).
	want := map[string]store.ReporterHistory{reporter: {ReporterID: reporter, Filed: 5, Dismissed: 3, RecentReviewed: 3, RecentDismissed: 2}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("histories mismatch (-want +got):\n%s", diff)
	}
}

// Erasing a reporter keeps their reports, unattributed; their export lists
// the reports they filed, and the reported member's never names them.
func TestReporterErasureAndExport(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	if _, err := fileReport(db.Store, reporter, draft(t, db.Store, reporter, 0)); err != nil {
		t.Fatal(err)
	}
	pending := draft(t, db.Store, reporter, 1)
	section := func(key, userID string) []any {
		var out []any
		err := db.Store.InExportSnapshot(ctx, func(r store.ExportReader) error {
			return r.Section(ctx, key, userID, reportGuild, func(v any) { out = append(out, v) })
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	filed := section("reportsFiled", reporter)
	if len(filed) != 1 || *filed[0].(store.ExportReportFiled).Reason != "insulting me again" {
		t.Errorf("reporter's reportsFiled = %+v", filed)
	}
	if got := section("reportsFiled", reported); len(got) != 0 {
		t.Errorf("the reported member's export lists reports: %+v", got)
	}
	var changes []store.ErasureChange
	err := db.Store.InTx(ctx, func(tx store.Tx) error {
		var err error
		changes, _, err = tx.EraseMemberContent(ctx, reportGuild, reporter, "erased-0000000000000000")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, c := range changes {
		got[c.Table+" "+c.Action] = c.Rows
	}
	if got["content_flags unattributed"] != 1 || got["report_drafts deleted"] != 1 {
		t.Errorf("erasure changes %v, want one report unattributed and one draft deleted", got)
	}
	var n int
	if err := db.App.QueryRow(ctx, `SELECT count(*) FROM content_flags WHERE reporter_id IS NULL AND report_reason IS NULL
		AND content_type = 'message_report' AND excerpt <> ''`).Scan(&n); err != nil || n != 1 {
		t.Errorf("unattributed reports = %d, %v; want 1 kept with its excerpt", n, err)
	}
	if _, err := fileReport(db.Store, reporter, pending); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the erased reporter's draft: err = %v, want ErrNotFound", err)
	}
	// The report's audit record no longer names the reporter nor the flag.
	err = db.Store.InTx(ctx, func(tx store.Tx) error {
		_, err := tx.EraseMemberAudit(ctx, reportGuild, reporter, "erased-0000000000000000")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var actor string
	var hasFlag bool
	if err := db.App.QueryRow(ctx, `SELECT actor_id, details ? 'flagId' FROM audit_log WHERE action_type = $1`, store.ReportActionType).
		Scan(&actor, &hasFlag); err != nil {
		t.Fatal(err)
	}
	if actor != "erased-0000000000000000" || hasFlag {
		t.Errorf("the report's audit record after erasure: actor %s, flag id kept %v", actor, hasFlag)
	}
}

// Erasing a reported member blanks the reason written about them with
// their words: at once for a reviewed report, at review for a pending one.
func TestReportedMemberErasure(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	reviewed, err := fileReport(db.Store, reporter, draft(t, db.Store, reporter, 0))
	if err != nil {
		t.Fatal(err)
	}
	review := func(id int64) {
		t.Helper()
		if _, err := db.Store.ReviewFlag(ctx, reportGuild, id, "confirmed", reportModerate,
			audit.Entry{GuildID: reportGuild, ActionType: "flag-confirm", ActorID: reportModerate}); err != nil {
			t.Fatal(err)
		}
	}
	review(reviewed.ID)
	pending, err := fileReport(db.Store, reporter, draft(t, db.Store, reporter, 1))
	if err != nil {
		t.Fatal(err)
	}
	err = db.Store.InTx(ctx, func(tx store.Tx) error {
		_, n, err := tx.EraseMemberContent(ctx, reportGuild, reported, "erased-0000000000000000")
		if n != 1 {
			t.Errorf("%d flags wait for review, want 1", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	review(pending.ID)
	if n := count(t, db, `SELECT count(*) FROM content_flags WHERE excerpt = '' AND report_reason IS NULL AND reporter_id IS NOT NULL`); n != 2 {
		t.Errorf("%d reports blanked, want both", n)
	}
}

func count(t *testing.T, db *storetest.DB, query string) int {
	t.Helper()
	var n int
	if err := db.App.QueryRow(context.Background(), query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
