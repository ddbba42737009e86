package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/app"
	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/lockdown"
)

// everyone is a channel's @everyone overwrite in the emulator's terms.
func everyone(h *apptest.Harness, allow, deny int64) discordgo.PermissionOverwrite {
	return discordgo.PermissionOverwrite{ID: h.Guild.ID, Type: discordgo.PermissionOverwriteTypeRole, Allow: allow, Deny: deny}
}

// lockdownWorld is a bot whose role may edit channel permissions (Manage
// Roles) and holds what a lockdown denies, as README's Lockdown section
// asks; the bot runs in safe mode (the harness's default), where
// lockdown applies all the same. Timed lockdowns are checked every 20 ms.
func lockdownWorld(t *testing.T) *apptest.Harness {
	h := apptest.Start(t, apptest.Options{LockdownInterval: 20 * time.Millisecond})
	h.Guild.BotRole().SetPermissions(h.Guild.BotRole().Info().Permissions | discordgo.PermissionManageRoles | lockdown.Denied)
	return h
}

// overwrites returns a channel's overwrites, @everyone's last, so that
// tests compare them whatever order an unlock left.
func overwrites(h *apptest.Harness, channelID string) []discordgo.PermissionOverwrite {
	var out, last []discordgo.PermissionOverwrite
	for _, o := range h.Sim.Overwrites(channelID) {
		if o.ID == h.Guild.ID {
			last = append(last, o)
		} else {
			out = append(out, o)
		}
	}
	return append(out, last...)
}

func wantOverwrites(t *testing.T, h *apptest.Harness, what, channelID string, want ...discordgo.PermissionOverwrite) {
	t.Helper()
	if want == nil {
		want = []discordgo.PermissionOverwrite{}
	}
	got := overwrites(h, channelID)
	if got == nil {
		got = []discordgo.PermissionOverwrite{}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: overwrites of %s mismatch (-want +got):\n%s", what, h.Sim.Channel(channelID).Name, diff)
	}
}

// discordAudit lists Discord's audit-log entries of the overwrites of a
// channel: action and reason.
func discordAudit(h *apptest.Harness, channelID string) []string {
	var out []string
	for _, e := range h.Sim.AuditReasons(h.Guild.ID) {
		if e.TargetID == channelID && strings.HasPrefix(e.Action, "channel-overwrite") {
			out = append(out, e.Action+": "+e.Reason)
		}
	}
	return out
}

// An admin locks one channel: @everyone is denied Send Messages and
// threads, with the reason in Discord's audit log, and the channel's other
// overwrites are untouched; locking it again keeps the original; unlock
// deletes the @everyone overwrite again (it had none).
func TestLockdownOneChannel(t *testing.T) {
	t.Parallel()
	h := lockdownWorld(t)
	staff := discordgo.PermissionOverwrite{ID: h.Guild.Role("Moderator").ID, Type: discordgo.PermissionOverwriteTypeRole,
		Allow: discordgo.PermissionSendMessages}
	h.Guild.SetOverwrite(h.Guild.ChannelID, staff)
	admin := fmt.Sprintf("admin (%s)", h.Admin.ID())

	got := h.Run(h.Admin, "/security lockdown", discordsim.Channel("channel", h.Guild.ChannelID), discordsim.String("reason", "raid")).Content()
	if diff := cmp.Diff("🔒 1 channel locked.", got); diff != "" {
		t.Errorf("lockdown reply mismatch (-want +got):\n%s", diff)
	}
	wantOverwrites(t, h, "locked", h.Guild.ChannelID, staff, everyone(h, 0, lockdown.Denied))

	h.Clock.Advance(time.Minute)
	got = h.Run(h.Admin, "/security lockdown", discordsim.Channel("channel", h.Guild.ChannelID)).Content()
	if diff := cmp.Diff("🔒 0 channels locked, 1 already locked (original kept).", got); diff != "" {
		t.Errorf("second lockdown reply mismatch (-want +got):\n%s", diff)
	}

	h.Clock.Advance(time.Minute)
	got = h.Run(h.Admin, "/security unlock", discordsim.Channel("channel", h.Guild.ChannelID), discordsim.String("reason", "calm")).Content()
	if diff := cmp.Diff("🔓 1 channel unlocked.", got); diff != "" {
		t.Errorf("unlock reply mismatch (-want +got):\n%s", diff)
	}
	wantOverwrites(t, h, "unlocked", h.Guild.ChannelID, staff)
	wantAudit := []string{"channel-overwrite-create: Lockdown by " + admin + ": raid",
		"channel-overwrite-delete: Lockdown lifted by " + admin + ": calm"}
	if diff := cmp.Diff(wantAudit, discordAudit(h, h.Guild.ChannelID)); diff != "" {
		t.Errorf("Discord's audit log mismatch (-want +got):\n%s", diff)
	}
	h.Eventually("the audit records", func() bool {
		return h.Count(`SELECT count(*) FROM audit_log WHERE guild_id = $1 AND action_type IN ('lockdown', 'unlock')
			AND details->>'phase' = 'outcome' AND actor_id = $2`, h.Guild.ID, h.Admin.ID()) == 3 &&
			h.Count(`SELECT count(*) FROM audit_log WHERE guild_id = $1 AND action_type IN ('lockdown-applied', 'unlock-applied')`, h.Guild.ID) == 3
	})
	if n := h.Count(`SELECT count(*) FROM channel_lockdowns`); n != 0 {
		t.Errorf("%d channels still remembered as locked", n)
	}
}

// A lockdown of the whole server covers text, announcement and forum
// channels, not voice; a channel the bot may not edit is reported; unlock
// restores every overwrite exactly (an existing one gets back its allow
// and deny).
func TestLockdownAllChannels(t *testing.T) {
	t.Parallel()
	h := lockdownWorld(t)
	before := everyone(h, discordgo.PermissionEmbedLinks, discordgo.PermissionAttachFiles)
	news := h.Guild.AddChannelOfType("announcements", discordsim.ChannelAnnouncement, before)
	forum := h.Guild.AddChannelOfType("forum", discordsim.ChannelForum)
	voice := h.Guild.AddChannelOfType("voice", discordsim.ChannelVoice)
	refuse := discordgo.PermissionOverwrite{ID: h.Guild.BotRole().ID, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionManageRoles}
	staff := h.Guild.AddChannelOfType("staff", discordsim.ChannelText, refuse)

	got := h.Run(h.Admin, "/security lockdown", discordsim.String("reason", "raid")).Content()
	want := "🔒 3 channels locked, 1 failed.\n⚠️ <#" + staff + ">: " + lockdown.ErrForbidden.Error()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lockdown reply mismatch (-want +got):\n%s", diff)
	}
	wantOverwrites(t, h, "locked", h.Guild.ChannelID, everyone(h, 0, lockdown.Denied))
	wantOverwrites(t, h, "locked", news, everyone(h, discordgo.PermissionEmbedLinks, discordgo.PermissionAttachFiles|lockdown.Denied))
	wantOverwrites(t, h, "locked", forum, everyone(h, 0, lockdown.Denied))
	wantOverwrites(t, h, "locked", voice)
	wantOverwrites(t, h, "refused", staff, refuse)
	for _, r := range h.Sim.Requests() {
		if strings.Contains(r.Path, "/channels/"+staff+"/") {
			t.Errorf("the bot asked Discord %s %s, which its gateway state said it may not", r.Method, r.Path)
		}
	}

	h.Clock.Advance(time.Minute)
	if got := h.Run(h.Admin, "/security unlock").Content(); got != "🔓 3 channels unlocked." {
		t.Errorf("unlock reply %q", got)
	}
	wantOverwrites(t, h, "unlocked", h.Guild.ChannelID)
	wantOverwrites(t, h, "unlocked", news, before)
	wantOverwrites(t, h, "unlocked", forum)
	wantOverwrites(t, h, "unlocked", voice)
	wantOverwrites(t, h, "unlocked", staff, refuse)
}

// A timed lockdown lifts itself, audited as the bot's.
func TestLockdownTimed(t *testing.T) {
	t.Parallel()
	h := lockdownWorld(t)
	got := h.Run(h.Admin, "/security lockdown", discordsim.Channel("channel", h.Guild.ChannelID), discordsim.String("duration", "30m")).Content()
	if want := fmt.Sprintf("🔒 1 channel locked until <t:%d:f>.", h.Clock.Now().Add(30*time.Minute).Unix()); got != want {
		t.Errorf("reply %q, want %q", got, want)
	}
	wantOverwrites(t, h, "locked", h.Guild.ChannelID, everyone(h, 0, lockdown.Denied))
	h.Clock.Advance(29 * time.Minute)
	time.Sleep(100 * time.Millisecond) // several checks, none due
	wantOverwrites(t, h, "before its end", h.Guild.ChannelID, everyone(h, 0, lockdown.Denied))
	h.Clock.Advance(time.Minute)
	h.Eventually("the lockdown lifted", func() bool { return len(h.Sim.Overwrites(h.Guild.ChannelID)) == 0 })
	h.Eventually("the lift's audit record", func() bool {
		return h.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'unlock-applied' AND actor_id = 'system'`) == 1
	})
	if a := discordAudit(h, h.Guild.ChannelID); len(a) != 2 || a[1] != "channel-overwrite-delete: Lockdown lifted by timer: timed lockdown ended" {
		t.Errorf("Discord's audit log: %q", a)
	}
}

// The bot stops in the middle of a timed lockdown; a new one on the same
// database lifts it when it is due, restoring the original overwrite.
func TestLockdownTimedAcrossRestart(t *testing.T) {
	t.Parallel()
	h := lockdownWorld(t)
	before := everyone(h, discordgo.PermissionEmbedLinks, discordgo.PermissionAttachFiles)
	h.Guild.SetOverwrite(h.Guild.ChannelID, before)
	h.Run(h.Admin, "/security lockdown", discordsim.String("duration", "1h"))
	wantOverwrites(t, h, "locked", h.Guild.ChannelID, everyone(h, discordgo.PermissionEmbedLinks, discordgo.PermissionAttachFiles|lockdown.Denied))

	stop, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := h.App.Stop(stop); err != nil {
		t.Fatal(err)
	}
	h.Clock.Advance(30 * time.Minute)
	start, cancel2 := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel2()
	var err error
	h.App, err = app.Start(start, h.Cfg, slog.New(slog.DiscardHandler), app.Options{Now: h.Clock.Now, LockdownInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	wantOverwrites(t, h, "after the restart, before its end", h.Guild.ChannelID, everyone(h, discordgo.PermissionEmbedLinks, discordgo.PermissionAttachFiles|lockdown.Denied))
	h.Clock.Advance(31 * time.Minute)
	h.Eventually("the lockdown lifted after a restart", func() bool {
		o := h.Sim.Overwrites(h.Guild.ChannelID)
		return len(o) == 1 && o[0] == before
	})
}

// A moderator (not admin) is refused: nothing changes in Discord, and the
// attempt is a security event.
func TestLockdownNonAdminRefused(t *testing.T) {
	t.Parallel()
	h := lockdownWorld(t)
	ix := h.Run(h.Moderator, "/security lockdown", discordsim.String("reason", "raid"))
	if ix.Content() != "❌ You do not have permission to use this command." {
		t.Errorf("reply %q", ix.Content())
	}
	wantOverwrites(t, h, "refused", h.Guild.ChannelID)
	h.Eventually("the security event", func() bool {
		return h.Count(`SELECT count(*) FROM security_audit_logs WHERE guild_id = $1 AND event_type = 'permission_denied'`, h.Guild.ID) == 1
	})
	if n := h.Count(`SELECT count(*) FROM channel_lockdowns`); n != 0 {
		t.Errorf("%d channels remembered as locked", n)
	}
}
