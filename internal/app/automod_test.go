package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/doctor"
)

// autoModWorld is a bot whose role holds Manage Server, in a guild with a
// mod-log channel (#general) for AutoMod's alerts.
func autoModWorld(t *testing.T, configure ...func(*config.Config)) *apptest.Harness {
	h := apptest.New(t, configure...)
	h.Guild.BotRole().SetPermissions(h.Guild.BotRole().Info().Permissions | discordgo.PermissionManageGuild)
	h.Run(h.Admin, "/security modlog", discordsim.Bool("enabled", true))
	return h
}

// rule runs an admin's rule command below its rate limit.
func rule(h *apptest.Harness, command string, opts ...discordsim.Option) string {
	h.T.Helper()
	h.Clock.Advance(time.Minute)
	return h.Run(h.Admin, command, opts...).Content()
}

// botRules returns the guild's AutoMod rules the bot created, by name.
func botRules(h *apptest.Harness) map[string]discordsim.AutoModRule {
	out := map[string]discordsim.AutoModRule{}
	for _, r := range h.Sim.AutoModRules(h.Guild.ID) {
		if r.CreatorID == h.Sim.ApplicationID() {
			out[r.Name] = r
		}
	}
	return out
}

// lastSync is when the guild's last AutoMod sync finished (zero: never).
func lastSync(h *apptest.Harness) time.Time {
	var at *time.Time
	_ = h.DB.App.QueryRow(context.Background(), `SELECT synced_at FROM automod_settings WHERE guild_id = $1`, h.Guild.ID).Scan(&at)
	if at == nil {
		return time.Time{}
	}
	return *at
}

// changeRules makes a rule change and waits for the sync it starts.
func changeRules(h *apptest.Harness, command string, opts ...discordsim.Option) {
	h.T.Helper()
	before := lastSync(h)
	if got := rule(h, command, opts...); !strings.HasPrefix(got, "✅") {
		h.T.Fatalf("%s: %q", command, got)
	}
	h.Eventually("the AutoMod sync after "+command, func() bool { return lastSync(h).After(before) })
}

// autoModRequests lists the routes of the AutoMod requests in reqs.
func autoModRequests(reqs []discordsim.Request) []string {
	var out []string
	for _, r := range reqs {
		if strings.Contains(r.Route, "auto-moderation") {
			out = append(out, r.Route)
		}
	}
	return out
}

// The sync creates, updates and removes exactly the rules the bot owns,
// never touches the guild's own, changes nothing when nothing changed, and
// reports a rule edited by hand in Discord as drift (status, doctor)
// instead of overwriting it.
func TestAutoModSync(t *testing.T) {
	t.Parallel()
	h := autoModWorld(t)
	theirs := h.Sim.CreateAutoModRule(h.Owner, discordsim.AutoModRule{Name: "no invites", TriggerType: discordsim.TriggerKeyword,
		TriggerMetadata: discordsim.AutoModTrigger{KeywordFilter: []string{"discord.gg"}},
		Actions:         []discordsim.AutoModAction{{Type: discordsim.ActionBlockMessage}}})

	changeRules(h, "/security moderation keyword-add", discordsim.String("pattern", "grape*"), discordsim.String("category", "insult"))
	changeRules(h, "/security moderation allow-add", discordsim.String("term", "grapefruit"))
	mine := botRules(h)["embodied: keywords"]
	want := discordsim.AutoModRule{ID: mine.ID, GuildID: h.Guild.ID, Name: "embodied: keywords", CreatorID: h.Sim.ApplicationID(),
		EventType: 1, TriggerType: discordsim.TriggerKeyword, Enabled: true, ExemptRoles: []string{}, ExemptChannels: []string{},
		TriggerMetadata: discordsim.AutoModTrigger{KeywordFilter: []string{"grape*"}, RegexPatterns: []string{}, AllowList: []string{"grapefruit"}},
		// Safe mode: alert only, into the mod-log channel.
		Actions: []discordsim.AutoModAction{{Type: discordsim.ActionSendAlert, Metadata: discordsim.AutoModActionMetadata{ChannelID: h.Guild.ChannelID}}}}
	if diff := cmp.Diff(want, mine); diff != "" {
		t.Errorf("the bot's rule mismatch (-want +got):\n%s", diff)
	}
	audit := h.Sim.AuditReasons(h.Guild.ID)
	if i := slices.IndexFunc(audit, func(e discordsim.AuditEntry) bool { return e.Action == "automod-rule-create" }); i < 0 ||
		!strings.Contains(audit[i].Reason, "AutoMod sync") {
		t.Errorf("audit log: %+v", audit)
	}

	// Nothing changed: a sync reads and changes nothing.
	before := len(h.Sim.Requests())
	h.Clock.Advance(time.Minute)
	got := h.Run(h.Admin, "/security automod sync").Content()
	if diff := cmp.Diff("Discord AutoMod sync: 0 created, 0 updated, 0 removed, 1 unchanged", got); diff != "" {
		t.Errorf("second sync reply mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"GET /guilds/{guild_id}/auto-moderation/rules"}, autoModRequests(h.Sim.Requests()[before:])); diff != "" {
		t.Errorf("a sync with nothing changed: AutoMod requests mismatch (-want +got):\n%s", diff)
	}
	if n := h.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'automod-sync' AND guild_id = $1`, h.Guild.ID); n == 0 {
		t.Errorf("/security automod sync was not audited")
	}

	// A change updates the bot's rule in place.
	changeRules(h, "/security moderation keyword-add", discordsim.String("pattern", "melon"))
	if got := botRules(h)["embodied: keywords"]; got.ID != mine.ID || !slices.Equal(got.TriggerMetadata.KeywordFilter, []string{"grape*", "melon"}) {
		t.Errorf("after a second keyword: %+v", got)
	}

	// An admin edits the bot's rule by hand in Discord: the next sync
	// leaves it and reports drift.
	h.Sim.EditAutoModRule(h.Guild.ID, mine.ID, func(r *discordsim.AutoModRule) {
		r.TriggerMetadata.KeywordFilter = append(r.TriggerMetadata.KeywordFilter, "by hand")
	})
	changeRules(h, "/security moderation keyword-add", discordsim.String("pattern", "kiwi"))
	if got := botRules(h)["embodied: keywords"].TriggerMetadata.KeywordFilter; !slices.Equal(got, []string{"grape*", "melon", "by hand"}) {
		t.Errorf("the hand-edited rule was changed: %v", got)
	}
	h.Clock.Advance(time.Minute)
	status := h.Run(h.Admin, "/security status").Embeds()
	if field := embedField(status, "Discord AutoMod"); !strings.Contains(field, `drift: rule "embodied: keywords" was edited in Discord and is left as it is`) {
		t.Errorf("status AutoMod field: %q", field)
	}
	rep := doctor.Run(context.Background(), doctor.Options{Config: h.Cfg, SkipDiscord: true})
	if r := findResult(rep, "Discord AutoMod sync"); r.Status != doctor.Warn || !strings.Contains(r.Detail, `drift: edited by hand in Discord and left as they are: "embodied: keywords"`) {
		t.Errorf("doctor: %+v", r)
	}

	// The admin asks for the bot's version back.
	h.Clock.Advance(time.Minute)
	if got := h.Run(h.Admin, "/security automod sync", discordsim.Bool("overwrite", true)).Content(); !strings.Contains(got, "1 updated") {
		t.Errorf("overwrite: %q", got)
	}
	if got := botRules(h)["embodied: keywords"].TriggerMetadata.KeywordFilter; !slices.Equal(got, []string{"grape*", "kiwi", "melon"}) {
		t.Errorf("after overwrite: %v", got)
	}

	// No keyword left: the bot's rule goes, the guild's own stays.
	for _, k := range []string{"grape*", "melon", "kiwi"} {
		changeRules(h, "/security moderation keyword-remove", discordsim.String("pattern", k))
	}
	if got := botRules(h); len(got) != 0 {
		t.Errorf("the bot's rules left: %v", got)
	}
	if diff := cmp.Diff([]discordsim.AutoModRule{theirs}, h.Sim.AutoModRules(h.Guild.ID)); diff != "" {
		t.Errorf("the guild's own rule mismatch (-want +got):\n%s", diff)
	}
}

// What does not fit in Discord's limits, and a regex Discord's Rust
// dialect reads differently, are reported, not pushed; so is a missing
// Manage Server.
func TestAutoModReportsWhatItCannotPush(t *testing.T) {
	t.Parallel()
	h := autoModWorld(t)
	for range 6 {
		h.Sim.CreateAutoModRule(h.Owner, discordsim.AutoModRule{Name: "theirs", TriggerType: discordsim.TriggerKeyword,
			TriggerMetadata: discordsim.AutoModTrigger{KeywordFilter: []string{"x1"}},
			Actions:         []discordsim.AutoModAction{{Type: discordsim.ActionBlockMessage}}})
	}
	changeRules(h, "/security moderation keyword-add", discordsim.String("pattern", "grape*"))
	changeRules(h, "/security moderation regex-add", discordsim.String("pattern", `gr\w+pe`))
	h.Clock.Advance(time.Minute)
	field := embedField(h.Run(h.Admin, "/security status").Embeds(), "Discord AutoMod")
	for _, want := range []string{
		"⚠️ not pushed: regex `gr\\w+pe`: \\w is Unicode-aware on Discord (Rust) but ASCII-only here (Go)",
		"⚠️ not pushed: 1 keywords not pushed: the server has 6 other keyword rules of Discord's 6",
	} {
		if !strings.Contains(field, want) {
			t.Errorf("status AutoMod field %q lacks %q", field, want)
		}
	}
	if len(botRules(h)) != 0 {
		t.Errorf("the bot pushed a 7th keyword rule")
	}

	h.Guild.BotRole().SetPermissions(h.Guild.BotRole().Info().Permissions &^ discordgo.PermissionManageGuild)
	h.Clock.Advance(time.Minute)
	before := len(h.Sim.Requests())
	got := h.Run(h.Admin, "/security automod sync").Content()
	// The gateway's state tells: no request Discord would refuse (403
	// counts towards the invalid request limit).
	if reqs := autoModRequests(h.Sim.Requests()[before:]); len(reqs) != 0 {
		t.Errorf("sync without Manage Server sent %v", reqs)
	}
	if !strings.Contains(got, "❌ the bot lacks the Manage Server permission (MANAGE_GUILD): Server Settings → Roles → the bot's role: enable Manage Server") {
		t.Errorf("sync without Manage Server: %q", got)
	}
}

// An AutoMod execution lands in the review queue once per message and
// rule although Discord sends one event per action, with the keyword as
// excerpt without the Message Content intent; with strikes on, each gives a
// strike, recorded but not enforced in safe mode.
func TestAutoModExecution(t *testing.T) {
	t.Parallel()
	h := autoModWorld(t)
	// The guild's own rule: block and alert, two events per message.
	h.Sim.CreateAutoModRule(h.Owner, discordsim.AutoModRule{Name: "no spoilers", TriggerType: discordsim.TriggerKeyword, Enabled: true,
		TriggerMetadata: discordsim.AutoModTrigger{KeywordFilter: []string{"spoiler*"}},
		Actions: []discordsim.AutoModAction{{Type: discordsim.ActionBlockMessage},
			{Type: discordsim.ActionSendAlert, Metadata: discordsim.AutoModActionMetadata{ChannelID: h.Guild.ChannelID}}}})
	changeRules(h, "/security moderation keyword-add", discordsim.String("pattern", "grape*"), discordsim.String("category", "insult"),
		discordsim.String("severity", "high"))

	if m := h.Sim.Say(h.Alice, "", "huge spoilers ahead"); m != nil {
		t.Fatalf("the blocked message was posted")
	}
	posted := h.Sim.Say(h.Alice, "", "you grapefruity thing")
	if posted == nil {
		t.Fatalf("the alert-only message was not posted")
	}
	type flag struct {
		Rule, Excerpt, Category, Severity string
		Message                           *string
	}
	flags := func() []flag {
		rows, err := h.DB.App.Query(context.Background(), `SELECT flag_reason, excerpt, coalesce(category, ''), severity, message_id
			FROM content_flags WHERE content_type = 'automod' AND user_id = $1 ORDER BY id`, h.Alice.ID())
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []flag
		for rows.Next() {
			var f flag
			if err := rows.Scan(&f.Rule, &f.Excerpt, &f.Category, &f.Severity, &f.Message); err != nil {
				t.Fatal(err)
			}
			out = append(out, f)
		}
		return out
	}
	h.Eventually("two flags", func() bool { return len(flags()) >= 2 })
	time.Sleep(200 * time.Millisecond) // a duplicate would land by now
	want := []flag{
		{Rule: `Discord AutoMod: rule "embodied: keywords" matched ` + "`grape*`", Excerpt: "matched keyword: grape*", Category: "insult",
			Severity: "high", Message: &posted.ID},
		{Rule: `Discord AutoMod: rule "no spoilers" matched ` + "`spoiler*`", Excerpt: "matched keyword: spoiler*", Severity: "medium"},
	}
	got := flags()
	slices.SortFunc(got, func(a, b flag) int { return strings.Compare(a.Rule, b.Rule) })
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("flags mismatch (-want +got):\n%s", diff)
	}
	if n := h.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'automod-execution' AND target_id = $1`, h.Alice.ID()); n != 2 {
		t.Errorf("%d execution audit records, want 2", n)
	}

	// Strikes on: bob's two blocked messages bring two strikes, the second
	// a timeout only recorded in safe mode.
	h.Clock.Advance(time.Minute)
	if got := h.Run(h.Admin, "/security automod strikes", discordsim.String("enabled", "on")).Content(); !strings.HasPrefix(got, "✅") {
		t.Fatalf("strikes on: %q", got)
	}
	if n := h.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'automod-strikes' AND actor_id = $1`, h.Admin.ID()); n != 1 {
		t.Errorf("%d automod-strikes audit records, want 1", n)
	}
	h.Sim.Say(h.Bob, "", "spoiler one")
	h.Eventually("bob's first strike", func() bool {
		return h.Count(`SELECT count(*) FROM user_warnings WHERE user_id = $1`, h.Bob.ID()) == 1
	})
	// Discord's events of one message come together; a second blocked
	// message a minute later is another entry.
	h.Clock.Advance(time.Minute)
	h.Sim.Say(h.Bob, "", "spoiler two")
	h.Eventually("bob's second strike", func() bool {
		return h.Count(`SELECT count(*) FROM user_moderation WHERE user_id = $1 AND action = 'timeout' AND status = 'simulated'`, h.Bob.ID()) == 1
	})
	if n := h.Count(`SELECT count(*) FROM content_flags WHERE content_type = 'automod' AND user_id = $1`, h.Bob.ID()); n != 2 {
		t.Errorf("bob has %d automod flags, want 2", n)
	}
	if _, active := h.Sim.Timeout(h.Guild.ID, h.Bob.ID()); active {
		t.Errorf("safe mode applied the timeout")
	}
}

// With enforcement on, the keywords the guild refuses (a critical one, a
// category set to refuse) block the message; the others only alert, as the
// bot flags them for review.
func TestAutoModEnforcement(t *testing.T) {
	t.Parallel()
	h := autoModWorld(t, enforce)
	changeRules(h, "/security moderation keyword-add", discordsim.String("pattern", "grape*"), discordsim.String("severity", "critical"))
	changeRules(h, "/security moderation keyword-add", discordsim.String("pattern", "melon"))
	got := map[string][]int{}
	for name, r := range botRules(h) {
		key := name + " " + strings.Join(r.TriggerMetadata.KeywordFilter, ",")
		for _, a := range r.Actions {
			got[key] = append(got[key], a.Type)
		}
	}
	want := map[string][]int{
		"embodied: blocked keywords grape*": {discordsim.ActionBlockMessage, discordsim.ActionSendAlert},
		"embodied: keywords melon":          {discordsim.ActionSendAlert},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rules and actions mismatch (-want +got):\n%s", diff)
	}
	if m := h.Sim.Say(h.Alice, "", "grapes for all"); m != nil {
		t.Errorf("a refused keyword was posted")
	}
	if m := h.Sim.Say(h.Alice, "", "a melon for all"); m == nil {
		t.Errorf("a keyword flagged for review was blocked")
	}
}

func embedField(embeds []*discordgo.MessageEmbed, name string) string {
	for _, e := range embeds {
		for _, f := range e.Fields {
			if f.Name == name {
				return f.Value
			}
		}
	}
	return ""
}

func findResult(rep *doctor.Report, check string) doctor.Result {
	for _, r := range rep.Results {
		if strings.Contains(r.Check, check) {
			return r
		}
	}
	return doctor.Result{Status: -1}
}
