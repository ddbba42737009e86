package discordsim_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordsim"
)

// What a member does in Discord's client lands in the guild's audit log with the
// member as actor and Discord's action type, and reaches the bot as
// GUILD_AUDIT_LOG_ENTRY_CREATE only with the Guild Moderation intent and View Audit
// Log (Gateway, "List of Intents"; Audit Log, "Audit Log Events").
func TestActorActionsReachTheAuditLogStream(t *testing.T) {
	tests := []struct {
		name      string
		intents   discordgo.Intent
		viewAudit bool
		want      []string
	}{
		{"moderation intent and View Audit Log", discordgo.IntentsGuilds | discordgo.IntentGuildModeration, true,
			[]string{"admin 22", "admin 20", "admin 50", "admin 31", "admin 25", "admin 28"}},
		{"without View Audit Log", discordgo.IntentsGuilds | discordgo.IntentGuildModeration, false, nil},
		{"without the intent", discordgo.IntentsGuilds, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := discordsim.NewTest(t, discordsim.Options{})
			g := sim.SeedSandbox()
			if tt.viewAudit {
				g.BotRole().SetPermissions(g.BotRole().Info().Permissions | discordgo.PermissionViewAuditLogs)
			}
			trusted := g.AddRole(discordsim.RoleSpec{Name: "Trusted", Position: 3})
			var (
				mu  sync.Mutex
				got []string
			)
			end := make(chan struct{})
			names := map[string]string{}
			for _, m := range g.Members() {
				names[m.ID()] = m.User.Username
			}
			startBotWith(t, sim, nil, func(s *discordgo.Session) {
				s.Identify.Intents = tt.intents
				s.SyncEvents = true
				s.AddHandler(func(_ *discordgo.Session, e *discordgo.GuildRoleCreate) {
					if e.Role.Name == "end" {
						close(end)
					}
				})
				s.AddHandler(func(_ *discordgo.Session, e *discordgo.GuildAuditLogEntryCreate) {
					mu.Lock()
					defer mu.Unlock()
					got = append(got, fmt.Sprintf("%s %d", names[e.UserID], *e.ActionType))
				})
			})
			admin, alice, bob := g.MemberByName("admin"), g.MemberByName("alice"), g.MemberByName("bob")
			mustDo(t, admin.Ban(alice.ID(), "raid"))
			mustDo(t, admin.Kick(bob.ID(), ""))
			_, err := admin.CreateWebhook(g.ChannelID, "spam")
			mustDo(t, err)
			mod := g.Role("Moderator")
			mustDo(t, admin.SetRolePermissions(mod.ID, discordgo.PermissionAdministrator))
			mustDo(t, admin.GiveRole(g.MemberByName("moderator").ID(), trusted.ID))
			_, err = admin.AddBot(discordsim.UserSpec{Username: "nukebot"})
			mustDo(t, err)
			g.AddRole(discordsim.RoleSpec{Name: "end"}) // every event before it has been delivered once it arrives
			select {
			case <-end:
			case <-time.After(10 * time.Second):
				t.Fatal("the end marker never arrived")
			}
			// Audit log events are sent after the action's own events.
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				mu.Lock()
				n := len(got)
				mu.Unlock()
				if n >= len(tt.want) {
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("audit stream mismatch (-want +got):\n%s", diff)
			}
			var actions []string
			for _, e := range sim.AuditReasons(g.ID) {
				actions = append(actions, fmt.Sprintf("%s %d %s", e.Action, e.ActionType, names[e.UserID]))
			}
			want := []string{"ban 22 admin", "kick 20 admin", "webhook-create 50 admin", "role-update 31 admin", "role-add 25 admin", "bot-add 28 admin"}
			if diff := cmp.Diff(want, actions); diff != "" {
				t.Errorf("audit log mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// Discord's client refuses what the member's permissions or role position forbid.
func TestActorNeedsPermissionAndHierarchy(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	mod, alice, admin := g.MemberByName("moderator"), g.MemberByName("alice"), g.MemberByName("admin")
	tests := []struct {
		name string
		do   func() error
	}{
		{"ban someone above", func() error { return mod.Ban(admin.ID(), "") }},
		{"ban the owner", func() error { return admin.Ban(g.OwnerID, "") }},
		{"ban without Ban Members", func() error { return alice.Ban(mod.ID(), "") }},
		{"webhook without Manage Webhooks", func() error { _, err := mod.CreateWebhook(g.ChannelID, "x"); return err }},
		{"grant a permission it lacks", func() error {
			return mod.SetRolePermissions(g.Role("Moderator").ID, discordgo.PermissionAdministrator)
		}},
		{"add a bot without Manage Server", func() error { _, err := mod.AddBot(discordsim.UserSpec{}); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); !errors.Is(err, discordsim.ErrMissingPermissions) {
				t.Errorf("err = %v, want ErrMissingPermissions", err)
			}
		})
	}
	if n := len(sim.AuditReasons(g.ID)); n != 0 {
		t.Errorf("%d audit entries after refused actions, want 0", n)
	}
}

// An audit entry's ID is a snowflake of its creation time, which bots read to
// ignore entries from before they started.
func TestAuditEntryIDCarriesItsTime(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	before := time.Now().Add(-time.Second)
	mustDo(t, g.MemberByName("admin").Kick(g.MemberByName("bob").ID(), ""))
	e := sim.AuditReasons(g.ID)[0]
	at, err := discordgo.SnowflakeTimestamp(e.ID)
	if err != nil || at.Before(before) || at.After(time.Now().Add(time.Second)) {
		t.Errorf("snowflake time %v (err %v), want about now", at, err)
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
