package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/store"
)

// antiNukeWorld is a bot with View Audit Log and Manage Roles (its role above the
// members'), a mod log in #general, and n plain members to ban.
func antiNukeWorld(t *testing.T, enforce bool, n int) (*apptest.Harness, []*discordsim.Member) {
	h := apptest.New(t, func(c *config.Config) { c.EnforceModeration = enforce })
	h.Guild.BotRole().SetPermissions(h.Guild.BotRole().Info().Permissions | discordgo.PermissionViewAuditLogs | discordgo.PermissionManageRoles)
	h.Run(h.Admin, "/security modlog", discordsim.Bool("enabled", true))
	victims := make([]*discordsim.Member, n)
	for i := range victims {
		victims[i] = h.Guild.AddMember(discordsim.UserSpec{Username: fmt.Sprintf("victim%d", i)})
	}
	return h, victims
}

// banAll has actor ban every victim in Discord's client.
func banAll(h *apptest.Harness, actor *discordsim.Member, victims []*discordsim.Member) {
	h.T.Helper()
	for _, v := range victims {
		if err := actor.Ban(v.ID(), "cleanup"); err != nil {
			h.T.Fatal(err)
		}
	}
}

// incidents returns the guild's anti-nuke incidents.
func incidents(h *apptest.Harness) []store.AntiNukeIncident {
	h.T.Helper()
	list, err := h.App.Store.AntiNukeIncidents(context.Background(), h.Guild.ID)
	if err != nil {
		h.T.Fatal(err)
	}
	return list
}

// roleRemovals lists the role removals Discord received, with their audit reasons.
func roleRemovals(h *apptest.Harness) []string {
	var out []string
	for _, r := range h.Sim.Requests() {
		if r.Method == "DELETE" && strings.Contains(r.Path, "/roles/") {
			out = append(out, r.Path+" "+r.Header.Get("X-Audit-Log-Reason"))
		}
	}
	return out
}

// A member with Administrator who bans more members in a minute than the limit
// (5) is contained on the sixth ban's audit entry: their dangerous role is removed
// with an audit-log reason, the owner gets a DM and the mod log a post saying what
// happened and what the bot did, and the audit log, security events and incidents
// hold it. In safe mode the same breach only alerts and records a dry run.
func TestAntiNukeContainsAMassBan(t *testing.T) {
	tests := []struct {
		name      string
		enforce   bool
		wantAlert string
		wantAudit string
	}{
		{"enforcement on", true, "Done: removed role Admin", "antinuke-role-removed"},
		{"safe mode", false, "Safe mode (SECOPS_ENFORCE_MODERATION=false): nothing done; would have: remove roles Admin", "antinuke-dry-run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, victims := antiNukeWorld(t, tt.enforce, 6)
			banAll(h, h.Admin, victims)
			h.Eventually("the incident", func() bool { return len(incidents(h)) == 1 })
			in := incidents(h)[0]
			if in.ActorID != h.Admin.ID() || in.Kind != "ban-kick" || len(in.EntryIDs) != 6 || in.Enforced != tt.enforce {
				t.Errorf("incident = %+v", in)
			}
			h.Eventually("the owner's DM", func() bool { return containsText(h.Sim.DMs(h.Owner.ID()), tt.wantAlert) })
			h.Eventually("the mod log post", func() bool {
				return containsText(h.Sim.ChannelMessages(h.Guild.ChannelID), "Anti-nuke: <@"+h.Admin.ID()+"> made 6 ban-kick")
			})
			h.Eventually("the audit records", func() bool {
				return h.Count(`SELECT count(*) FROM audit_log WHERE guild_id = $1 AND action_type = $2 AND target_id = $3`,
					h.Guild.ID, tt.wantAudit, h.Admin.ID()) == 1 &&
					h.Count(`SELECT count(*) FROM audit_log WHERE guild_id = $1 AND action_type = 'antinuke-breach'`, h.Guild.ID) == 1
			})
			h.Eventually("the critical security event", func() bool {
				return h.Count(`SELECT count(*) FROM security_audit_logs WHERE guild_id = $1 AND event_type = 'antinuke_breach'
					AND severity = 'critical' AND actor_id = $2`, h.Guild.ID, h.Admin.ID()) == 1
			})
			isAdmin := h.Admin.Permissions()&discordgo.PermissionAdministrator != 0
			removals := roleRemovals(h)
			if tt.enforce {
				want := "/guilds/" + h.Guild.ID + "/members/" + h.Admin.ID() + "/roles/" + h.Guild.Role("Admin").ID + " anti-nuke: 6 ban-kick in 1m0s (limit 5)"
				if isAdmin || len(removals) != 1 || removals[0] != want {
					t.Errorf("still Administrator: %v; role removals %q, want [%q]", isAdmin, removals, want)
				}
			} else if !isAdmin || len(removals) != 0 {
				t.Errorf("safe mode: still Administrator %v, role removals %q; want untouched", isAdmin, removals)
			}
		})
	}
}

// Trusted actors are never counted, a replayed audit entry counts once, and an
// actor whose role is above the bot's gets an alert saying why nothing could be
// done. Each case ends with a marker breach by the moderator, so that "no
// incident for the admin" is read after the bot handled everything before it.
func TestAntiNukeCountsOnlyWhatItShould(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(h *apptest.Harness)
		act    func(h *apptest.Harness, victims []*discordsim.Member)
		wantDM string // "" for no incident of the admin
	}{
		{"a trusted actor", func(h *apptest.Harness) {
			h.Run(h.Owner, "/security antinuke trust", discordsim.User("user", h.Admin))
		}, func(h *apptest.Harness, v []*discordsim.Member) { banAll(h, h.Admin, v[:6]) }, ""},
		{"replayed entries", nil, func(h *apptest.Harness, v []*discordsim.Member) {
			banAll(h, h.Admin, v[:5])
			for _, e := range h.Sim.AuditReasons(h.Guild.ID) {
				h.Sim.ReplayAuditEntry(h.Guild.ID, e.ID)
			}
		}, ""},
		{"an actor above the bot", func(h *apptest.Harness) { h.Guild.BotRole().SetPosition(8) },
			func(h *apptest.Harness, v []*discordsim.Member) { banAll(h, h.Admin, v[:6]) },
			"Note: roles [Admin] are not below the bot's highest role; no timeout: the member's highest role is not below the bot's"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, victims := antiNukeWorld(t, true, 12)
			if tt.setup != nil {
				tt.setup(h)
			}
			tt.act(h, victims)
			banAll(h, h.Moderator, victims[6:])
			h.Eventually("the moderator's incident", func() bool {
				for _, in := range incidents(h) {
					if in.ActorID == h.Moderator.ID() {
						return true
					}
				}
				return false
			})
			adminIncidents := func() (n int) {
				for _, in := range incidents(h) {
					if in.ActorID == h.Admin.ID() {
						n++
					}
				}
				return n
			}
			if tt.wantDM != "" {
				h.Eventually("the admin's incident", func() bool { return adminIncidents() == 1 })
				h.Eventually("the owner's DM", func() bool { return containsText(h.Sim.DMs(h.Owner.ID()), tt.wantDM) })
			} else if n := adminIncidents(); n != 0 {
				t.Errorf("%d incidents of the admin, want none", n)
			}
			if h.Admin.Permissions()&discordgo.PermissionAdministrator == 0 {
				t.Error("the admin lost Administrator")
			}
		})
	}
}

func containsText(msgs []discordgo.Message, s string) bool {
	for _, m := range msgs {
		if strings.Contains(m.Content, s) {
			return true
		}
		for _, e := range m.Embeds {
			if strings.Contains(e.Description, s) || strings.Contains(e.Title, s) {
				return true
			}
		}
	}
	return false
}

// A member with Administrator deleting four channels in a minute (the limit is 3)
// loses the Admin role on the fourth CHANNEL_DELETE audit entry.
func TestAntiNukeContainsChannelDeletes(t *testing.T) {
	h, _ := antiNukeWorld(t, true, 0)
	for i := range 4 {
		ch := h.Guild.AddChannel(fmt.Sprintf("room-%d", i))
		if err := h.Guild.DeleteChannel(h.Admin, ch); err != nil {
			t.Fatal(err)
		}
	}
	h.Eventually("the Admin role removed", func() bool { return h.Admin.Permissions()&discordgo.PermissionAdministrator == 0 })
	want := "/guilds/" + h.Guild.ID + "/members/" + h.Admin.ID() + "/roles/" + h.Guild.Role("Admin").ID + " anti-nuke: 4 channel-delete in 1m0s (limit 3)"
	if got := roleRemovals(h); len(got) != 1 || got[0] != want {
		t.Errorf("role removals %q, want [%q]", got, want)
	}
	h.Eventually("the owner's DM", func() bool { return containsText(h.Sim.DMs(h.Owner.ID()), "Done: removed role Admin") })
	h.Eventually("the incident recorded", func() bool { return len(incidents(h)) == 1 })
	status := h.Run(h.Owner, "/security status").Embeds()
	wantLine := fmt.Sprintf("<@%s>, 4 channel-delete — contained: removed role Admin", h.Admin.ID())
	if field := embedField(status, "Anti-nuke"); !strings.Contains(field, wantLine) {
		t.Errorf("/security status Anti-nuke %q, want it to contain %q", field, wantLine)
	}
}
