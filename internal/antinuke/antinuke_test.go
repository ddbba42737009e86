package antinuke_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/antinuke"
)

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func act(id int, actor string, kind antinuke.Kind, at time.Duration) antinuke.Action {
	return antinuke.Action{EntryID: fmt.Sprint(id), GuildID: "g", ActorID: actor, Kind: kind, At: t0.Add(at)}
}

// The detector breaches on the action one above the limit within the window, counts
// each actor and kind apart, and never counts an entry twice or one from before it
// started.
func TestDetector(t *testing.T) {
	limit := antinuke.Limit{Count: 3, Window: time.Minute}
	cd := antinuke.ChannelDelete
	tests := []struct {
		name    string
		actions []antinuke.Action
		want    []string // entry IDs of the breaching action
	}{
		{"fourth in a minute breaches", []antinuke.Action{act(1, "a", cd, 0), act(2, "a", cd, 10*time.Second), act(3, "a", cd, 20*time.Second), act(4, "a", cd, 30*time.Second)}, []string{"4"}},
		{"spread over more than the window", []antinuke.Action{act(1, "a", cd, 0), act(2, "a", cd, 30*time.Second), act(3, "a", cd, 50*time.Second), act(4, "a", cd, 61*time.Second)}, nil},
		{"two actors apart", []antinuke.Action{act(1, "a", cd, 0), act(2, "b", cd, 1), act(3, "a", cd, 2), act(4, "b", cd, 3), act(5, "a", cd, 4)}, nil},
		{"kinds apart", []antinuke.Action{act(1, "a", cd, 0), act(2, "a", antinuke.RoleDelete, 1), act(3, "a", cd, 2), act(4, "a", antinuke.MemberRemove, 3), act(5, "a", cd, 4)}, nil},
		{"replayed entries count once", []antinuke.Action{act(1, "a", cd, 0), act(1, "a", cd, 0), act(2, "a", cd, 1), act(2, "a", cd, 1), act(3, "a", cd, 2), act(3, "a", cd, 2)}, nil},
		{"entries before the start are ignored", []antinuke.Action{act(1, "a", cd, -3*time.Second), act(2, "a", cd, -2*time.Second), act(3, "a", cd, -time.Second), act(4, "a", cd, 0), act(5, "a", cd, 1)}, nil},
		{"a breach starts a new count", []antinuke.Action{act(1, "a", cd, 0), act(2, "a", cd, 1), act(3, "a", cd, 2), act(4, "a", cd, 3), act(5, "a", cd, 4), act(6, "a", cd, 5), act(7, "a", cd, 6), act(8, "a", cd, 7)}, []string{"4", "8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := antinuke.NewDetector(t0)
			var got []string
			for _, a := range tt.actions {
				if b, ok := d.Observe(a, limit); ok {
					got = append(got, b.Actions[len(b.Actions)-1].EntryID)
					if len(b.Actions) != limit.Count+1 {
						t.Errorf("breach lists %d actions, want %d", len(b.Actions), limit.Count+1)
					}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("breaches mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// Discord's audit log action types map to the kinds; a role update counts only
// when it adds a dangerous permission, a member role update only when an added role
// carries one.
func TestClassify(t *testing.T) {
	tests := []struct {
		name   string
		entry  antinuke.Entry
		want   antinuke.Kind
		counts bool
	}{
		{"channel delete", antinuke.Entry{ActionType: 12}, antinuke.ChannelDelete, true},
		{"role delete", antinuke.Entry{ActionType: 32}, antinuke.RoleDelete, true},
		{"kick", antinuke.Entry{ActionType: 20}, antinuke.MemberRemove, true},
		{"ban", antinuke.Entry{ActionType: 22}, antinuke.MemberRemove, true},
		{"webhook create", antinuke.Entry{ActionType: 50}, antinuke.WebhookCreate, true},
		{"bot add", antinuke.Entry{ActionType: 28}, antinuke.BotAdd, true},
		{"role granted Administrator", antinuke.Entry{ActionType: 31, OldPermissions: "0", NewPermissions: "8"}, antinuke.DangerousGrant, true},
		{"role granted Send Messages", antinuke.Entry{ActionType: 31, OldPermissions: "0", NewPermissions: "2048"}, antinuke.DangerousGrant, false},
		{"role losing Administrator", antinuke.Entry{ActionType: 31, OldPermissions: "8", NewPermissions: "0"}, antinuke.DangerousGrant, false},
		{"role renamed", antinuke.Entry{ActionType: 31}, antinuke.DangerousGrant, false},
		{"member given a Ban Members role", antinuke.Entry{ActionType: 25, AddedRolePermissions: antinuke.PermBanMembers}, antinuke.DangerousGrant, true},
		{"member given a plain role", antinuke.Entry{ActionType: 25, AddedRolePermissions: 2048}, antinuke.DangerousGrant, false},
		{"unban", antinuke.Entry{ActionType: 23}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, ok := antinuke.Classify(tt.entry)
			if ok != tt.counts || ok && k != tt.want {
				t.Errorf("Classify = %q, %v; want %q, %v", k, ok, tt.want, tt.counts)
			}
		})
	}
}

// Containment removes the dangerous roles below the bot, times out when one stays
// (if Discord allows it), and never touches the owner.
func TestPlanContainment(t *testing.T) {
	admin := antinuke.Role{ID: "admin", Name: "Admin", Permissions: antinuke.PermAdministrator, Position: 10}
	mod := antinuke.Role{ID: "mod", Name: "Mod", Permissions: antinuke.PermBanMembers, Position: 5}
	chat := antinuke.Role{ID: "chat", Name: "Chat", Permissions: 2048, Position: 2}
	highMod := mod
	highMod.Position = 30
	full := antinuke.Bot{Permissions: antinuke.PermManageRoles | antinuke.PermModerateMembers, TopPosition: 20}
	tests := []struct {
		name string
		m    antinuke.Member
		bot  antinuke.Bot
		want antinuke.Plan
	}{
		{"roles below the bot are removed", antinuke.Member{Roles: []antinuke.Role{admin, mod, chat}}, full,
			antinuke.Plan{RemoveRoles: []antinuke.Role{admin, mod}}},
		{"a role above the bot: time out", antinuke.Member{Roles: []antinuke.Role{mod}}, antinuke.Bot{Permissions: full.Permissions, TopPosition: 5},
			antinuke.Plan{Kept: []antinuke.Role{mod}, Why: "roles [Mod] are not below the bot's highest role; no timeout: the member's highest role is not below the bot's"}},
		{"no Manage Roles: time out", antinuke.Member{Roles: []antinuke.Role{mod, chat}}, antinuke.Bot{Permissions: antinuke.PermModerateMembers, TopPosition: 20},
			antinuke.Plan{Kept: []antinuke.Role{mod}, Timeout: true, Why: "the bot lacks Manage Roles; timed out instead"}},
		{"an Administrator kept cannot be timed out", antinuke.Member{Roles: []antinuke.Role{admin}}, antinuke.Bot{Permissions: antinuke.PermModerateMembers, TopPosition: 20},
			antinuke.Plan{Kept: []antinuke.Role{admin}, Why: "the bot lacks Manage Roles; no timeout: Discord cannot time out an Administrator"}},
		{"above the bot", antinuke.Member{Roles: []antinuke.Role{highMod}}, full,
			antinuke.Plan{Kept: []antinuke.Role{highMod}, Why: "roles [Mod] are not below the bot's highest role; no timeout: the member's highest role is not below the bot's"}},
		{"the owner", antinuke.Member{IsOwner: true, Roles: []antinuke.Role{admin}}, full,
			antinuke.Plan{Why: "the guild owner cannot be contained by a bot"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, antinuke.PlanContainment(tt.m, tt.bot)); diff != "" {
				t.Errorf("plan mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
