package privacy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/gzip"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/privacy"
	"github.com/embodied-community/embodied/internal/privacy/privacytest"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var now = time.Date(2025, 10, 7, 14, 30, 15, 0, time.UTC)

const (
	guild1 = "100000000000000001"
	guild2 = "100000000000000002"
	alice  = "200000000000000001"
	bob    = "200000000000000002"
	mod    = "200000000000000003"
)

// world is a database with alice and bob in guild 1 and alice in guild 2.
type world struct {
	db                 *storetest.DB
	svc                *privacy.Service
	alice1, alice2, b1 privacytest.Expected
}

func newWorld(t *testing.T, n int) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{db: storetest.New(t)}
	w.svc = privacy.New(w.db.Store, privacy.Options{Dir: filepath.Join(t.TempDir(), "exports"), Now: func() time.Time { return now }})
	var err error
	if w.alice1, err = privacytest.Seed(ctx, w.db.App, privacytest.Member{GuildID: guild1, UserID: alice, OtherID: mod, Marker: "alice-g1"}, n); err != nil {
		t.Fatal(err)
	}
	if w.b1, err = privacytest.Seed(ctx, w.db.App, privacytest.Member{GuildID: guild1, UserID: bob, OtherID: mod, Marker: "bob-g1"}, n); err != nil {
		t.Fatal(err)
	}
	if w.alice2, err = privacytest.Seed(ctx, w.db.App, privacytest.Member{GuildID: guild2, UserID: alice, OtherID: mod, Marker: "alice-g2"}, n); err != nil {
		t.Fatal(err)
	}
	return w
}

var rfc3339UTC = regexp.MustCompile(`"(createdAt|updatedAt|completedAt|expiresAt|windowStart|firstAt|lastAt|resolvedAt)":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)"`)

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3)
	tests := []struct {
		name      string
		subj      privacy.Subject
		want      privacytest.Expected
		forbidden []string
	}{
		{"one guild", privacy.Subject{UserID: alice, GuildID: guild1}, w.alice1, []string{"bob-g1", "alice-g2", guild2}},
		{"every guild", privacy.Subject{UserID: alice}, privacytest.Merge(w.alice1, w.alice2), []string{"bob-g1"}},
		{"nobody", privacy.Subject{UserID: "299999999999999999", GuildID: guild1}, privacytest.Expected{}, []string{"alice-g1", "bob-g1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			counts, err := w.svc.WriteJSON(context.Background(), &buf, tt.subj)
			if err != nil {
				t.Fatal(err)
			}
			got, top, err := privacytest.Identities(buf.Bytes(), privacy.Keys[4:])
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("rows mismatch (-want +got):\n%s", diff)
			}
			var total int64
			for _, v := range tt.want {
				total += int64(len(v))
			}
			if counts.Total() != total {
				t.Errorf("counts say %d rows, want %d", counts.Total(), total)
			}
			for _, f := range tt.forbidden {
				if bytes.Contains(buf.Bytes(), []byte(f)) {
					t.Errorf("export holds %q", f)
				}
			}
			if diff := cmp.Diff(`"`+tt.subj.UserID+`"`, string(top["userId"])); diff != "" {
				t.Errorf("userId mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(`"2025-10-07T14:30:15Z"`, string(top["exportDate"])); diff != "" {
				t.Errorf("exportDate mismatch (-want +got):\n%s", diff)
			}
			if total > 0 && len(rfc3339UTC.FindAll(buf.Bytes(), -1)) < int(total) {
				t.Errorf("timestamps are not RFC 3339 UTC with microseconds:\n%.2000s", buf.String())
			}
		})
	}
}

// TestKeyOrder checks that the top-level keys come in the documented order.
func TestKeyOrder(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	svc := privacy.New(db.Store, privacy.Options{Dir: t.TempDir(), Now: func() time.Time { return now }})
	var buf bytes.Buffer
	if _, err := svc.WriteJSON(context.Background(), &buf, privacy.Subject{UserID: alice, GuildID: guild1}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(privacy.Keys, topKeys(t, buf.Bytes())); diff != "" {
		t.Errorf("key order mismatch (-want +got):\n%s", diff)
	}
}

// topKeys lists a JSON object's keys in document order.
func topKeys(t *testing.T, doc []byte) []string {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(doc))
	if _, err := d.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestExportDelivery(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 40)
	subj := privacy.Subject{UserID: alice, GuildID: guild1}
	var plain bytes.Buffer
	if _, err := w.svc.WriteJSON(context.Background(), &plain, subj); err != nil {
		t.Fatal(err)
	}
	size := int64(plain.Len())
	tests := []struct {
		name          string
		limit         int64
		gzipped, kept bool
	}{
		{"fits", size, false, false},
		{"compressed", size - 1, true, false},
		{"kept", 100, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := w.svc.Export(context.Background(), subj, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Remove()
			wantName := fmt.Sprintf("user-data-%s-%d.json", alice, now.UnixMilli())
			if tt.gzipped {
				wantName += ".gz"
			}
			got := []any{f.Name, f.Gzipped, f.Kept, f.RawSize}
			if diff := cmp.Diff([]any{wantName, tt.gzipped, tt.kept, size}, got); diff != "" {
				t.Errorf("file mismatch (-want +got):\n%s", diff)
			}
			info, err := os.Stat(f.Path)
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode().Perm() != 0o600 || info.Size() != f.Size {
				t.Errorf("file mode %v size %d, want 0600 and %d", info.Mode().Perm(), info.Size(), f.Size)
			}
			if tt.kept {
				if filepath.Base(f.Path) != wantName || !f.ExpiresAt.Equal(now.Add(privacy.DefaultRetention)) {
					t.Errorf("kept at %s until %v", f.Path, f.ExpiresAt)
				}
				dir, _ := os.Stat(filepath.Dir(f.Path))
				if dir.Mode().Perm() != 0o700 {
					t.Errorf("exports directory mode %v, want 0700", dir.Mode().Perm())
				}
			}
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var content io.Reader = r
			if tt.gzipped {
				zr, err := gzip.NewReader(r)
				if err != nil {
					t.Fatal(err)
				}
				content = zr
			}
			data, err := io.ReadAll(content)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, plain.Bytes()) {
				t.Error("file content differs from WriteJSON's")
			}
			if err := f.Remove(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(f.Path); tt.kept == os.IsNotExist(err) {
				t.Errorf("after Remove, kept=%v but stat says %v", tt.kept, err)
			}
		})
	}
}

func TestPrune(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clock := now
	svc := privacy.New(nil, privacy.Options{Dir: dir, Retention: 24 * time.Hour, Now: func() time.Time { return clock }})
	files := map[string]bool{ // name → expected to survive
		privacy.FileName(alice, now.Add(-25*time.Hour)) + ".gz": false,
		privacy.FileName(alice, now.Add(-24*time.Hour)):         false,
		privacy.FileName(bob, now.Add(-23*time.Hour)) + ".gz":   true,
		"unrelated.txt": true,
	}
	for name := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	n, err := svc.Prune()
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var left, want []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	for name, keep := range files {
		if keep {
			want = append(want, name)
		}
	}
	slices.Sort(want)
	slices.Sort(left)
	if diff := cmp.Diff(want, left); diff != "" || n != 2 {
		t.Errorf("deleted %d; left mismatch (-want +got):\n%s", n, diff)
	}
}

func TestErase(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3)
	ctx := context.Background()
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := w.db.App.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	before := map[string]int{}
	for _, tb := range []string{"duels", "user_warnings", "user_moderation", "content_flags", "audit_log", "security_audit_logs", "rate_limit_violations"} {
		before[tb] = count(`SELECT count(*) FROM ` + tb)
	}
	record := audit.Entry{GuildID: guild1, ActionType: "gdpr_erasure", ActorID: alice, TargetID: alice, Reason: "requested by the member"}
	res, err := w.svc.Erase(ctx, guild1, alice, record)
	if err != nil {
		t.Fatal(err)
	}
	wantChanges := map[string]int64{
		"member_profiles deleted": 1, "stats_submissions deleted": 3, "daily_records deleted": 3, "tenseys deleted": 3,
		"barbie_list deleted": 3, "journal_entries deleted": 3, "course_progress deleted": 3,
		"duels pseudonymised": 3, "user_warnings blanked": 3, "user_moderation blanked": 3,
		"content_flags blanked": 3, "audit_log pseudonymised": 3,
		"content_flags unattributed": 0, "report_drafts deleted": 0,
	}
	if diff := cmp.Diff(wantChanges, res.Map()); diff != "" {
		t.Errorf("changes mismatch (-want +got):\n%s", diff)
	}
	left := func(guild, user, marker string) map[string]int {
		t.Helper()
		m, err := privacytest.PersonalContent(ctx, w.db.App, guild, user, marker)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	for table, n := range left(guild1, alice, "alice-g1") {
		if n != 0 {
			t.Errorf("%s: %d rows of personal content left", table, n)
		}
	}
	// Bob's data and alice's in another guild are untouched.
	for _, o := range []struct{ guild, user, marker string }{{guild1, bob, "bob-g1"}, {guild2, alice, "alice-g2"}} {
		for table, n := range left(o.guild, o.user, o.marker) {
			if n == 0 {
				t.Errorf("%s: %s's rows in %s were erased too", table, o.user, o.guild)
			}
		}
	}
	// The safety record stays, whole.
	after := map[string]int{}
	for tb := range before {
		after[tb] = count(`SELECT count(*) FROM ` + tb)
	}
	before["audit_log"]++ // the erasure's own record
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("row counts mismatch (-want +got):\n%s", diff)
	}
	if n := count(`SELECT count(*) FROM user_warnings WHERE user_id = $1 AND guild_id = $2`, alice, guild1); n != 3 {
		t.Errorf("%d warnings left, want 3", n)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE action_type = 'gdpr_erasure' AND target_id = $1 AND details ? 'erased'`, alice); n != 1 {
		t.Errorf("erasure record: %d", n)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE erased_at IS NOT NULL AND salt IS NULL AND target_id LIKE 'erased-%' AND actor_id = $1`, mod); n != 3 {
		t.Errorf("pseudonymised audit rows: %d, want 3", n)
	}
	v, err := audit.Verify(ctx, w.db.App)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() || v.Rows != int64(after["audit_log"]) {
		t.Errorf("audit chain after erasure: %+v (break %+v)", v, v.FirstBreak)
	}
	// Erasing twice is harmless.
	if _, err := w.svc.Erase(ctx, guild1, alice, record); err != nil {
		t.Fatal(err)
	}
	if v, err := audit.Verify(ctx, w.db.App); err != nil || !v.OK() {
		t.Errorf("audit chain after a second erasure: %+v %v", v, err)
	}
	// The application role still cannot rewrite the audit log itself.
	if _, err := w.db.App.Exec(ctx, `UPDATE audit_log SET reason = 'x'`); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("direct audit update: %v", err)
	}
}

// auditRow is what an audit record says about who did what.
type auditRow struct {
	Actor, Action, Target, Reason, Details string
	Erased                                 bool
}

// auditRows reads audit records by id, in id order.
func auditRows(t *testing.T, w *world, ids []int64) []auditRow {
	t.Helper()
	rows, err := w.db.App.Query(context.Background(), `SELECT actor_id, action_type, coalesce(target_id, ''), coalesce(reason, ''),
		details::text, erased_at IS NOT NULL FROM audit_log WHERE id = ANY($1) ORDER BY id`, ids)
	if err != nil {
		t.Fatal(err)
	}
	var out []auditRow
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(&r.Actor, &r.Action, &r.Target, &r.Reason, &r.Details, &r.Erased); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// insertAudit writes entries as the bot does and returns their ids.
func insertAudit(t *testing.T, w *world, entries ...audit.Entry) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	db := store.New(w.db.App)
	for _, e := range entries {
		var id int64
		if err := db.InTx(ctx, func(tx store.Tx) (err error) {
			id, err = tx.AuditWithID(ctx, e)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// A moderator who erases their data keeps, on every staff action they
// took, their id, the action, its target and its reason (GDPR Art. 17(3)),
// while their personal content, the records about them and their own
// data-rights requests are erased; the audit chain still verifies.
func TestEraseKeepsStaffActions(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2)
	ctx := context.Background()
	const admin = "200000000000000004"
	if _, err := privacytest.Seed(ctx, w.db.App, privacytest.Member{GuildID: guild1, UserID: mod, OtherID: admin, Marker: "mod-words"}, 2); err != nil {
		t.Fatal(err)
	}
	staff := func(action, target, reason string, details map[string]any) audit.Entry {
		return audit.Entry{GuildID: guild1, ActionType: action, ActorID: mod, TargetID: target, Reason: reason, Details: details}
	}
	acts := insertAudit(t, w,
		staff("warn", bob, "Spam links in #general", map[string]any{"severity": "medium", "caseNumber": 1}),
		staff("timeout", bob, "Spam links in #general (strike 2)", map[string]any{"duration": "24h"}),
		staff("ban", alice, "Raid", nil),
		staff("pardon", mod, "My own strike was a mistake", map[string]any{"case": 3}),
		staff("adjust-xp", bob, "Event bonus", map[string]any{"delta": 50}),
		staff("gdpr_export", bob, "", map[string]any{"phase": "outcome", "subject": bob}),
		staff("gdpr_erasure", alice, "Email request of 2025-10-06", map[string]any{"source": "staff"}),
		staff("moderation-regex-add", "", "", map[string]any{"pattern": `b[i1]tch`}),
		staff("flag-dismiss", bob, "", map[string]any{"flagId": 7, "status": "dismissed"}),
	)
	own := insertAudit(t, w, staff("gdpr_export", "", "", map[string]any{"phase": "outcome", "subject": mod}))
	before := auditRows(t, w, acts)
	// newWorld's adjust-xp records on alice and bob are the moderator's too.
	var wantStaff int64
	if err := w.db.App.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE guild_id = $1 AND actor_id = $2 AND id <> ALL($3)`,
		guild1, mod, own).Scan(&wantStaff); err != nil {
		t.Fatal(err)
	}

	record := audit.Entry{GuildID: guild1, ActionType: "gdpr_erasure", ActorID: mod, TargetID: mod, Reason: "requested by the member"}
	res, err := w.svc.Erase(ctx, guild1, mod, record)
	if err != nil {
		t.Fatal(err)
	}
	if res.StaffRecords != wantStaff {
		t.Errorf("erasure says %d staff records kept, want %d", res.StaffRecords, wantStaff)
	}
	if diff := cmp.Diff(before, auditRows(t, w, acts)); diff != "" {
		t.Errorf("staff actions changed by the erasure: mismatch (-want +got):\n%s", diff)
	}
	if got := auditRows(t, w, own); len(got) != 1 || !strings.HasPrefix(got[0].Actor, "erased-") || !got[0].Erased || strings.Contains(got[0].Details, mod) {
		t.Errorf("the moderator's own export request was not erased: %+v", got)
	}
	left, err := privacytest.PersonalContent(ctx, w.db.App, guild1, mod, "mod-words")
	if err != nil {
		t.Fatal(err)
	}
	for table, n := range left {
		if n != 0 {
			t.Errorf("%s: %d rows of the moderator's personal content left", table, n)
		}
	}
	v, err := audit.Verify(ctx, w.db.App)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() {
		t.Errorf("audit chain after erasure: %+v (break %+v)", v, v.FirstBreak)
	}
}

// A flag still waiting for review keeps its excerpt (the review needs the
// evidence); the review then blanks it. A flag on something the member
// posted after the erasure is new content and keeps its excerpt.
func TestErasePendingFlag(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 1)
	ctx := context.Background()
	st := store.New(w.db.App)
	flag := func(excerpt string) int64 {
		t.Helper()
		var id int64
		if err := w.db.App.QueryRow(ctx, `INSERT INTO content_flags (guild_id, user_id, content_type, flag_reason, excerpt)
			VALUES ($1, $2, 'journal_entry', 'toxic_language', $3) RETURNING id`, guild1, alice, excerpt).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	excerpt := func(id int64) string {
		t.Helper()
		var s string
		if err := w.db.App.QueryRow(ctx, `SELECT excerpt FROM content_flags WHERE id = $1`, id).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	review := func(id int64) {
		t.Helper()
		entry := audit.Entry{GuildID: guild1, ActionType: "flag-dismiss", ActorID: mod}
		if _, err := st.ReviewFlag(ctx, guild1, id, "dismissed", mod, entry); err != nil {
			t.Fatal(err)
		}
	}
	pending := flag("alice-pending you are all idiots")
	record := audit.Entry{GuildID: guild1, ActionType: "gdpr_erasure", ActorID: alice, TargetID: alice, Reason: "requested by the member"}
	res, err := w.svc.Erase(ctx, guild1, alice, record)
	if err != nil {
		t.Fatal(err)
	}
	if res.PendingFlags != 1 {
		t.Errorf("erasure says %d flags wait for review, want 1", res.PendingFlags)
	}
	if diff := cmp.Diff("alice-pending you are all idiots", excerpt(pending)); diff != "" {
		t.Errorf("pending flag before review: mismatch (-want +got):\n%s", diff)
	}
	review(pending)
	if diff := cmp.Diff("", excerpt(pending)); diff != "" {
		t.Errorf("pending flag after review: mismatch (-want +got):\n%s", diff)
	}
	later := flag("alice-later written after the erasure")
	review(later)
	if diff := cmp.Diff("alice-later written after the erasure", excerpt(later)); diff != "" {
		t.Errorf("flag of a later post: mismatch (-want +got):\n%s", diff)
	}
}
