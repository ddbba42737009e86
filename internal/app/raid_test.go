package app_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/app"
	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/raid"
)

// raidWorld is a bot with raid detection, whose role holds Manage Server,
// in a guild with a mod-log channel (#general).
func raidWorld(t *testing.T, o apptest.Options, configure ...func(*config.Config)) *apptest.Harness {
	t.Helper()
	on := func(c *config.Config) { c.RaidDetection = true }
	h := apptest.Start(t, o, append([]func(*config.Config){on}, configure...)...)
	h.Guild.BotRole().SetPermissions(h.Guild.BotRole().Info().Permissions | discordgo.PermissionManageGuild)
	h.Run(h.Admin, "/security modlog", discordsim.Bool("enabled", true))
	// The sandbox's members joined before the bot connected: their joins
	// leave the window before the tests' waves.
	h.Clock.Advance(2 * time.Minute)
	return h
}

// joinWave has n accounts of the given age join, one a second, and waits
// until raid detection has seen them all.
func joinWave(h *apptest.Harness, n int, age time.Duration) []*discordsim.Member {
	h.T.Helper()
	before := h.App.Raids.Handled()
	var out []*discordsim.Member
	for range n {
		h.Clock.Advance(time.Second)
		out = append(out, h.Guild.AddMember(discordsim.UserSpec{AccountAge: age}))
	}
	h.Eventually("raid detection to see the joins", func() bool { return h.App.Raids.Handled() >= before+int64(n) })
	return out
}

// texts returns the contents of msgs that contain part.
func texts(msgs []discordgo.Message, part string) []string {
	var out []string
	for _, m := range msgs {
		if strings.Contains(m.Content, part) {
			out = append(out, m.Content)
		}
	}
	return out
}

// endQuiet lets the quiet period pass and runs the check that ends raid
// mode.
func endQuiet(h *apptest.Harness) {
	h.T.Helper()
	h.Clock.Advance(11 * time.Minute)
	if err := h.App.Raids.RunOnce(context.Background()); err != nil {
		h.T.Fatal(err)
	}
}

// A raid of 30 fresh accounts (default thresholds, enforcement on, the
// default response): raid mode starts, the owner and the mod log are
// alerted, every raider is timed out; after 10 quiet minutes raid mode
// ends by itself, with an alert. Every step is audited, start and end are
// security events.
func TestRaidTimesOutFreshAccounts(t *testing.T) {
	t.Parallel()
	h := raidWorld(t, apptest.Options{}, enforce)
	raiders := joinWave(h, 30, time.Hour)

	if _, ok := h.App.Raids.Active(h.Guild.ID); !ok {
		t.Fatal("no raid mode after 30 fresh joins")
	}
	want := raid.StartAlert(10, 10, raid.Defaults(), true)
	if diff := cmp.Diff([]string{want}, texts(h.Sim.DMs(h.Owner.ID()), "Raid mode")); diff != "" {
		t.Errorf("owner's alert mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{want}, texts(h.Sim.ChannelMessages(h.Guild.ChannelID), "Raid mode")); diff != "" {
		t.Errorf("mod log mismatch (-want +got):\n%s", diff)
	}
	h.Eventually("every raider timed out", func() bool {
		for _, m := range raiders {
			if _, on := h.Sim.Timeout(h.Guild.ID, m.ID()); !on {
				return false
			}
		}
		return true
	})
	reasons := map[string]int{}
	for _, e := range h.Sim.AuditReasons(h.Guild.ID) {
		if e.Action == "timeout" {
			reasons[e.Reason]++
		}
	}
	if diff := cmp.Diff(map[string]int{"Raid mode: new member timed out": 30}, reasons); diff != "" {
		t.Errorf("Discord audit reasons mismatch (-want +got):\n%s", diff)
	}
	h.App.Audit.Flush(context.Background())
	if n := h.Count(`SELECT count(*) FROM audit_log WHERE guild_id = $1 AND action_type = 'raid-timeout'`, h.Guild.ID); n != 30 {
		t.Errorf("%d raid-timeout records, want 30", n)
	}
	if n := h.Count(`SELECT count(*) FROM security_audit_logs WHERE guild_id = $1 AND event_type = 'raid_detected'`, h.Guild.ID); n != 1 {
		t.Errorf("%d raid_detected events, want 1", n)
	}

	endQuiet(h)
	if _, ok := h.App.Raids.Active(h.Guild.ID); ok {
		t.Fatal("raid mode still on after the quiet period")
	}
	if n := h.Count(`SELECT count(*) FROM raid_states`); n != 0 {
		t.Errorf("%d raid states left", n)
	}
	if got := texts(h.Sim.DMs(h.Owner.ID()), "Raid mode ended"); len(got) != 1 {
		t.Errorf("end alerts: %q", got)
	}
	h.App.Audit.Flush(context.Background())
	if n := h.Count(`SELECT count(*) FROM security_audit_logs WHERE guild_id = $1 AND event_type = 'raid_ended'`, h.Guild.ID); n != 1 {
		t.Errorf("%d raid_ended events, want 1", n)
	}
}

// A guild that chose the verification level: raid mode raises it (from
// Low to High, with the reason in Discord's audit log) and restores Low
// when it ends.
func TestRaidRaisesVerificationLevel(t *testing.T) {
	t.Parallel()
	h := raidWorld(t, apptest.Options{}, enforce)
	h.Guild.SetVerificationLevel(raid.VerificationLow)
	h.Clock.Advance(time.Minute)
	got := h.Run(h.Admin, "/security raid", discordsim.String("action", "verification")).Content()
	if !strings.HasPrefix(got, "✅ Raid detection: 10 joins in 1m") || !strings.Contains(got, "raise the verification level to High") {
		t.Errorf("/security raid: %q", got)
	}
	joinWave(h, 30, 2*24*time.Hour)
	if lvl := h.Guild.VerificationLevel(); lvl != raid.VerificationHigh {
		t.Fatalf("verification level %d during the raid, want %d", lvl, raid.VerificationHigh)
	}
	endQuiet(h)
	if lvl := h.Guild.VerificationLevel(); lvl != raid.VerificationLow {
		t.Errorf("verification level %d after the raid, want %d (restored)", lvl, raid.VerificationLow)
	}
	var reasons []string
	for _, e := range h.Sim.AuditReasons(h.Guild.ID) {
		if e.Action == "guild-update" {
			reasons = append(reasons, e.Reason)
		}
	}
	want := []string{"Raid mode: raise the verification level", "Raid mode ended: restore the verification level"}
	if diff := cmp.Diff(want, reasons); diff != "" {
		t.Errorf("Discord audit reasons mismatch (-want +got):\n%s", diff)
	}
}

// Old accounts joining at the raid's rate, with fresh ones under the
// share threshold, do not trigger raid mode.
func TestRaidOldAccountsDoNotTrigger(t *testing.T) {
	t.Parallel()
	h := raidWorld(t, apptest.Options{}, enforce)
	joinWave(h, 20, 3*365*24*time.Hour)
	joinWave(h, 5, time.Hour)
	joinWave(h, 5, 3*365*24*time.Hour)
	if _, ok := h.App.Raids.Active(h.Guild.ID); ok {
		t.Error("raid mode from old accounts")
	}
	if got := texts(h.Sim.DMs(h.Owner.ID()), "Raid mode"); len(got) != 0 {
		t.Errorf("alerts: %q", got)
	}
}

// Safe mode: the raid is alerted and what would have been done recorded;
// nobody is timed out.
func TestRaidSafeMode(t *testing.T) {
	t.Parallel()
	h := raidWorld(t, apptest.Options{})
	raiders := joinWave(h, 30, time.Hour)
	want := raid.StartAlert(10, 10, raid.Defaults(), false)
	if diff := cmp.Diff([]string{want}, texts(h.Sim.DMs(h.Owner.ID()), "Raid mode")); diff != "" {
		t.Errorf("owner's alert mismatch (-want +got):\n%s", diff)
	}
	for _, m := range raiders {
		if _, on := h.Sim.Timeout(h.Guild.ID, m.ID()); on {
			t.Fatalf("%s timed out in safe mode", m.ID())
		}
	}
	h.App.Audit.Flush(context.Background())
	if n := h.Count(`SELECT count(*) FROM audit_log WHERE guild_id = $1 AND action_type = 'raid-dry-run'`, h.Guild.ID); n != 30 {
		t.Errorf("%d dry-run records, want 30", n)
	}
}

const refusedRaidStatus = "⚠️ Raid detection is off: Discord refused the Server Members intent (gateway close 4014, \"Disallowed intent(s).\"). " +
	"Enable it in the Developer Portal → your application → Bot → Privileged Gateway Intents → Server Members Intent, then restart the bot. " +
	"Slash commands keep working."

// Server Members not enabled in the portal: the bot says so in the log
// and /security status and runs on without raid detection.
func TestRaidIntentRefused(t *testing.T) {
	t.Parallel()
	content := discordgo.IntentMessageContent
	h := raidWorld(t, apptest.Options{PrivilegedIntents: &content}, func(c *config.Config) { c.ModerateMessages = true })
	lines := h.LogLines("ERROR", strings.TrimPrefix(refusedRaidStatus, "⚠️ "), "closeCode=4014")
	if len(lines) != 1 {
		t.Errorf("%d log lines with the refusal, want 1:\n%s", len(lines), h.Logs())
	}
	if lines := h.LogLines("ERROR", "Message moderation is off"); len(lines) != 0 {
		t.Errorf("message moderation reported refused: %q", lines)
	}
	ix := h.Run(h.Admin, "/security status")
	fields := map[string]string{}
	for _, f := range ix.Embeds()[0].Fields {
		fields[f.Name] = f.Value
	}
	if diff := cmp.Diff(refusedRaidStatus, fields["Raid detection"]); diff != "" {
		t.Errorf("status mismatch (-want +got):\n%s", diff)
	}
	if got := fields["Message moderation"]; !strings.HasPrefix(got, "On:") {
		t.Errorf("message moderation status %q", got)
	}
	if got := h.Run(h.Alice, "/barbie add", discordsim.String("name", "Sam"), discordsim.String("notes", "kind")).Content(); got == "" {
		t.Error("no reply to a slash command")
	}
}

// A restart in the middle of raid mode: the new process reads the raid
// from PostgreSQL, ends it after the quiet period and restores the
// verification level the old one raised.
func TestRaidEndsAfterRestart(t *testing.T) {
	t.Parallel()
	h := raidWorld(t, apptest.Options{}, enforce)
	h.Guild.SetVerificationLevel(raid.VerificationMedium)
	h.Clock.Advance(time.Minute)
	h.Run(h.Admin, "/security raid", discordsim.String("action", "verification"), discordsim.String("level", "highest"))
	joinWave(h, 30, time.Hour)
	if lvl := h.Guild.VerificationLevel(); lvl != raid.VerificationVeryHigh {
		t.Fatalf("verification level %d during the raid, want %d", lvl, raid.VerificationVeryHigh)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.App.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	logger, _, err := logging.New(io.Discard, logging.Options{Format: "text", Level: "info"})
	if err != nil {
		t.Fatal(err)
	}
	// The harness stops h.App at the end: the restarted bot.
	if h.App, err = app.Start(ctx, h.Cfg, logger, app.Options{Now: h.Clock.Now}); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.App.Raids.Active(h.Guild.ID); !ok {
		t.Fatal("raid mode forgotten at restart")
	}
	endQuiet(h)
	if lvl := h.Guild.VerificationLevel(); lvl != raid.VerificationMedium {
		t.Errorf("verification level %d after the raid, want %d (restored)", lvl, raid.VerificationMedium)
	}
}
