package app_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/middleware/moderator"
	"github.com/embodied-community/embodied/internal/moderation"
)

// note has member add a barbie note and returns the reply.
func note(h *apptest.Harness, member *discordsim.Member, text string) string {
	h.Clock.Advance(time.Minute) // below /barbie add's rate limit
	return h.Run(member, "/barbie add", discordsim.String("name", "Sam"), discordsim.String("notes", text)).Content()
}

const flaggedNote = "⚠️ Your submission was flagged for moderator review."

// An admin manages the rules; each change is audited, bad input changes
// nothing, members cannot touch them, and a custom keyword flags at once.
func TestModerationRuleManagement(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	// Cached before the change: the change must invalidate it.
	if got := note(h, h.Alice, "such a grapefruity person"); strings.Contains(got, flaggedNote) {
		t.Fatalf("flagged before any rule: %q", got)
	}

	ix := h.Run(h.Admin, "/security moderation keyword-add", discordsim.String("pattern", "Grapefruit*"),
		discordsim.String("category", "insult"), discordsim.String("severity", "high"))
	if diff := cmp.Diff("✅ Added keyword `grapefruit*` (insult, high). Rules version 1, in force now.", ix.Content()); diff != "" {
		t.Errorf("keyword-add reply mismatch (-want +got):\n%s", diff)
	}
	if got := note(h, h.Alice, "such a grapefruity person"); !strings.Contains(got, flaggedNote) {
		t.Errorf("custom keyword did not flag: %q", got)
	}
	var category, severity, term string
	if err := h.DB.App.QueryRow(context.Background(), `SELECT category, severity, matched_term FROM content_flags
		WHERE user_id = $1`, h.Alice.ID()).Scan(&category, &severity, &term); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"insult", "high", "grapefruity"}, []string{category, severity, term}); diff != "" {
		t.Errorf("flag mismatch (-want +got):\n%s", diff)
	}

	bad := []struct {
		command string
		opts    []discordsim.Option
		want    string
	}{
		{"/security moderation keyword-add", []discordsim.Option{discordsim.String("pattern", "gr*pe")}, "'*' is allowed only at the start or end"},
		{"/security moderation keyword-add", []discordsim.Option{discordsim.String("pattern", "x")}, "shorter than 2 characters"},
		{"/security moderation regex-add", []discordsim.Option{discordsim.String("pattern", "(unclosed")}, "missing closing )"},
		{"/security moderation regex-add", []discordsim.Option{discordsim.String("pattern", "a*")}, "matches empty text"},
		{"/security moderation regex-add", []discordsim.Option{discordsim.String("pattern", strings.Repeat("é", 140))}, "longer than 260 bytes"},
		// Issue 14: 251 bytes that took about 3 s on a 4,000-character note.
		{"/security moderation regex-add", []discordsim.Option{discordsim.String("pattern", strings.Repeat(`\w{0,1000}`, 25)+"!")},
			"counted repetition {0,1000} above the limit of 20"},
		{"/security moderation regex-add", []discordsim.Option{discordsim.String("pattern", `\w{0,20}\w{0,20}\w{0,20}!`)},
			"compiles to 123 instructions, more than the limit of 100"},
		{"/security moderation regex-add", []discordsim.Option{discordsim.String("pattern", `(\w{2}){3}`)}, "nested repetitions are not allowed"},
		{"/security moderation keyword-remove", []discordsim.Option{discordsim.String("pattern", "melon")}, "`melon` is not one of this server's keywords."},
		{"/security moderation allow-remove", []discordsim.Option{discordsim.String("term", "melon")}, "not on this server's allow list"},
	}
	for _, b := range bad {
		h.Clock.Advance(time.Minute) // below the rule commands' rate limit
		got := h.Run(h.Admin, b.command, b.opts...).Content()
		if !strings.HasPrefix(got, "❌ Nothing changed: ") || !strings.Contains(got, b.want) {
			t.Errorf("%s: reply %q, want a refusal containing %q", b.command, got, b.want)
		}
	}
	if got := h.Run(h.Alice, "/security moderation keyword-add", discordsim.String("pattern", "melon")).Content(); strings.Contains(got, "✅") {
		t.Errorf("a member changed the rules: %q", got)
	}
	if n := h.Count(`SELECT count(*) FROM moderation_keywords`); n != 1 {
		t.Errorf("%d keywords stored, want 1", n)
	}
	if n := h.Count(`SELECT version FROM moderation_settings WHERE guild_id = $1`, h.Guild.ID); n != 1 {
		t.Errorf("rules version %d after refused changes, want 1", n)
	}

	ok := []struct {
		command string
		opts    []discordsim.Option
		want    string
	}{
		{"/security moderation regex-add", []discordsim.Option{discordsim.String("pattern", `(?i)\bmelon\d+`)}, "✅ Added regex"},
		{"/security moderation regex-label", []discordsim.Option{discordsim.String("category", "spam"), discordsim.String("severity", "low")},
			"✅ Set regex matches count as spam, low."},
		{"/security moderation allow-add", []discordsim.Option{discordsim.String("term", "grapefruitology")}, "✅ Added allowed term `grapefruitology`"},
		{"/security moderation category", []discordsim.Option{discordsim.String("category", "sexual"), discordsim.Bool("enabled", false)},
			"✅ Set category sexual: off."},
		{"/security moderation overrun", []discordsim.Option{discordsim.String("action", "refuse")},
			"✅ Set texts the regexes cannot check in time: refuse."},
	}
	for _, o := range ok {
		if got := h.Run(h.Admin, o.command, o.opts...).Content(); !strings.HasPrefix(got, o.want) {
			t.Errorf("%s: reply %q, want prefix %q", o.command, got, o.want)
		}
	}
	rules := h.Run(h.Admin, "/security moderation rules").Embeds()
	if len(rules) != 1 {
		t.Fatalf("rules view: %+v", rules)
	}
	var shown strings.Builder
	for _, f := range rules[0].Fields {
		shown.WriteString(f.Name + ": " + f.Value + "\n")
	}
	for _, want := range []string{"`grapefruit*` insult, high", "`grapefruitology`", "sexual: off", "insult: on, flag, refuse critical",
		"Texts the regexes cannot check in time: refuse (budget 1.5ms a text)",
		"Regexes, counted as spam, low (1)", `(?i)\bmelon\d+`} {
		if !strings.Contains(shown.String(), want) {
			t.Errorf("rules view lacks %q:\n%s", want, shown.String())
		}
	}
	if got := h.Run(h.Admin, "/security moderation test", discordsim.String("text", "buy melon42 now")).Content(); !strings.Contains(got, "spam (spam, low)") {
		t.Errorf("test reply: %q", got)
	}
	audited := h.Count(`SELECT count(*) FROM audit_log WHERE guild_id = $1 AND actor_id = $2 AND action_type IN
		('moderation-keyword-add', 'moderation-regex-add', 'moderation-regex-label', 'moderation-allow-add', 'moderation-category')`,
		h.Guild.ID, h.Admin.ID())
	if audited != 5 {
		t.Errorf("%d rule changes audited, want 5", audited)
	}
}

// An allow-list entry suppresses a built-in hit it covers; a category set
// to refuse refuses; an exempt role skips moderation.
func TestModerationAllowRefuseExempt(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	const toxic = "This bitch deserves to be ignored"
	if got := note(h, h.Alice, toxic); !strings.Contains(got, flaggedNote) {
		t.Fatalf("built-in hit not flagged: %q", got)
	}
	h.Run(h.Admin, "/security moderation allow-add", discordsim.String("term", "bitch"))
	if got := note(h, h.Alice, toxic); strings.Contains(got, flaggedNote) {
		t.Errorf("allowed term still flagged: %q", got)
	}

	const insult = "you are worthless trash"
	if got := note(h, h.Alice, insult); !strings.Contains(got, flaggedNote) {
		t.Fatalf("insult not flagged: %q", got)
	}
	h.Run(h.Admin, "/security moderation category", discordsim.String("category", "insult"), discordsim.Bool("enabled", true),
		discordsim.String("action", "refuse"))
	if diff := cmp.Diff(moderator.RefusedMessage(moderation.CategoryInsult), note(h, h.Alice, insult)); diff != "" {
		t.Errorf("refusal mismatch (-want +got):\n%s", diff)
	}

	trusted := h.Guild.AddRole(discordsim.RoleSpec{Name: "Trusted"})
	h.Alice.SetRoles("Trusted")
	if got := h.Run(h.Admin, "/security moderation exempt-role", discordsim.RoleOption("role", trusted)).Content(); !strings.HasPrefix(got, "✅ Added exempt role <@&"+trusted.ID+">") {
		t.Errorf("exempt-role reply: %q", got)
	}
	flags := h.Count(`SELECT count(*) FROM content_flags`)
	if got := note(h, h.Alice, insult); strings.Contains(got, flaggedNote) || !strings.HasPrefix(got, "✅") {
		t.Errorf("exempt member moderated: %q", got)
	}
	if got := note(h, h.Bob, insult); !strings.Contains(got, "Not saved") {
		t.Errorf("bob (not exempt) not refused: %q", got)
	}
	if n := h.Count(`SELECT count(*) FROM content_flags`); n != flags+1 {
		t.Errorf("%d new flags, want 1 (bob's)", n-flags)
	}
	h.Run(h.Admin, "/security moderation unexempt-role", discordsim.RoleOption("role", trusted))
	if got := note(h, h.Alice, insult); !strings.Contains(got, "Not saved") {
		t.Errorf("alice moderated again after unexempt: %q", got)
	}
}

// An admin dismisses a false positive and allows its term in one click;
// a moderator confirms another flag with a warning.
func TestModerationReviewLoop(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	note(h, h.Alice, "what a b1tch lol")
	flags := h.Run(h.Admin, "/security flags")
	ids := apptest.CustomIDs(flags.Original())
	want := []string{"flag-dismiss|", "flag-dismiss-allow|", "flag-confirm|", "flag-confirm-warn|"}
	if len(ids) != len(want) {
		t.Fatalf("buttons %q, want %q", ids, want)
	}
	for i, w := range want {
		if !strings.HasPrefix(ids[i], w) {
			t.Errorf("button %d: %q, want %s…", i, ids[i], w)
		}
	}
	click := h.Click(h.Admin, flags.Original(), ids[1])
	if !strings.Contains(click.Content(), "dismissed by") || !strings.Contains(click.Content(), "`b1tch` is now on the allow list") {
		t.Errorf("click reply: %q", click.Content())
	}
	if n := h.Count(`SELECT count(*) FROM moderation_allow WHERE guild_id = $1 AND term = 'b1tch'`, h.Guild.ID); n != 1 {
		t.Errorf("term not allowed")
	}
	if n := h.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'flag-dismiss-allow' AND actor_id = $1 AND target_id = $2
		AND details->>'term' = 'b1tch' AND details->>'status' = 'dismissed'`, h.Admin.ID(), h.Alice.ID()); n != 1 {
		t.Errorf("dismiss-and-allow not audited in one record")
	}
	if got := note(h, h.Alice, "what a b1tch lol"); strings.Contains(got, flaggedNote) {
		t.Errorf("allowed wording flagged again: %q", got)
	}
	note(h, h.Alice, "you are worthless trash")
	flags = h.Run(h.Moderator, "/security flags")
	ids = apptest.CustomIDs(flags.Original())
	warnID := ids[len(ids)-1]
	if !strings.HasPrefix(warnID, "flag-confirm-warn|") {
		t.Fatalf("buttons: %q", ids)
	}
	click = h.Click(h.Moderator, flags.Original(), warnID)
	if !strings.Contains(click.Content(), "confirmed by") || !strings.Contains(click.Content(), "warned: User warned. Total warnings: 1") {
		t.Errorf("confirm-and-warn reply: %q", click.Content())
	}
	if n := h.Count(`SELECT count(*) FROM content_flags WHERE status = 'confirmed' AND reviewed_by = $1`, h.Moderator.ID()); n != 1 {
		t.Errorf("flag not confirmed")
	}
	if n := h.Count(`SELECT count(*) FROM user_warnings WHERE guild_id = $1 AND user_id = $2 AND moderator_id = $3`,
		h.Guild.ID, h.Alice.ID(), h.Moderator.ID()); n != 1 {
		t.Errorf("no warning recorded")
	}
	if n := h.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'flag-confirm-warn' AND target_id = $1`, h.Alice.ID()); n != 1 {
		t.Errorf("confirmation not audited")
	}
}

// A regex stored before the bounds existed (inserted as an old row would
// be) is disabled when the rules load: the guild's other rules keep
// working, the bot logs it and tells the guild's owner, nothing crashes.
func TestModerationStoredRegexOverBounds(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	stalling := strings.Repeat(`\w{0,1000}`, 25) + "!"
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO moderation_settings (guild_id, version) VALUES ($1, 1)`,
		`INSERT INTO moderation_regexes (guild_id, pattern) VALUES ($1, 'melon\d+'), ($1, $2)`,
	} {
		args := []any{h.Guild.ID}
		if strings.Contains(q, "$2") {
			args = append(args, stalling)
		}
		if _, err := h.DB.App.Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	if got := note(h, h.Alice, "buy melon42 now"); !strings.Contains(got, flaggedNote) {
		t.Errorf("the guild's valid regex no longer flags: %q", got)
	}
	if got := note(h, h.Alice, strings.Repeat("abcdefghij", 99)+"!"); strings.Contains(got, flaggedNote) || !strings.HasPrefix(got, "✅") {
		t.Errorf("a clean note after the disabled regex: %q", got)
	}
	if lines := h.LogLines("Stored moderation regex breaks the bounds; disabled", h.Guild.ID); len(lines) != 1 {
		t.Errorf("%d log lines about the disabled regex, want 1:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	var alerts []string
	for _, m := range h.Sim.DMs(h.Owner.ID()) {
		if strings.Contains(m.Content, "regex of this server's rules is disabled") {
			alerts = append(alerts, m.Content)
		}
	}
	if len(alerts) != 1 || !strings.Contains(alerts[0], "above the limit of 20") || !strings.Contains(alerts[0], "regex-remove") {
		t.Errorf("alerts to the guild's owner: %q, want one naming the limit and the way out", alerts)
	}
	rules := h.Run(h.Admin, "/security moderation rules").Embeds()
	var disabled []string
	for _, f := range rules[0].Fields {
		if strings.Contains(f.Value, "⚠️ disabled: over the bounds") {
			disabled = append(disabled, f.Name)
		}
	}
	if diff := cmp.Diff([]string{"Regexes, counted as profanity, medium (2)"}, disabled); diff != "" {
		t.Errorf("the rules view's disabled regexes mismatch (-want +got):\n%s", diff)
	}
	// Other changes still go through, and the admin can remove it.
	if got := h.Run(h.Admin, "/security moderation keyword-add", discordsim.String("pattern", "grapefruit")).Content(); !strings.HasPrefix(got, "✅") {
		t.Errorf("keyword-add with a disabled regex stored: %q", got)
	}
	if got := h.Run(h.Admin, "/security moderation regex-remove", discordsim.String("pattern", stalling)).Content(); !strings.HasPrefix(got, "✅ Removed regex") {
		t.Errorf("regex-remove of the disabled regex: %q", got)
	}
}

// lastEvent waits for the n-th security event and returns its type, actor
// and target.
func lastEvent(h *apptest.Harness, n int) []string {
	h.T.Helper()
	if err := h.App.Audit.Flush(context.Background()); err != nil {
		h.T.Fatal(err)
	}
	h.Eventually("security event", func() bool { return h.Count(`SELECT count(*) FROM security_audit_logs`) >= n })
	var eventType, actor, target string
	if err := h.DB.App.QueryRow(context.Background(), `SELECT event_type, coalesce(actor_id, ''), coalesce(target_id, '')
		FROM security_audit_logs ORDER BY id DESC LIMIT 1`).Scan(&eventType, &actor, &target); err != nil {
		h.T.Fatal(err)
	}
	return []string{eventType, actor, target}
}

// Allowing a term from a review changes the guild's rules, so it needs the
// admin level, like allow-add: a moderator is not offered the button, and a
// forged or replayed one is refused server-side as a security event. Nobody
// reviews a flag on their own content.
func TestModerationReviewPermissions(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	note(h, h.Alice, "what a b1tch lol")
	prefixes := func(msg *discordsim.Message) []string {
		var out []string
		for _, id := range apptest.CustomIDs(msg) {
			action, _, _ := strings.Cut(id, "|")
			out = append(out, action)
		}
		return out
	}
	modView := h.Run(h.Moderator, "/security flags").Original()
	if diff := cmp.Diff([]string{"flag-dismiss", "flag-confirm", "flag-confirm-warn"}, prefixes(modView)); diff != "" {
		t.Errorf("a moderator's review buttons mismatch (-want +got):\n%s", diff)
	}
	adminView := h.Run(h.Admin, "/security flags").Original()
	adminIDs := apptest.CustomIDs(adminView)
	if diff := cmp.Diff([]string{"flag-dismiss", "flag-dismiss-allow", "flag-confirm", "flag-confirm-warn"}, prefixes(adminView)); diff != "" {
		t.Fatalf("an admin's review buttons mismatch (-want +got):\n%s", diff)
	}

	// The moderator replays the admin's signed allow button on their own view.
	events := h.Count(`SELECT count(*) FROM security_audit_logs`)
	ix, err := h.Sim.Click(context.Background(), h.Moderator, modView, adminIDs[1], discordsim.Hostile())
	if err != nil {
		t.Fatal(err)
	}
	if got := ix.Content(); !strings.HasPrefix(got, "❌") || strings.Contains(got, "allow list") {
		t.Errorf("forged allow button: reply %q, want a refusal", got)
	}
	if diff := cmp.Diff([]string{"permission_denied", h.Moderator.ID(), ""}, lastEvent(h, events+1)); diff != "" {
		t.Errorf("security event mismatch (-want +got):\n%s", diff)
	}
	if n := h.Count(`SELECT count(*) FROM moderation_allow`); n != 0 {
		t.Errorf("%d terms allowed by a moderator's forged click", n)
	}
	if n := h.Count(`SELECT count(*) FROM content_flags WHERE status = 'unreviewed'`); n != 1 {
		t.Errorf("the flag was reviewed by a refused click")
	}

	// The moderator's own post is flagged: they cannot review it, and
	// neither can an admin review their own.
	note(h, h.Moderator, "you are worthless trash")
	note(h, h.Admin, "what a b1tch lol")
	for _, reviewer := range []*discordsim.Member{h.Moderator, h.Admin} {
		view := h.Run(reviewer, "/security flags").Original()
		var own []string
		for _, f := range view.Embeds[0].Fields {
			if strings.Contains(f.Value, "<@"+reviewer.ID()+">") {
				id := strings.TrimPrefix(strings.Fields(f.Name)[0], "#")
				for _, c := range apptest.CustomIDs(view) {
					if strings.Contains(c, "|"+id+"|") || strings.HasSuffix(c, "|"+id) {
						own = append(own, c)
					}
				}
			}
		}
		if len(own) == 0 {
			t.Fatalf("%s sees no button for their own flag", reviewer.User.Username)
		}
		for _, c := range own {
			events := h.Count(`SELECT count(*) FROM security_audit_logs`)
			h.Clock.Advance(time.Minute)
			got := h.Click(reviewer, view, c).Content()
			if got != "❌ You cannot review a flag on your own content: another moderator must." {
				t.Errorf("%s reviews their own flag with %s: reply %q", reviewer.User.Username, c, got)
			}
			if diff := cmp.Diff([]string{"self_review", reviewer.ID(), reviewer.ID()}, lastEvent(h, events+1)); diff != "" {
				t.Errorf("self-review security event mismatch (-want +got):\n%s", diff)
			}
		}
	}
	if n := h.Count(`SELECT count(*) FROM content_flags WHERE status = 'unreviewed'`); n != 3 {
		t.Errorf("%d unreviewed flags after refused self-reviews, want 3", n)
	}
}

// After a review, the flags message shows the queue as it now is.
func TestModerationReviewRerendersQueue(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	note(h, h.Alice, "what a b1tch lol")
	note(h, h.Bob, "you are worthless trash")
	note(h, h.Alice, "this bitch again")
	flags := h.Run(h.Moderator, "/security flags")
	shown := func(msg *discordsim.Message) []string {
		var out []string
		if len(msg.Embeds) == 0 {
			return []string{msg.Content}
		}
		if len(apptest.CustomIDs(msg)) != 3*len(msg.Embeds[0].Fields) {
			out = append(out, fmt.Sprintf("%d buttons", len(apptest.CustomIDs(msg))))
		}
		out = append(out, msg.Embeds[0].Description)
		for _, f := range msg.Embeds[0].Fields {
			out = append(out, strings.Fields(f.Name)[0])
		}
		return out
	}
	var ids []int64
	rows, err := h.DB.App.Query(context.Background(), `SELECT id FROM content_flags ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil || len(ids) != 3 {
		t.Fatalf("flags %v, %v", ids, err)
	}
	hash := func(i int) string { return "#" + strconv.FormatInt(ids[i], 10) }
	if diff := cmp.Diff([]string{"3 unreviewed, oldest first", hash(0), hash(1), hash(2)}, shown(flags.Original())); diff != "" {
		t.Fatalf("queue mismatch (-want +got):\n%s", diff)
	}
	steps := []struct {
		button string // custom id prefix, of the first flag shown
		want   []string
	}{
		{"flag-dismiss|", []string{"2 unreviewed, oldest first", hash(1), hash(2)}},
		{"flag-confirm|", []string{"1 unreviewed, oldest first", hash(2)}},
		// The last one: no embed and no buttons left behind.
		{"flag-confirm-warn|", []string{"Flag #" + hash(2)[1:] + " confirmed by <@" + h.Moderator.ID() + ">. <@" + h.Alice.ID() +
			"> warned: User warned. Total warnings: 1. Action: warning · Case #1\n✅ No content waiting for review."}},
	}
	for _, st := range steps {
		var id string
		for _, c := range apptest.CustomIDs(flags.Original()) {
			if strings.HasPrefix(c, st.button) {
				id = c
				break
			}
		}
		h.Clock.Advance(time.Minute)
		click := h.Click(h.Moderator, flags.Original(), id)
		if diff := cmp.Diff(st.want, shown(flags.Original())); diff != "" {
			t.Errorf("after %s: the flags message mismatch (-want +got):\n%s\nreply %q", st.button, diff, click.Content())

		}
	}
}
