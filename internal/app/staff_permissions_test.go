package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/middleware/permission"
)

// staffWorld adds, to the sandbox, staff whose Discord permissions fall short
// of what some actions need: a helper (Moderate Members only) and a manager
// (Manage Server only, so admin level without Ban or Moderate Members),
// besides members ranked at and above the moderator.
type staffWorld struct {
	*apptest.Harness
	helper, manager, senior, peer *discordsim.Member
}

func newStaffWorld(t testing.TB, configure ...func(*config.Config)) *staffWorld {
	h := apptest.New(t, configure...)
	h.Guild.AddRole(discordsim.RoleSpec{Name: "Senior", Position: 6})
	h.Guild.AddRole(discordsim.RoleSpec{Name: "Peer", Position: 5}) // the Moderator role's position
	h.Guild.AddRole(discordsim.RoleSpec{Name: "Helper", Permissions: discordgo.PermissionModerateMembers, Position: 4})
	h.Guild.AddRole(discordsim.RoleSpec{Name: "Manager", Permissions: discordgo.PermissionManageGuild, Position: 3})
	return &staffWorld{Harness: h,
		helper:  h.Guild.AddMember(discordsim.UserSpec{Username: "helper", Roles: []string{"Helper"}}),
		manager: h.Guild.AddMember(discordsim.UserSpec{Username: "manager", Roles: []string{"Manager"}}),
		senior:  h.Guild.AddMember(discordsim.UserSpec{Username: "senior", Roles: []string{"Senior"}}),
		peer:    h.Guild.AddMember(discordsim.UserSpec{Username: "peer", Roles: []string{"Peer"}}),
	}
}

// strikes has mod give member n strikes ("Strike 1", "Strike 2"…) and
// returns the last reply's lines.
func strikes(h *apptest.Harness, mod, member *discordsim.Member, n int) []string {
	h.T.Helper()
	var got []string
	for i := 1; i <= n; i++ {
		got = warn(h, mod, member, fmt.Sprintf("Strike %d", i))
	}
	return got
}

// calls lists the moderation requests of action that reached Discord.
func (w *staffWorld) calls(action string) []string {
	var out []string
	for _, e := range w.Sim.AuditReasons(w.Guild.ID) {
		if e.Action == action {
			out = append(out, e.TargetID)
		}
	}
	return out
}

// lastEvent returns the newest security event as "type actor target".
func (w *staffWorld) lastEvent(t *testing.T) string {
	t.Helper()
	if err := w.App.Audit.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var typ, actor, target string
	err := w.DB.App.QueryRow(context.Background(), `SELECT event_type, coalesce(actor_id, ''), coalesce(target_id, '')
		FROM security_audit_logs ORDER BY id DESC LIMIT 1`).Scan(&typ, &actor, &target)
	if err != nil {
		t.Fatalf("last security event: %v", err)
	}
	return typ + " " + actor + " " + target
}

// The moderator may lift only the timeout of a member below them, as for
// /security warn: Discord would let the bot do it (its role is above
// everyone's), so the bot itself must refuse on the moderator's behalf.
func TestUntimeoutFollowsRoleHierarchy(t *testing.T) {
	t.Parallel()
	w := newStaffWorld(t, enforce)
	erin := w.Guild.AddMember(discordsim.UserSpec{Username: "erin", Roles: []string{"Helper"}})
	tests := []struct {
		name   string
		actor  *discordsim.Member
		target *discordsim.Member
		setup  func()
		want   string
	}{
		{"member ranked above the moderator", w.Moderator, w.senior, nil,
			fmt.Sprintf("❌ <@%s>'s highest role is not below yours, so you cannot lift their timeout.", w.senior.ID())},
		{"member ranked as the moderator", w.Moderator, w.peer, nil,
			fmt.Sprintf("❌ <@%s>'s highest role is not below yours, so you cannot lift their timeout.", w.peer.ID())},
		{"the server owner", w.Moderator, w.Owner, nil,
			fmt.Sprintf("❌ <@%s> owns this server, so you cannot lift their timeout.", w.Owner.ID())},
		{"staff without Moderate Members", w.manager, w.Alice, nil,
			"❌ You need the Moderate Members permission to lift a timeout."},
		{"member not below the bot", w.Moderator, erin, func() { w.Guild.BotRole().SetPosition(4) },
			fmt.Sprintf("❌ <@%s>'s highest role is not below the bot's, so the bot could not lift their timeout. Move the bot's role above theirs first.", erin.ID())},
	}
	for _, tc := range tests {
		if tc.setup != nil {
			tc.setup()
		}
		if tc.target.ID() != w.Owner.ID() {
			tc.target.TimeOut(w.Clock.Now().Add(time.Hour))
		}
		ix := w.Run(tc.actor, "/security untimeout", discordsim.User("user", tc.target), discordsim.String("reason", "Appeal"))
		if ix.Content() != tc.want || !ix.Ephemeral() {
			t.Errorf("%s: reply %q (ephemeral %v), want %q", tc.name, ix.Content(), ix.Ephemeral(), tc.want)
		}
		if got := w.calls("untimeout"); len(got) != 0 {
			t.Errorf("%s: timeout lifts reached Discord: %q", tc.name, got)
		}
		if _, on := w.Sim.Timeout(w.Guild.ID, tc.target.ID()); !on && tc.target.ID() != w.Owner.ID() {
			t.Errorf("%s: the timeout was lifted", tc.name)
		}
		want := "moderation_refused " + tc.actor.ID() + " " + tc.target.ID()
		if got := w.lastEvent(t); got != want {
			t.Errorf("%s: security event %q, want %q", tc.name, got, want)
		}
	}
	// Each refusal is audited as an attempt that did not succeed.
	w.Eventually("the refusals audited", func() bool {
		return w.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'untimeout' AND details->>'phase' = 'outcome'
			AND details->>'ok' = 'false'`) == len(tests)
	})
	if n := w.Count(`SELECT count(*) FROM user_moderation`); n != 0 {
		t.Errorf("%d moderation actions recorded by refusals", n)
	}
}

// Lifting a ban needs Ban Members, whatever the bot's level for the caller:
// a Manage Server admin has the admin level but not Ban Members.
func TestUnbanNeedsBanMembers(t *testing.T) {
	t.Parallel()
	w := newStaffWorld(t, enforce)
	w.Guild.BanUser(w.Alice.ID(), "Raid")
	ix := w.Run(w.manager, "/security unban", discordsim.User("user", w.Alice), discordsim.String("reason", "Appeal"))
	if want := "❌ You need the Ban Members permission to lift a ban."; ix.Content() != want || !ix.Ephemeral() {
		t.Errorf("reply %q (ephemeral %v), want %q", ix.Content(), ix.Ephemeral(), want)
	}
	if _, banned := w.Sim.Ban(w.Guild.ID, w.Alice.ID()); !banned || len(w.calls("unban")) != 0 {
		t.Errorf("the ban was lifted (unban calls %q)", w.calls("unban"))
	}
	if got, want := w.lastEvent(t), "moderation_refused "+w.manager.ID()+" "+w.Alice.ID(); got != want {
		t.Errorf("security event %q, want %q", got, want)
	}
	w.Eventually("the refusal audited", func() bool {
		return w.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'unban' AND details->>'ok' = 'false'`) == 1
	})
	// An Administrator holds every permission, Ban Members included.
	if got := w.Run(w.Admin, "/security unban", discordsim.User("user", w.Alice), discordsim.String("reason", "Appeal")).Content(); got != fmt.Sprintf("✅ <@%s> is no longer banned.", w.Alice.ID()) {
		t.Errorf("admin's unban: %q", got)
	}
}

// A strike whose rung is a timeout, given by staff without Moderate Members,
// is recorded; the timeout is not sent and the reply says why.
func TestStrikeTimeoutNeedsModerateMembers(t *testing.T) {
	t.Parallel()
	w := newStaffWorld(t, enforce)
	got := strikes(w.Harness, w.manager, w.Alice, 2)
	want := []string{"User warned. Total warnings: 2. Action: timeout", "Case #2",
		"The timeout was not applied: you need the Moderate Members permission to time members out."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reply mismatch (-want +got):\n%s", diff)
	}
	if _, on := w.Sim.Timeout(w.Guild.ID, w.Alice.ID()); on || len(w.calls("timeout")) != 0 {
		t.Error("the timeout reached Discord")
	}
	if n := w.Count(`SELECT count(*) FROM user_warnings WHERE user_id = $1`, w.Alice.ID()); n != 2 {
		t.Errorf("%d strikes recorded, want 2", n)
	}
	if n := w.Count(`SELECT count(*) FROM user_moderation WHERE action = 'timeout' AND status = 'failed' AND NOT enforced
		AND error LIKE '%Moderate Members%'`); n != 1 {
		t.Error("the timeout's refusal is not recorded")
	}
}

// confirmButton returns the mod-log post of case n and its Confirm ban
// button's custom id.
func confirmButton(t testing.TB, w *staffWorld, n int) (discordgo.Message, string) {
	t.Helper()
	title := fmt.Sprintf("Case #%d: warning", n)
	var post discordgo.Message
	w.Eventually("the mod-log post of case "+fmt.Sprint(n), func() bool {
		for _, m := range w.Sim.ChannelMessages(w.Guild.ChannelID) {
			if len(m.Embeds) == 1 && m.Embeds[0].Title == title {
				post = m
				return true
			}
		}
		return false
	})
	ids := apptest.CustomIDs(&discordsim.Message{Components: post.Components})
	if len(ids) != 1 || !strings.HasPrefix(ids[0], "strike-confirm-ban|") {
		t.Fatalf("mod-log post of case %d: buttons %q, want one Confirm ban", n, ids)
	}
	return post, ids[0]
}

func (w *staffWorld) click(t testing.TB, who *discordsim.Member, post discordgo.Message, id string, opts ...discordsim.Option) *discordsim.Interaction {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ix, err := w.Sim.ClickMessage(ctx, who, post.ChannelID, post.ID, id, opts...)
	if err != nil {
		t.Fatalf("%s clicks %s: %v", who.User.Username, id, err)
	}
	return ix
}

// A strike whose rung is a ban, given by a moderator without Ban Members, is
// recorded without a ban: the mod log gets a signed Confirm ban button that
// only someone with Ban Members can use.
func TestStrikeBanNeedsConfirmation(t *testing.T) {
	t.Parallel()
	for _, enforced := range []bool{true, false} {
		t.Run(map[bool]string{true: "enforced", false: "safe mode"}[enforced], func(t *testing.T) {
			t.Parallel()
			w := newStaffWorld(t, func(c *config.Config) { c.EnforceModeration = enforced })
			w.Run(w.Admin, "/security modlog", discordsim.Bool("enabled", true))
			got := strikes(w.Harness, w.helper, w.Alice, 3)
			want := []string{"User warned. Total warnings: 3. Action: ban", "Case #3",
				"The ban was not applied: you need the Ban Members permission to ban. An admin must confirm it with the Confirm ban button in the mod log."}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("reply mismatch (-want +got):\n%s", diff)
			}
			if _, banned := w.Sim.Ban(w.Guild.ID, w.Alice.ID()); banned || len(w.calls("ban")) != 0 {
				t.Fatal("the strike banned without Ban Members")
			}
			post, id := confirmButton(t, w, 3)
			if !strings.Contains(post.Embeds[0].Description, "awaiting confirmation by a member with Ban Members") {
				t.Errorf("mod-log post: %q", post.Embeds[0].Description)
			}

			// Neither the helper nor a Manage Server admin may confirm.
			for _, who := range []*discordsim.Member{w.helper, w.manager} {
				ix := w.click(t, who, post, id)
				if want := "❌ You need the Ban Members permission to confirm a ban."; ix.Content() != want || !ix.Ephemeral() {
					t.Errorf("%s's click: reply %q (ephemeral %v), want %q", who.User.Username, ix.Content(), ix.Ephemeral(), want)
				}
				if got, want := w.lastEvent(t), "moderation_refused "+who.ID()+" "+w.Alice.ID(); got != want {
					t.Errorf("%s's click: security event %q, want %q", who.User.Username, got, want)
				}
			}
			if len(w.calls("ban")) != 0 {
				t.Fatal("a refused confirmation banned")
			}

			// The Administrator confirms: the ban is applied (or, in safe
			// mode, recorded as what would have been done) and audited.
			ix := w.click(t, w.Admin, post, id)
			wantStatus, wantReply := "applied", fmt.Sprintf("✅ Ban of <@%s> (case #3) confirmed by <@%s>.", w.Alice.ID(), w.Admin.ID())
			if !enforced {
				wantStatus, wantReply = "simulated", wantReply+" Safe mode: not applied."
			}
			updated := w.Sim.ChannelMessages(post.ChannelID)
			var after discordgo.Message
			for _, m := range updated {
				if m.ID == post.ID {
					after = m
				}
			}
			if after.Content != wantReply || len(apptest.CustomIDs(&discordsim.Message{Components: after.Components})) != 0 {
				t.Errorf("mod-log post after the confirmation: %q with buttons %q, want %q and none (reply %q)", after.Content,
					apptest.CustomIDs(&discordsim.Message{Components: after.Components}), wantReply, ix.Content())
			}
			ban, banned := w.Sim.Ban(w.Guild.ID, w.Alice.ID())
			if banned != enforced {
				t.Errorf("banned %v, want %v", banned, enforced)
			}
			if enforced && ban.Reason != fmt.Sprintf("Strike 3/3 by admin (%s): Strike 3", w.Admin.ID()) {
				t.Errorf("ban reason %q", ban.Reason)
			}
			// The strike's DM did not announce a ban nobody had applied; the
			// confirmed ban's DM does, before the ban.
			dms := w.Sim.DMs(w.Alice.ID())
			if len(dms) < 3 || strings.Contains(dms[2].Content, "banned") {
				t.Errorf("strike DMs: %+v", dms)
			}
			if wantDMs := map[bool]int{true: 4, false: 3}[enforced]; len(dms) != wantDMs ||
				enforced && !strings.HasPrefix(dms[3].Content, "⛔ You are banned from Sandbox: case #3 (strike 3/3)") {
				t.Errorf("%d DMs, want %d with the ban's last: %+v", len(dms), wantDMs, dms)
			}
			if n := w.Count(`SELECT count(*) FROM user_moderation WHERE action = 'ban' AND status = $1 AND moderator_id = $2`,
				wantStatus, w.Admin.ID()); n != 1 {
				t.Errorf("no %s ban by the admin recorded", wantStatus)
			}
			if n := w.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'ban' AND actor_id = $1 AND target_id = $2
				AND details->>'caseNumber' = '3' AND details->>'phase' = 'outcome'`, w.Admin.ID(), w.Alice.ID()); n != 1 {
				t.Errorf("%d ban audit records by the admin, want 1", n)
			}
		})
	}
}

// A Confirm ban button acts once, for a live strike, and only for someone
// Discord would let ban the member: each other click is refused, audited as
// a security event, and bans nobody.
func TestConfirmBanRefusals(t *testing.T) {
	t.Parallel()
	w := newStaffWorld(t, enforce)
	w.Guild.AddRole(discordsim.RoleSpec{Name: "Warden", Permissions: discordgo.PermissionModerateMembers, Position: 8})
	warden := w.Guild.AddMember(discordsim.UserSpec{Username: "warden", Roles: []string{"Warden"}})
	w.Run(w.Admin, "/security modlog", discordsim.Bool("enabled", true))

	strikes(w.Harness, w.helper, w.Alice, 3)
	alicePost, aliceID := confirmButton(t, w, 3)
	w.click(t, w.Admin, alicePost, aliceID)
	w.Clock.Advance(time.Hour) // past the helper's rate limit
	strikes(w.Harness, w.helper, w.Bob, 3)
	bobPost, bobID := confirmButton(t, w, 6)
	w.Run(w.Admin, "/security pardon", discordsim.Int("case", 6), discordsim.String("reason", "Appeal accepted"))
	strikes(w.Harness, warden, w.peer, 3)
	peerPost, peerID := confirmButton(t, w, 9)

	tests := []struct {
		name      string
		who       *discordsim.Member
		post      discordgo.Message
		id        string
		want      string
		wantEvent string
	}{
		{"a second confirmation", w.Admin, alicePost, aliceID, "❌ Case #3 has no ban awaiting confirmation: it was already handled, or the strike was pardoned.",
			"moderation_refused " + w.Admin.ID() + " " + w.Alice.ID()},
		{"a pardoned strike", w.Admin, bobPost, bobID, "❌ Case #6 has no ban awaiting confirmation: it was already handled, or the strike was pardoned.",
			"moderation_refused " + w.Admin.ID() + " " + w.Bob.ID()},
		{"a confirmer not above the member", w.Moderator, peerPost, peerID,
			fmt.Sprintf("❌ <@%s>'s highest role is not below yours, so you cannot ban them.", w.peer.ID()),
			"moderation_refused " + w.Moderator.ID() + " " + w.peer.ID()},
		{"a member", w.Bob, peerPost, peerID, permission.DeniedMessage, "permission_denied " + w.Bob.ID() + " "},
	}
	for _, tc := range tests {
		ix := w.click(t, tc.who, tc.post, tc.id, discordsim.Hostile())
		if ix.Content() != tc.want || !ix.Ephemeral() {
			t.Errorf("%s: reply %q (ephemeral %v), want %q", tc.name, ix.Content(), ix.Ephemeral(), tc.want)
		}
		if got := w.lastEvent(t); got != tc.wantEvent {
			t.Errorf("%s: security event %q, want %q", tc.name, got, tc.wantEvent)
		}
	}
	if diff := cmp.Diff([]string{w.Alice.ID()}, w.calls("ban")); diff != "" {
		t.Errorf("bans mismatch (-want +got):\n%s", diff)
	}
	if n := w.Count(`SELECT count(*) FROM user_moderation WHERE action = 'ban' AND status = 'pending' AND error IS NOT NULL`); n != 2 {
		t.Errorf("%d bans still awaiting confirmation, want 2 (the pardoned and the refused one)", n)
	}
}

// Without a mod log there is nobody to ask: the ban is not applied and the
// moderator is told to find someone with Ban Members.
func TestStrikeBanWithoutModLog(t *testing.T) {
	t.Parallel()
	w := newStaffWorld(t, enforce)
	got := strikes(w.Harness, w.helper, w.Alice, 3)
	want := "The ban was not applied: you need the Ban Members permission to ban. No mod-log channel is set (`/security modlog`) to ask an admin in: ask a member with Ban Members to ban them."
	if got[len(got)-1] != want {
		t.Errorf("reply %q, want last line %q", got, want)
	}
	if len(w.calls("ban")) != 0 {
		t.Error("the strike banned without Ban Members")
	}
	if n := w.Count(`SELECT count(*) FROM user_moderation WHERE action = 'ban' AND status = 'failed' AND NOT enforced`); n != 1 {
		t.Error("the withheld ban is not recorded as not applied")
	}
}

// Discord refusing the confirmed ban (the bot lost Ban Members meanwhile) is
// said on the post and recorded; the button does not come back.
func TestConfirmedBanRefusedByDiscord(t *testing.T) {
	t.Parallel()
	w := newStaffWorld(t, enforce)
	w.Run(w.Admin, "/security modlog", discordsim.Bool("enabled", true))
	strikes(w.Harness, w.helper, w.Alice, 3)
	post, id := confirmButton(t, w, 3)
	w.Guild.BotRole().SetPermissions(discordgo.PermissionSendMessages | discordgo.PermissionViewChannel)
	w.click(t, w.Admin, post, id)
	want := fmt.Sprintf("❌ Ban of <@%s> (case #3), confirmed by <@%s>: The ban was not applied: Discord refused (missing permissions: the bot needs Ban Members and a role above the member's).",
		w.Alice.ID(), w.Admin.ID())
	for _, m := range w.Sim.ChannelMessages(post.ChannelID) {
		if m.ID == post.ID && (m.Content != want || len(m.Components) != 0) {
			t.Errorf("post %q with %d component rows, want %q and none", m.Content, len(m.Components), want)
		}
	}
	if n := w.Count(`SELECT count(*) FROM user_moderation WHERE action = 'ban' AND status = 'failed' AND moderator_id = $1`, w.Admin.ID()); n != 1 {
		t.Error("the refused ban is not recorded")
	}
}
