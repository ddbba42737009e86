package smoke

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/sandbox"
	"github.com/embodied-community/embodied/internal/store"
)

// runner is what a test uses: the world, and the notes of what it saw.
type runner struct {
	w    *sandbox.World
	cfg  *config.Config
	seen []string
}

func (r *runner) sawf(format string, args ...any) {
	r.seen = append(r.seen, fmt.Sprintf(format, args...))
}

func (r *runner) member(name string) *discordsim.Member { return r.w.Member(name) }

// run has member run a command and returns the interaction.
func (r *runner) run(ctx context.Context, who, command string, opts ...discordsim.Option) (*discordsim.Interaction, error) {
	ix, err := r.w.Sim.Run(ctx, r.member(who), command, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s runs %s: %w", who, command, err)
	}
	return ix, nil
}

// count runs one of the store's smoke checks on the bot's database.
func (r *runner) count(ctx context.Context, check store.SmokeCheck, args ...any) (int, error) {
	return r.w.App.Store.SmokeCount(ctx, check, args...)
}

// logLine waits up to d for a log line containing every part.
func (r *runner) logLine(d time.Duration, n int, parts ...string) error {
	if eventually(d, func() bool { return len(r.w.LogLines(parts...)) >= n }) {
		r.sawf("log %q", firstLine(r.w.LogLines(parts...)))
		return nil
	}
	return fmt.Errorf("no log line %q", strings.Join(parts, " … "))
}

func firstLine(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	l := lines[0]
	// Drop the time and level before the [Component].
	if i := strings.Index(l, "["); i > 0 {
		l = l[i:]
	}
	return l
}

func eventually(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(25 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

func firstLineOf(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

// Tests returns the guide's smoke tests in order; test 8 checks every
// healthInterval.
func Tests(healthInterval time.Duration) []Test {
	return []Test{
		{Number: 1, Name: "Rate limiting", Commands: []string{"/submit-stats"}, manualClock: true,
			Expected: `requests 1-3 execute normally; request 4: "⏳ Rate limited. Try again in XXXX s."; log [RateLimiter] Rate limit exceeded userId commandName=submit-stats`,
			run:      rateLimiting},
		{Number: 2, Name: "Permission denied", Commands: []string{"/security audit"},
			Expected: `a non-admin gets "❌ You do not have permission to use this command."; log [PermissionGuard] Permission denied command=security`,
			run:      permissionDenied},
		{Number: 3, Name: "Content moderation", Commands: []string{"/barbie add", "/security flags"},
			Expected: `the note is flagged: content_flags row (barbie_note, toxic_language), shown by /security flags; log [ContentModerator] Content flagged`,
			run:      contentModeration},
		{Number: 4, Name: "Audit logging", Commands: []string{"/admin adjust-xp", "/security audit"},
			Expected: `audit_log row adjust-xp; /security audit embed "adjust-xp - <time>" with "Admin: <@admin>" and "Target: <@alice>"`,
			run:      auditLogging},
		{Number: 5, Name: "Warning system (safe mode)", Env: []string{"SECOPS_ENFORCE_MODERATION=false"}, Commands: []string{"/security warn", "/security warnings"},
			Expected: `reply "User warned. Total warnings: N. Action: warning"; DM "⚠️ Warning - Strike 1/3"; no timeout or ban; /security warnings shows "MEDIUM - <date>" and the reason; logs [WarningSystem] User warned, enforcement DISABLED`,
			run:      warningSystem},
		{Number: 6, Name: "Manual backup", Env: []string{"SECOPS_ENABLE_AUTOBACKUP=true"}, Commands: []string{"/security backup"},
			Expected: `"Starting database backup...", then "Backup completed!" with "File: backup-<time>.sql.gz" and its size; the file in SECOPS_BACKUP_DIR`,
			run:      manualBackup},
		{Number: 7, Name: "GDPR export", Commands: []string{"/security export-data"},
			Expected: `JSON attachment user-data-<id>-<timestamp>.json with exportDate, userId, profile, stats, dailyRecords, tenseys, barbieList, journalEntries, courseProgress, duels, warnings, auditLog; audit_log row gdpr_export`,
			run:      gdprExport},
		{Number: 8, Name: "Health check monitoring", Env: []string{"SECOPS_ENABLE_HEALTHCHECKS=true", "SECOPS_HEALTHCHECK_INTERVAL=" + healthInterval.String()},
			Expected: `[HealthCheck] Health checks scheduled; then Discord connection check: PASS, Database connection check: PASS and Memory: heapUsed, repeating every interval; no FAIL`,
			run:      func(ctx context.Context, r *runner) error { return healthChecks(ctx, r, healthInterval) }},
	}
}

func rateLimiting(ctx context.Context, r *runner) error {
	alice := r.member("alice")
	for i := 1; i <= 3; i++ {
		ix, err := r.run(ctx, "alice", "/submit-stats", discordsim.Int("approaches", 2))
		if err != nil {
			return err
		}
		if !strings.HasPrefix(ix.Content(), "📊 Stats saved") {
			return fmt.Errorf("request %d: %q", i, firstLineOf(ix.Content()))
		}
		r.sawf("request %d: %q", i, firstLineOf(ix.Content()))
		if i < 3 {
			r.w.Clock.Advance(5 * time.Second) // [wait 5 seconds]
		}
	}
	ix, err := r.run(ctx, "alice", "/submit-stats")
	if err != nil {
		return err
	}
	if !regexp.MustCompile(`^⏳ Rate limited\. Try again in \d+ s\.$`).MatchString(ix.Content()) {
		return fmt.Errorf("request 4: %q", ix.Content())
	}
	r.sawf("request 4: %q", ix.Content())
	return r.logLine(5*time.Second, 1, "[RateLimiter] Rate limit exceeded", "userId="+alice.ID(), "commandName=submit-stats")
}

func permissionDenied(ctx context.Context, r *runner) error {
	ix, err := r.run(ctx, "alice", "/security audit")
	if err != nil {
		return err
	}
	if want := "❌ You do not have permission to use this command."; ix.Content() != want {
		return fmt.Errorf("reply %q", ix.Content())
	}
	r.sawf("alice: %q", ix.Content())
	return r.logLine(5*time.Second, 1, "[PermissionGuard] Permission denied", "userId="+r.member("alice").ID(), "command=security")
}

func contentModeration(ctx context.Context, r *runner) error {
	alice := r.member("alice")
	start := time.Now().Add(-time.Minute)
	ix, err := r.run(ctx, "alice", "/barbie add", discordsim.String("name", "Test Contact"), discordsim.String("notes", "This bitch deserves to be ignored"))
	if err != nil {
		return err
	}
	r.sawf("reply %q", strings.ReplaceAll(ix.Content(), "\n", " "))
	n, err := r.count(ctx, store.SmokeToxicNoteFlags, r.w.Guild.ID, alice.ID(), start)
	if err != nil {
		return err
	}
	if n < 1 {
		return fmt.Errorf("no content_flags row (barbie_note, toxic_language)")
	}
	r.sawf("content_flags row (%s, barbie_note, toxic_language)", alice.ID())
	flags, err := r.run(ctx, "moderator", "/security flags")
	if err != nil {
		return err
	}
	found := false
	for _, e := range flags.Embeds() {
		for _, f := range e.Fields {
			found = found || strings.Contains(f.Value, "This bitch deserves to be ignored")
		}
	}
	if !found {
		return fmt.Errorf("/security flags does not show the note")
	}
	r.sawf("/security flags shows the note")
	return r.logLine(5*time.Second, 1, "[ContentModerator] Content flagged", "contentType=barbie_note", "flagReason=toxic_language")
}

func auditLogging(ctx context.Context, r *runner) error {
	admin, alice := r.member("admin"), r.member("alice")
	ix, err := r.run(ctx, "admin", "/admin adjust-xp", discordsim.User("user", alice), discordsim.Int("amount", 100))
	if err != nil {
		return err
	}
	r.sawf("reply %q", ix.Content())
	if err := r.w.App.Audit.Flush(ctx); err != nil {
		return fmt.Errorf("flush the audit log: %w", err)
	}
	n, err := r.count(ctx, store.SmokeXPAdjustAudit, admin.ID(), alice.ID())
	if err != nil {
		return err
	}
	if n < 1 {
		return fmt.Errorf("no audit_log row with action_type = 'adjust-xp'")
	}
	r.sawf("audit_log row adjust-xp")
	audit, err := r.run(ctx, "admin", "/security audit")
	if err != nil {
		return err
	}
	want := fmt.Sprintf("Admin: <@%s>\nTarget: <@%s>", admin.ID(), alice.ID())
	for _, e := range audit.Embeds() {
		for _, f := range e.Fields {
			if strings.HasPrefix(f.Name, "adjust-xp - ") && strings.HasPrefix(f.Value, want) {
				r.sawf("embed %q / %q", f.Name, strings.ReplaceAll(f.Value, "\n", " · "))
				return nil
			}
		}
	}
	return fmt.Errorf("/security audit shows no adjust-xp entry by admin for alice")
}

func warningSystem(ctx context.Context, r *runner) error {
	bob := r.member("bob")
	before, err := r.count(ctx, store.SmokeWarnings, r.w.Guild.ID, bob.ID())
	if err != nil {
		return err
	}
	ix, err := r.run(ctx, "moderator", "/security warn", discordsim.User("user", bob), discordsim.String("reason", "Test warning"), discordsim.String("severity", "medium"))
	if err != nil {
		return err
	}
	want := fmt.Sprintf("User warned. Total warnings: %d. Action: warning", before+1)
	if firstLineOf(ix.Content()) != want {
		return fmt.Errorf("reply %q, want %q", firstLineOf(ix.Content()), want)
	}
	r.sawf("reply %q", want)
	if !eventually(5*time.Second, func() bool { return len(r.w.Sim.DMs(bob.ID())) > 0 }) {
		return fmt.Errorf("bob received no DM")
	}
	dm := r.w.Sim.DMs(bob.ID())[0].Content
	if !strings.HasPrefix(dm, "⚠️ Warning - Strike 1/3") {
		return fmt.Errorf("DM %q", firstLineOf(dm))
	}
	r.sawf("DM %q", firstLineOf(dm))
	if _, ok := r.w.Sim.Timeout(r.w.Guild.ID, bob.ID()); ok {
		return fmt.Errorf("bob was timed out in safe mode")
	}
	if _, ok := r.w.Sim.Ban(r.w.Guild.ID, bob.ID()); ok {
		return fmt.Errorf("bob was banned in safe mode")
	}
	r.sawf("no timeout, no ban")
	list, err := r.run(ctx, "moderator", "/security warnings", discordsim.User("user", bob))
	if err != nil {
		return err
	}
	found := false
	for _, e := range list.Embeds() {
		for _, f := range e.Fields {
			if strings.HasPrefix(f.Name, "MEDIUM - ") && strings.Contains(f.Value, "Test warning") {
				found = true
				r.sawf("embed %q", f.Name)
			}
		}
	}
	if !found {
		return fmt.Errorf("/security warnings shows no MEDIUM entry with the reason")
	}
	if err := r.logLine(5*time.Second, 1, "[WarningSystem] User warned", "userId="+bob.ID()); err != nil {
		return err
	}
	return r.logLine(time.Second, 1, "[WarningSystem] Moderation enforcement DISABLED")
}

func manualBackup(ctx context.Context, r *runner) error {
	ix, err := r.run(ctx, "owner", "/security backup")
	if err != nil {
		return err
	}
	var final string
	done := eventually(2*time.Minute, func() bool {
		for _, m := range ix.Messages() {
			if strings.Contains(m.Content, "Backup completed") || strings.Contains(strings.ToLower(m.Content), "failed") {
				final = m.Content
				return true
			}
		}
		return false
	})
	if !done {
		return fmt.Errorf("no \"Backup completed!\" message; saw %q", ix.Content())
	}
	r.sawf("%q", strings.ReplaceAll(final, "\n", " · "))
	m := regexp.MustCompile(`File: (backup-[A-Za-z0-9._-]*\.sql\.gz)`).FindStringSubmatch(final)
	if !strings.Contains(final, "Backup completed!") || m == nil || !strings.Contains(final, "Size:") {
		return fmt.Errorf("the final message lacks \"Backup completed!\", the file or the size")
	}
	st, err := os.Stat(filepath.Join(r.cfg.BackupDir, m[1]))
	if err != nil {
		return fmt.Errorf("the backup file: %w", err)
	}
	r.sawf("%s in %s (%d bytes)", m[1], r.cfg.BackupDir, st.Size())
	return nil
}

func gdprExport(ctx context.Context, r *runner) error {
	alice := r.member("alice")
	if _, err := r.run(ctx, "alice", "/barbie add", discordsim.String("name", "Test Contact"), discordsim.String("notes", "met at the climbing gym")); err != nil {
		return err
	}
	ix, err := r.run(ctx, "admin", "/security export-data", discordsim.User("user", alice))
	if err != nil {
		return err
	}
	files := ix.Files()
	if len(files) != 1 {
		return fmt.Errorf("%d attachments; reply %q", len(files), ix.Content())
	}
	f := files[0]
	if !regexp.MustCompile(`^user-data-` + alice.ID() + `-\d+\.json$`).MatchString(f.Name) {
		return fmt.Errorf("attachment %q", f.Name)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(f.Data, &doc); err != nil {
		return fmt.Errorf("%s is not JSON: %w", f.Name, err)
	}
	var missing []string
	for _, key := range []string{"exportDate", "userId", "profile", "stats", "dailyRecords", "tenseys", "barbieList",
		"journalEntries", "courseProgress", "duels", "warnings", "auditLog"} {
		if _, ok := doc[key]; !ok {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s lacks %s", f.Name, strings.Join(missing, ", "))
	}
	r.sawf("%s (%d bytes) with every key", f.Name, len(f.Data))
	ok := eventually(10*time.Second, func() bool {
		n, err := r.count(ctx, store.SmokeExportAudit, alice.ID())
		return err == nil && n > 0
	})
	if !ok {
		return fmt.Errorf("no audit_log row with action_type = 'gdpr_export'")
	}
	r.sawf("audit_log row gdpr_export")
	return nil
}

func healthChecks(_ context.Context, r *runner, interval time.Duration) error {
	if err := r.logLine(5*time.Second, 1, "[HealthCheck] Health checks scheduled"); err != nil {
		return err
	}
	wait := 4*interval + 10*time.Second
	for _, want := range []string{"[HealthCheck] Discord connection check: PASS", "[HealthCheck] Database connection check: PASS", "[HealthCheck] Memory: heapUsed="} {
		if err := r.logLine(wait, 2, want); err != nil {
			return fmt.Errorf("%w twice (it must repeat every %s)", err, interval)
		}
	}
	if fails := r.w.LogLines("[HealthCheck]", "FAIL"); len(fails) > 0 {
		return fmt.Errorf("failures logged: %s", firstLine(fails))
	}
	r.sawf("repeated every %s, no FAIL", interval)
	return nil
}
