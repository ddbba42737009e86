package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
)

func enforce(c *config.Config) { c.EnforceModeration = true }

// warn has mod warn member and returns the reply's lines.
func warn(h *apptest.Harness, mod, member *discordsim.Member, reason string, opts ...discordsim.Option) []string {
	h.T.Helper()
	opts = append([]discordsim.Option{discordsim.User("user", member), discordsim.String("reason", reason)}, opts...)
	return strings.Split(h.Run(mod, "/security warn", opts...).Content(), "\n")
}

// Seed smoke test 5: a warning in safe mode.
func TestSmokeWarningSystemSafeMode(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	got := warn(h, h.Moderator, h.Alice, "Test warning", discordsim.String("severity", "medium"))
	if diff := cmp.Diff([]string{"User warned. Total warnings: 1. Action: warning", "Case #1"}, got); diff != "" {
		t.Errorf("reply mismatch (-want +got):\n%s", diff)
	}
	dms := h.Sim.DMs(h.Alice.ID())
	if len(dms) != 1 {
		t.Fatalf("%d DMs, want 1", len(dms))
	}
	for _, want := range []string{"⚠️ Warning - Strike 1/3\n", "Sandbox", "Reason: Test warning", "What happens next: another strike within 30 days means a 24-hour timeout."} {
		if !strings.Contains(dms[0].Content, want) || !strings.HasPrefix(dms[0].Content, "⚠️ Warning - Strike 1/3") {
			t.Errorf("DM %q does not contain %q", dms[0].Content, want)
		}
	}
	if _, ok := h.Sim.Timeout(h.Guild.ID, h.Alice.ID()); ok {
		t.Error("a timeout was sent in safe mode")
	}
	if len(h.Sim.Bans(h.Guild.ID)) != 0 || len(h.Sim.AuditReasons(h.Guild.ID)) != 0 {
		t.Errorf("moderation calls in safe mode: %+v", h.Sim.AuditReasons(h.Guild.ID))
	}
	want := fmt.Sprintf("[WarningSystem] User warned userId=%s totalWarnings=1", h.Alice.ID())
	if lines := h.LogLines(want); len(lines) != 1 {
		t.Errorf("want one log line %q, got %q", want, lines)
	}
	disabled := fmt.Sprintf("[WarningSystem] Moderation enforcement DISABLED (dev/staging mode) userId=%s", h.Alice.ID())
	if lines := h.LogLines(disabled); len(lines) != 1 {
		t.Errorf("want one log line %q, got %q", disabled, h.LogLines("WarningSystem"))
	}

	list := h.Run(h.Moderator, "/security warnings", discordsim.User("user", h.Alice))
	if len(list.Embeds()) != 1 || len(list.Embeds()[0].Fields) != 1 {
		t.Fatalf("warnings view: %+v", list.Embeds())
	}
	f := list.Embeds()[0].Fields[0]
	if diff := cmp.Diff([]string{"MEDIUM - 2025-10-07", "Reason: Test warning"},
		[]string{f.Name, strings.Split(f.Value, "\n")[0]}); diff != "" {
		t.Errorf("warning entry mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(f.Value, "Case #1") || !strings.Contains(f.Value, "Active until 2025-11-06") {
		t.Errorf("entry value: %q", f.Value)
	}

	// Strikes 2 and 3 say what production would have done, and record it.
	h.Clock.Advance(time.Minute)
	if got := warn(h, h.Moderator, h.Alice, "Second"); got[0] != "User warned. Total warnings: 2. Action: timeout (safe mode: not applied)" {
		t.Errorf("strike 2 reply: %q", got)
	}
	if got := warn(h, h.Moderator, h.Alice, "Third"); got[0] != "User warned. Total warnings: 3. Action: ban (safe mode: not applied)" {
		t.Errorf("strike 3 reply: %q", got)
	}
	if n := h.Count(`SELECT count(*) FROM user_moderation WHERE user_id = $1 AND NOT enforced AND status = 'simulated'
		AND action IN ('timeout', 'ban')`, h.Alice.ID()); n != 2 {
		t.Errorf("%d simulated actions recorded, want 2", n)
	}
	if _, ok := h.Sim.Timeout(h.Guild.ID, h.Alice.ID()); ok || len(h.Sim.AuditReasons(h.Guild.ID)) != 0 {
		t.Error("moderation calls in safe mode")
	}
	if n := h.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'warn' AND target_id = $1`, h.Alice.ID()); n != 3 {
		t.Errorf("%d warn audit records, want 3", n)
	}
}

// With enforcement on, strike 2 times out for exactly 24 hours and strike 3
// bans, each with the audit-log reason; the DM goes out before the ban.
func TestWarnEnforced(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, enforce)
	mod := fmt.Sprintf("moderator (%s)", h.Moderator.ID())
	if got := warn(h, h.Moderator, h.Alice, "Spam"); got[0] != "User warned. Total warnings: 1. Action: warning" {
		t.Errorf("strike 1 reply: %q", got)
	}
	h.Clock.Advance(time.Hour)
	start := h.Clock.Now()
	if diff := cmp.Diff([]string{"User warned. Total warnings: 2. Action: timeout", "Case #2"},
		warn(h, h.Moderator, h.Alice, "More spam")); diff != "" {
		t.Errorf("strike 2 reply mismatch (-want +got):\n%s", diff)
	}
	until, ok := h.Sim.Timeout(h.Guild.ID, h.Alice.ID())
	if !ok || !until.Equal(start.Add(24*time.Hour)) {
		t.Errorf("timeout until %v (active %v), want %v", until, ok, start.Add(24*time.Hour))
	}
	h.Clock.Advance(time.Hour)
	if diff := cmp.Diff([]string{"User warned. Total warnings: 3. Action: ban", "Case #3"},
		warn(h, h.Moderator, h.Alice, "Threats", discordsim.String("severity", "critical"))); diff != "" {
		t.Errorf("strike 3 reply mismatch (-want +got):\n%s", diff)
	}
	ban, ok := h.Sim.Ban(h.Guild.ID, h.Alice.ID())
	if !ok || ban.Reason != "Strike 3/3 by "+mod+": Threats" {
		t.Errorf("ban %+v (present %v)", ban, ok)
	}
	var calls []string
	for _, e := range h.Sim.AuditReasons(h.Guild.ID) {
		calls = append(calls, e.Action+" "+e.TargetID+" "+e.Reason)
	}
	want := []string{
		"timeout " + h.Alice.ID() + " Strike 2/3 by " + mod + ": More spam",
		"ban " + h.Alice.ID() + " Strike 3/3 by " + mod + ": Threats",
	}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("moderation calls mismatch (-want +got):\n%s", diff)
	}
	dms := h.Sim.DMs(h.Alice.ID())
	if len(dms) != 3 || !strings.HasPrefix(dms[2].Content, "⚠️ Warning - Strike 3/3") ||
		!strings.Contains(dms[2].Content, "This strike brings a permanent ban.") ||
		!strings.Contains(dms[1].Content, "This strike brings a 24-hour timeout.") {
		t.Errorf("DMs: %+v", dms)
	}
	if n := h.Count(`SELECT count(*) FROM user_moderation WHERE user_id = $1 AND enforced AND status = 'applied'
		AND action IN ('timeout', 'ban') AND warning_id IS NOT NULL`, h.Alice.ID()); n != 2 {
		t.Errorf("%d applied actions recorded, want 2", n)
	}
	if n := h.Count(`SELECT count(*) FROM audit_log WHERE action_type IN ('timeout', 'ban') AND target_id = $1
		AND details->>'ok' = 'true'`, h.Alice.ID()); n != 2 {
		t.Errorf("%d audited actions, want 2", n)
	}

	// Reversal: unban (the user is no longer a member) and untimeout.
	if got := h.Run(h.Admin, "/security unban", discordsim.User("user", h.Alice), discordsim.String("reason", "Appeal accepted")).Content(); got != fmt.Sprintf("✅ <@%s> is no longer banned.", h.Alice.ID()) {
		t.Errorf("unban reply: %q", got)
	}
	if _, ok := h.Sim.Ban(h.Guild.ID, h.Alice.ID()); ok {
		t.Error("still banned")
	}
	if got := h.Run(h.Admin, "/security unban", discordsim.User("user", h.Alice), discordsim.String("reason", "Again")).Content(); got != fmt.Sprintf("❌ <@%s> is not banned from this server.", h.Alice.ID()) {
		t.Errorf("second unban reply: %q", got)
	}
	h.Clock.Advance(11 * time.Second)
	warn(h, h.Moderator, h.Bob, "One")
	h.Clock.Advance(11 * time.Second)
	warn(h, h.Moderator, h.Bob, "Two")
	if _, ok := h.Sim.Timeout(h.Guild.ID, h.Bob.ID()); !ok {
		t.Fatal("bob not timed out")
	}
	if got := h.Run(h.Moderator, "/security untimeout", discordsim.User("user", h.Bob), discordsim.String("reason", "Misunderstanding")).Content(); got != fmt.Sprintf("✅ Timeout lifted for <@%s>.", h.Bob.ID()) {
		t.Errorf("untimeout reply: %q", got)
	}
	if _, ok := h.Sim.Timeout(h.Guild.ID, h.Bob.ID()); ok {
		t.Error("bob still timed out")
	}
	if n := h.Count(`SELECT count(*) FROM user_moderation WHERE action IN ('unban', 'untimeout') AND enforced`); n != 2 {
		t.Errorf("%d reversals recorded, want 2", n)
	}
	h.Eventually("the reversals audited", func() bool {
		return h.Count(`SELECT count(*) FROM audit_log WHERE action_type IN ('unban', 'untimeout') AND details->>'phase' = 'outcome'`) == 3
	})
}

// Discord refusing the timeout (the bot lost Moderate Members) keeps the
// warning and says why.
func TestWarnEnforcementRefused(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, enforce)
	warn(h, h.Moderator, h.Alice, "One")
	h.Guild.BotRole().SetPermissions(discordgo.PermissionSendMessages | discordgo.PermissionViewChannel)
	got := warn(h, h.Moderator, h.Alice, "Two")
	want := []string{"User warned. Total warnings: 2. Action: timeout", "Case #2",
		"The timeout was not applied: Discord refused (missing permissions: the bot needs Moderate Members and a role above the member's)."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reply mismatch (-want +got):\n%s", diff)
	}
	if n := h.Count(`SELECT count(*) FROM user_warnings WHERE user_id = $1`, h.Alice.ID()); n != 2 {
		t.Errorf("%d warnings kept, want 2", n)
	}
	if n := h.Count(`SELECT count(*) FROM user_moderation WHERE status = 'failed' AND NOT enforced AND error LIKE 'The timeout was not applied%'`); n != 1 {
		t.Error("the failure is not recorded")
	}
	if lines := h.LogLines("[WarningSystem] Moderation enforcement failed", h.Alice.ID()); len(lines) != 1 {
		t.Errorf("failure log lines: %q", lines)
	}
	// The status report shows it until someone fixes the bot's role.
	st := h.Run(h.Admin, "/security status")
	found := false
	for _, f := range st.Embeds()[0].Fields {
		found = found || (f.Name == "Timeouts and bans (24 h)" && f.Value == "Applied: 0\nRefused by Discord: 1\nSafe mode (not applied): 0")
	}
	if !found {
		t.Errorf("/security status does not report the refused timeout: %+v", st.Embeds()[0].Fields)
	}
}

func TestWarnDMsClosed(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	h.Sim.RefuseDMs(h.Alice.ID())
	want := []string{"User warned. Total warnings: 1. Action: warning", "Case #1",
		"DM not delivered: the member does not accept direct messages."}
	if diff := cmp.Diff(want, warn(h, h.Moderator, h.Alice, "Spam")); diff != "" {
		t.Errorf("reply mismatch (-want +got):\n%s", diff)
	}
	if n := h.Count(`SELECT count(*) FROM user_warnings WHERE user_id = $1 AND dm_status = 'closed'`, h.Alice.ID()); n != 1 {
		t.Error("the DM outcome is not stored")
	}
}

func TestWarnRefusals(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, enforce)
	h.Guild.AddRole(discordsim.RoleSpec{Name: "Senior", Position: 5})
	h.Guild.AddRole(discordsim.RoleSpec{Name: "Helper", Position: 4})
	carol := h.Guild.AddMember(discordsim.UserSpec{Username: "carol", Roles: []string{"Senior"}})
	dave := h.Guild.AddMember(discordsim.UserSpec{Username: "dave", Roles: []string{"Helper"}})
	tests := []struct {
		name      string
		mod       *discordsim.Member
		target    *discordsim.Member
		setup     func()
		wantReply string
	}{
		{"yourself", h.Moderator, h.Moderator, nil, "❌ You cannot warn yourself."},
		{"the bot", h.Moderator, h.Guild.Bot(), nil, "❌ Bots cannot be the target of this command."},
		{"bot owner", h.Moderator, h.Owner, nil, fmt.Sprintf("❌ <@%s> is the bot owner and cannot be warned.", h.Owner.ID())},
		{"administrator", h.Moderator, h.Admin, nil, fmt.Sprintf("❌ <@%s> is an Administrator and cannot be warned.", h.Admin.ID())},
		{"same top role as the moderator", h.Moderator, carol, nil,
			fmt.Sprintf("❌ <@%s>'s highest role is not below yours, so you cannot warn them.", carol.ID())},
		{"not below the bot", h.Moderator, dave, func() { h.Guild.BotRole().SetPosition(4) },
			fmt.Sprintf("❌ <@%s>'s highest role is not below the bot's, so the bot could not act on their strikes. Move the bot's role above theirs first.", dave.ID())},
	}
	for _, tc := range tests {
		if tc.setup != nil {
			tc.setup()
		}
		h.Clock.Advance(11 * time.Second)
		if diff := cmp.Diff([]string{tc.wantReply}, warn(h, tc.mod, tc.target, "Because")); diff != "" {
			t.Errorf("%s: reply mismatch (-want +got):\n%s", tc.name, diff)
		}
	}
	nothingRecorded(t, h)
}

// nothingRecorded checks that refused warnings left no warning, no
// moderation action and made no moderation call.
func nothingRecorded(t *testing.T, h *apptest.Harness) {
	t.Helper()
	if n := h.Count(`SELECT count(*) FROM user_warnings`); n != 0 {
		t.Errorf("%d warnings recorded by refusals", n)
	}
	if n := h.Count(`SELECT count(*) FROM user_moderation`); n != 0 {
		t.Errorf("%d actions recorded by refusals", n)
	}
	if len(h.Sim.AuditReasons(h.Guild.ID)) != 0 {
		t.Errorf("moderation calls: %+v", h.Sim.AuditReasons(h.Guild.ID))
	}
}

// The guild owner who is not the bot owner is refused by the server-owner
// rule (in the other tests the harness's guild owner is also the bot owner,
// so that rule answers first).
func TestWarnGuildOwnerRefused(t *testing.T) {
	t.Parallel()
	const botOwner = "100000000000000001"
	h := apptest.New(t, enforce, func(c *config.Config) { c.Owners = []string{botOwner} })
	if h.Owner.ID() == botOwner {
		t.Fatal("the guild owner is the bot owner: the test would not reach the server-owner rule")
	}
	want := []string{fmt.Sprintf("❌ <@%s> owns this server and cannot be warned.", h.Owner.ID())}
	if diff := cmp.Diff(want, warn(h, h.Moderator, h.Owner, "Because")); diff != "" {
		t.Errorf("reply mismatch (-want +got):\n%s", diff)
	}
	nothingRecorded(t, h)
}

// A strike stops counting 30 days after it was given (the injected clock,
// not the database's), and stays in the history marked expired.
func TestStrikeExpires(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	warn(h, h.Moderator, h.Alice, "Old")
	h.Clock.Advance(30*24*time.Hour - time.Second)
	if got := warn(h, h.Moderator, h.Alice, "Recent"); got[0] != "User warned. Total warnings: 2. Action: timeout (safe mode: not applied)" {
		t.Errorf("within the window: %q", got)
	}
	h.Clock.Advance(2 * time.Second)
	if got := warn(h, h.Moderator, h.Alice, "Newest"); got[0] != "User warned. Total warnings: 2. Action: timeout (safe mode: not applied)" {
		t.Errorf("after the first expired: %q", got)
	}
	list := h.Run(h.Moderator, "/security warnings", discordsim.User("user", h.Alice)).Embeds()[0]
	var states []string
	for _, f := range list.Fields {
		lines := strings.Split(f.Value, "\n")
		states = append(states, lines[0]+" | "+lines[len(lines)-1][strings.LastIndex(lines[len(lines)-1], "· ")+len("· "):])
	}
	want := []string{"Reason: Newest | Active until 2025-12-06", "Reason: Recent | Active until 2025-12-06",
		"Reason: Old | Expired on 2025-11-06"}
	if diff := cmp.Diff(want, states); diff != "" {
		t.Errorf("history mismatch (-want +got):\n%s", diff)
	}
	if !strings.Contains(list.Description, "active strikes: 2/3") {
		t.Errorf("description: %q", list.Description)
	}
}

func TestPardon(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	warn(h, h.Moderator, h.Alice, "One")
	warn(h, h.Moderator, h.Alice, "Two")
	got := h.Run(h.Admin, "/security pardon", discordsim.Int("case", 1), discordsim.String("reason", "Appeal accepted")).Content()
	if want := fmt.Sprintf("✅ Case #1 pardoned. <@%s> now has 1 active strike.", h.Alice.ID()); got != want {
		t.Errorf("pardon reply = %q, want %q", got, want)
	}
	if got := warn(h, h.Moderator, h.Alice, "Three"); got[0] != "User warned. Total warnings: 2. Action: timeout (safe mode: not applied)" {
		t.Errorf("after the pardon: %q", got)
	}
	tests := []struct {
		name       string
		who        *discordsim.Member
		caseNumber int64
		want       string
	}{
		{"twice", h.Admin, 1, "❌ Case #1 was already pardoned by <@" + h.Admin.ID() + "> on 2025-10-07."},
		{"unknown case", h.Admin, 99, "❌ There is no case #99 in this server."},
		{"moderator", h.Moderator, 2, "❌ You do not have permission to use this command."},
	}
	for _, tc := range tests {
		got := h.Run(tc.who, "/security pardon", discordsim.Int("case", tc.caseNumber), discordsim.String("reason", "x")).Content()
		if got != tc.want {
			t.Errorf("%s: reply = %q, want %q", tc.name, got, tc.want)
		}
	}
	if n := h.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'pardon' AND target_id = $1 AND reason = 'Appeal accepted'`, h.Alice.ID()); n != 1 {
		t.Errorf("%d pardon audit records, want 1", n)
	}
	f := h.Run(h.Moderator, "/security warnings", discordsim.User("user", h.Alice)).Embeds()[0].Fields[2]
	if !strings.Contains(f.Value, "Pardoned by <@"+h.Admin.ID()+"> on 2025-10-07: Appeal accepted") {
		t.Errorf("pardoned entry: %q", f.Value)
	}
}

// Three staff members warning the same member at the same moment get
// strikes 1, 2 and 3, never the same count twice.
func TestConcurrentWarns(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	mods := []*discordsim.Member{h.Moderator, h.Admin, h.Owner}
	replies := make([]string, len(mods))
	var wg sync.WaitGroup
	for i, m := range mods {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			ix, err := h.Sim.Run(ctx, m, "/security warn", discordsim.User("user", h.Alice),
				discordsim.String("reason", "Raid "+m.User.Username))
			if err != nil {
				t.Errorf("%s: %v", m.User.Username, err)
				return
			}
			replies[i] = strings.Split(ix.Content(), "\n")[0]
		}()
	}
	wg.Wait()
	sort.Strings(replies)
	want := []string{
		"User warned. Total warnings: 1. Action: warning",
		"User warned. Total warnings: 2. Action: timeout (safe mode: not applied)",
		"User warned. Total warnings: 3. Action: ban (safe mode: not applied)",
	}
	if diff := cmp.Diff(want, replies); diff != "" {
		t.Errorf("replies mismatch (-want +got):\n%s", diff)
	}
	if n := h.Count(`SELECT count(DISTINCT case_number) FROM user_warnings WHERE case_number BETWEEN 1 AND 3`); n != 3 {
		t.Errorf("%d distinct case numbers, want 3", n)
	}
}

// A double submit counts once; a redelivered interaction is a no-op, in
// memory and, after the memory is gone, in the database.
func TestWarnExactlyOnce(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	var mu sync.Mutex
	var raw []json.RawMessage
	remove := h.App.Session.AddHandler(func(_ *discordgo.Session, e *discordgo.Event) {
		if e.Type == "INTERACTION_CREATE" {
			mu.Lock()
			raw = append(raw, append(json.RawMessage(nil), e.RawData...))
			mu.Unlock()
		}
	})
	defer remove()
	warn(h, h.Moderator, h.Alice, "Spam")
	h.Clock.Advance(3 * time.Second)
	got := h.Run(h.Moderator, "/security warn", discordsim.User("user", h.Alice), discordsim.String("reason", "Spam")).Content()
	want := fmt.Sprintf("Already warned: the same warning for <@%s> was submitted moments ago (case #1), so it counts once. Total warnings: 1.", h.Alice.ID())
	if got != want {
		t.Errorf("double submit reply = %q, want %q", got, want)
	}
	h.Eventually("the raw interactions", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(raw) == 2
	})

	ctx := context.Background()
	h.App.Bot.HandleRaw(ctx, raw[0])
	if lines := h.LogLines("Duplicate interaction ignored"); len(lines) != 1 {
		t.Errorf("in-memory duplicate: %q", lines)
	}
	h.App.Bot.ForgetBefore(h.Clock.Now().Add(time.Hour))
	h.App.Bot.HandleRaw(ctx, raw[0])
	if lines := h.LogLines("[WarningSystem] Duplicate warning ignored", "replayed=true"); len(lines) != 1 {
		t.Errorf("database duplicate: %q", lines)
	}
	if n := h.Count(`SELECT count(*) FROM user_warnings WHERE user_id = $1`, h.Alice.ID()); n != 1 {
		t.Errorf("%d warnings, want 1", n)
	}
	if n := len(h.Sim.DMs(h.Alice.ID())); n != 1 {
		t.Errorf("%d DMs, want 1", n)
	}
	// Ten seconds later the same warning is a new strike.
	h.Clock.Advance(11 * time.Second)
	if got := warn(h, h.Moderator, h.Alice, "Spam"); got[0] != "User warned. Total warnings: 2. Action: timeout (safe mode: not applied)" {
		t.Errorf("after the window: %q", got)
	}
}

// The optional mod-log channel receives every warning, pardon and action.
func TestModLogChannel(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	if c := h.Run(h.Admin, "/security modlog", discordsim.Bool("enabled", true)).Content(); !strings.Contains(c, h.Guild.ChannelID) {
		t.Fatalf("modlog reply: %q", c)
	}
	warn(h, h.Moderator, h.Alice, "Spam in #general")
	h.Run(h.Admin, "/security pardon", discordsim.Int("case", 1), discordsim.String("reason", "Appeal accepted"))
	h.Eventually("two mod-log posts", func() bool { return len(h.Sim.ChannelMessages(h.Guild.ChannelID)) == 2 })
	msgs := h.Sim.ChannelMessages(h.Guild.ChannelID)
	var got []string
	for _, m := range msgs {
		if len(m.Embeds) != 1 {
			t.Fatalf("mod-log message without one embed: %+v", m)
		}
		got = append(got, m.Embeds[0].Title+" | "+m.Embeds[0].Description)
	}
	if !strings.Contains(got[0], "Spam in #general") || !strings.Contains(got[0], h.Alice.ID()) {
		t.Errorf("warning post: %q", got[0])
	}
	if !strings.Contains(got[1], "Appeal accepted") {
		t.Errorf("pardon post: %q", got[1])
	}
}
