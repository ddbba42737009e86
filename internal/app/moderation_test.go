package app_test

import (
	"context"
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
		{"/security moderation keyword-remove", []discordsim.Option{discordsim.String("pattern", "melon")}, "`melon` is not one of this server's keywords."},
		{"/security moderation allow-remove", []discordsim.Option{discordsim.String("term", "melon")}, "not on this server's allow list"},
	}
	for _, b := range bad {
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

// A moderator dismisses a false positive and allows its term in one click;
// another flag is confirmed with a warning.
func TestModerationReviewLoop(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	note(h, h.Alice, "what a b1tch lol")
	flags := h.Run(h.Moderator, "/security flags")
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
	click := h.Click(h.Moderator, flags.Original(), ids[1])
	if !strings.Contains(click.Content(), "dismissed by") || !strings.Contains(click.Content(), "`b1tch` is now on the allow list") {
		t.Errorf("click reply: %q", click.Content())
	}
	if n := h.Count(`SELECT count(*) FROM moderation_allow WHERE guild_id = $1 AND term = 'b1tch'`, h.Guild.ID); n != 1 {
		t.Errorf("term not allowed")
	}
	if n := h.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'flag-dismiss-allow' AND actor_id = $1 AND target_id = $2
		AND details->>'term' = 'b1tch' AND details->>'status' = 'dismissed'`, h.Moderator.ID(), h.Alice.ID()); n != 1 {
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
