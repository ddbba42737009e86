package discordsim_test

import (
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/embodied-community/embodied/internal/discordsim"
)

func TestTimeoutRules(t *testing.T) {
	clk := discordsim.NewManualClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	sim := discordsim.NewTest(t, discordsim.Options{Clock: clk})
	g := sim.SeedSandbox()
	b := startBot(t, sim, nil)
	alice, mod, admin := g.MemberByName("alice"), g.MemberByName("moderator"), g.MemberByName("admin")
	day := 24 * time.Hour
	tests := []struct {
		name   string
		target *discordsim.Member
		until  time.Duration
		setup  func()
		code   int // 0 = success
	}{
		{"member for an hour", alice, time.Hour, nil, 0},
		{"exactly 28 days", alice, 28 * day, nil, 0},
		{"over 28 days", alice, 28*day + time.Minute, nil, discordsim.CodeInvalidFormBody},
		{"guild owner", g.Owner(), time.Hour, nil, discordsim.CodeMissingPermissions},
		{"administrator", admin, time.Hour, nil, discordsim.CodeMissingPermissions},
		{"moderator below the bot", mod, time.Hour, nil, 0},
		{"moderator above the bot", mod, time.Hour, func() { g.BotRole().SetPosition(3) }, discordsim.CodeMissingPermissions},
		{"bot lacks MODERATE_MEMBERS", alice, time.Hour, func() { g.BotRole().SetPermissions(discordgo.PermissionBanMembers) }, discordsim.CodeMissingPermissions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			until := clk.Now().Add(tt.until)
			err := b.GuildMemberTimeout(g.ID, tt.target.ID(), &until, discordgo.WithAuditLogReason("spam: links & caps"))
			if tt.code != 0 {
				assertCode(t, tt.name, err, tt.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, active := sim.Timeout(g.ID, tt.target.ID())
			if !active || !got.Equal(until.Truncate(time.Second)) && !got.Equal(until) {
				t.Errorf("timeout = %v active %v, want until %v", got, active, until)
			}
		})
	}
	sim.TakeViolations() // the 28-day breach is one
	want := []discordsim.AuditEntry{
		{Action: "timeout", TargetID: alice.ID(), Reason: "spam: links & caps"},
		{Action: "timeout", TargetID: alice.ID(), Reason: "spam: links & caps"},
		{Action: "timeout", TargetID: mod.ID(), Reason: "spam: links & caps"},
	}
	if diff := cmp.Diff(want, sim.AuditReasons(g.ID), cmpopts.IgnoreFields(discordsim.AuditEntry{}, "At", "ID", "UserID", "ActionType")); diff != "" {
		t.Errorf("audit mismatch (-want +got):\n%s", diff)
	}
}

func TestBans(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	b := startBot(t, sim, nil)
	alice, bob, outsider := g.MemberByName("alice"), g.MemberByName("bob"), sim.User(discordsim.UserSpec{Username: "raider"})

	// Legacy query parameters, as discordgo's GuildBanCreateWithReason sends them.
	if err := b.GuildBanCreateWithReason(g.ID, alice.ID(), "raid", 1); err != nil {
		t.Fatal(err)
	}
	// JSON body and the audit-log header.
	if _, err := b.RequestWithBucketID("PUT", discordgo.EndpointGuildBan(g.ID, bob.ID()), map[string]int{"delete_message_seconds": 3600}, "",
		discordgo.WithAuditLogReason("alt account")); err != nil {
		t.Fatal(err)
	}
	// A user who is not a member can be banned by ID.
	if err := b.GuildBanCreate(g.ID, outsider.ID(), 0); err != nil {
		t.Fatal(err)
	}
	want := []discordsim.BanRecord{
		{UserID: alice.ID(), Reason: "raid", DeleteMessageSeconds: 86400},
		{UserID: bob.ID(), Reason: "alt account", DeleteMessageSeconds: 3600},
		{UserID: outsider.ID()},
	}
	if diff := cmp.Diff(want, sim.Bans(g.ID), cmpopts.IgnoreFields(discordsim.BanRecord{}, "At")); diff != "" {
		t.Errorf("bans mismatch (-want +got):\n%s", diff)
	}
	if g.Member(alice.ID()) != nil {
		t.Error("banned alice is still a member")
	}
	assertCode(t, "ban owner", b.GuildBanCreate(g.ID, g.OwnerID, 0), discordsim.CodeMissingPermissions)
	_, err := b.RequestWithBucketID("PUT", discordgo.EndpointGuildBan(g.ID, g.MemberByName("moderator").ID()), map[string]int{"delete_message_seconds": 604801}, "")
	assertCode(t, "ban seconds over a week", err, discordsim.CodeInvalidFormBody)
	if err := b.GuildBanDelete(g.ID, alice.ID(), discordgo.WithAuditLogReason("appeal accepted")); err != nil {
		t.Fatal(err)
	}
	assertCode(t, "unban twice", b.GuildBanDelete(g.ID, alice.ID()), discordsim.CodeUnknownBan)
	if _, ok := sim.Ban(g.ID, alice.ID()); ok {
		t.Error("alice still banned")
	}
	if v := sim.TakeViolations(); len(v) != 1 || v[0].Rule != "schema" {
		t.Errorf("violations = %v, want the one schema breach", v)
	}
	_, err = b.GuildMember(g.ID, alice.ID())
	assertCode(t, "member after ban", err, discordsim.CodeUnknownMember)
	members, err := b.GuildMembers(g.ID, "", 1000)
	if err != nil || len(members) != 4 { // owner, bot, admin, moderator
		t.Errorf("members = %d, %v", len(members), err)
	}
	roles, err := b.GuildRoles(g.ID)
	if err != nil || len(roles) != 4 { // @everyone, bot, Admin, Moderator
		t.Errorf("roles = %d, %v", len(roles), err)
	}
}

func TestChatModeration(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	b := startBotWith(t, sim, nil, func(s *discordgo.Session) {
		s.Identify.Intents |= discordgo.IntentsGuildMessages | discordgo.IntentsMessageContent
	})
	seen := make(chan *discordgo.MessageCreate, 1)
	b.AddHandler(func(s *discordgo.Session, m *discordgo.MessageCreate) {
		if m.Author.ID != s.State.User.ID {
			seen <- m
		}
	})
	alice := g.MemberByName("alice")
	sim.Say(alice, "", "buy cheap followers")
	m := <-seen
	if m.Content != "buy cheap followers" || m.GuildID != g.ID || m.Author.ID != alice.ID() {
		t.Fatalf("MESSAGE_CREATE = %+v", m.Message)
	}
	assertCode(t, "delete without MANAGE_MESSAGES", b.ChannelMessageDelete(m.ChannelID, m.ID), discordsim.CodeMissingPermissions)
	g.BotRole().SetPermissions(discordgo.PermissionManageMessages | discordgo.PermissionManageRoles | discordgo.PermissionKickMembers)
	if err := b.ChannelMessageDelete(m.ChannelID, m.ID, discordgo.WithAuditLogReason("spam")); err != nil {
		t.Fatal(err)
	}
	if msgs := sim.ChannelMessages(g.ChannelID); len(msgs) != 0 {
		t.Errorf("messages left: %+v", msgs)
	}
	g.BotRole().SetPosition(8) // below Admin (10), above Moderator (5)
	muted := g.AddRole(discordsim.RoleSpec{Name: "Muted", Position: 1})
	if err := b.GuildMemberRoleAdd(g.ID, alice.ID(), muted.ID); err != nil {
		t.Fatal(err)
	}
	assertCode(t, "role above the bot", b.GuildMemberRoleAdd(g.ID, alice.ID(), g.Role("Admin").ID), discordsim.CodeMissingPermissions)
	if err := b.GuildMemberDeleteWithReason(g.ID, alice.ID(), "kicked for spam"); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range sim.AuditReasons(g.ID) {
		actions = append(actions, e.Action+":"+e.Reason)
	}
	if diff := cmp.Diff([]string{"message-delete:spam", "role-add:", "kick:kicked for spam"}, actions); diff != "" {
		t.Errorf("audit mismatch (-want +got):\n%s", diff)
	}
}
