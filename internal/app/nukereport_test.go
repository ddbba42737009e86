package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/guildsnap"
)

// channelByName finds a live channel of the guild.
func channelByName(h *apptest.Harness, name string) *discordgo.Channel {
	for _, c := range h.Guild.Channels() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// structureCalls lists the emulator's audit entries of created roles and
// channels with their reason.
func structureCalls(h *apptest.Harness) []string {
	var out []string
	for _, e := range h.Sim.AuditReasons(h.Guild.ID) {
		if strings.HasSuffix(e.Action, "-create") || strings.HasSuffix(e.Action, "-positions") {
			out = append(out, e.Action+": "+e.Reason)
		}
	}
	return out
}

// An admin deletes roles and channels (a category with a child, overwrites
// naming a role deleted first); /security nuke-report lists that burst, not
// an older deletion; its button recreates roles, the category and the
// channels with their permissions, parents, overwrites (pointing at the
// recreated role) and positions, reports the permission the bot may not
// grant, and audits each step; a second click creates nothing.
func TestNukeReportRecreates(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	g := h.Guild
	g.BotRole().SetPermissions(g.BotRole().Info().Permissions | discordgo.PermissionManageRoles | discordgo.PermissionManageChannels |
		discordgo.PermissionManageMessages)
	helpers := g.AddRole(discordsim.RoleSpec{Name: "Helpers", Permissions: discordgo.PermissionSendMessages | discordgo.PermissionManageMessages, Position: 3})
	elevated := g.AddRole(discordsim.RoleSpec{Name: "Elevated", Permissions: discordgo.PermissionManageGuild | discordgo.PermissionKickMembers, Position: 4})
	everyoneDeny := &discordgo.PermissionOverwrite{ID: g.ID, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionViewChannel}
	staff := g.CreateChannel(discordsim.ChannelSpec{Name: "staff", Type: discordgo.ChannelTypeGuildCategory, Position: 1,
		Overwrites: []*discordgo.PermissionOverwrite{everyoneDeny}})
	mods := g.CreateChannel(discordsim.ChannelSpec{Name: "mods", ParentID: staff, Position: 2, Topic: "staff only", NSFW: true, RateLimitPerUser: 10,
		Overwrites: []*discordgo.PermissionOverwrite{
			{ID: helpers.ID, Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionSendMessages},
			{ID: h.Alice.ID(), Type: discordgo.PermissionOverwriteTypeMember, Allow: discordgo.PermissionViewChannel},
		}})
	rules := g.CreateChannel(discordsim.ChannelSpec{Name: "rules", Position: 3, Overwrites: []*discordgo.PermissionOverwrite{
		{ID: g.ID, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionSendMessages | discordgo.PermissionManageWebhooks}}})
	old := g.CreateChannel(discordsim.ChannelSpec{Name: "old-news", Position: 4})
	h.Eventually("the snapshot of the structure", func() bool {
		return h.Count(`SELECT count(*) FROM guild_snapshot WHERE guild_id = $1 AND object_id = ANY($2)`, g.ID,
			[]string{helpers.ID, elevated.ID, staff, mods, rules, old}) == 6
	})
	if err := g.DeleteChannel(h.Admin, old); err != nil {
		t.Fatal(err)
	}
	h.Eventually("the old deletion", func() bool {
		return h.Count(`SELECT count(*) FROM guild_snapshot WHERE deleted_at IS NOT NULL AND object_id = $1`, old) == 1
	})
	h.Clock.Advance(time.Hour)

	for _, del := range []func() error{
		func() error { return g.DeleteRole(h.Admin, helpers.ID) },
		func() error { return g.DeleteChannel(h.Admin, mods) },
		func() error { return g.DeleteChannel(h.Admin, staff) },
		func() error { return g.DeleteChannel(h.Admin, rules) },
		func() error { return g.DeleteRole(h.Admin, elevated.ID) },
	} {
		if err := del(); err != nil {
			t.Fatal(err)
		}
		h.Clock.Advance(10 * time.Second)
	}
	h.Eventually("the burst's deletions", func() bool {
		return h.Count(`SELECT count(*) FROM guild_snapshot WHERE guild_id = $1 AND deleted_at IS NOT NULL`, g.ID) == 6
	})

	report := h.Run(h.Admin, "/security nuke-report")
	desc := report.Embeds()[0].Description
	for _, want := range []string{"role **@Helpers**", "role **@Elevated**", "category **#staff**", "channel **#mods**", "channel **#rules**"} {
		if !strings.Contains(desc, want) {
			t.Errorf("report lacks %q:\n%s", want, desc)
		}
	}
	if strings.Contains(desc, "old-news") {
		t.Errorf("report lists an older deletion:\n%s", desc)
	}
	ids := apptest.CustomIDs(report.Original())
	if len(ids) != 1 || !strings.HasPrefix(ids[0], "nuke-recreate") {
		t.Fatalf("buttons %q", ids)
	}

	h.Clock.Advance(time.Minute)
	click := h.Click(h.Admin, report.Original(), ids[0])
	got := click.Embeds()[0].Description
	for _, want := range []string{"**Recreated**", "role @Helpers", `channel \#mods`, "role @Elevated: without permissions 0x20 the bot does not hold",
		`channel \#rules: overwrite of ` + g.ID + ` without permissions 0x20000000 the bot does not hold`} {
		if !strings.Contains(got, want) {
			t.Errorf("recreation reply lacks %q:\n%s", want, got)
		}
	}

	newHelpers, newElevated := g.Role("Helpers").Info(), g.Role("Elevated").Info()
	type role struct {
		Perms int64
		Pos   int
	}
	if diff := cmp.Diff([]role{{discordgo.PermissionSendMessages | discordgo.PermissionManageMessages, 3}, {discordgo.PermissionKickMembers, 4}},
		[]role{{newHelpers.Permissions, newHelpers.Position}, {newElevated.Permissions, newElevated.Position}}); diff != "" {
		t.Errorf("recreated roles mismatch (-want +got):\n%s", diff)
	}
	newStaff, newMods, newRules := channelByName(h, "staff"), channelByName(h, "mods"), channelByName(h, "rules")
	if newStaff == nil || newMods == nil || newRules == nil {
		t.Fatalf("channels not recreated: %v %v %v", newStaff, newMods, newRules)
	}
	wantMods := &discordgo.Channel{ID: newMods.ID, GuildID: g.ID, Name: "mods", Type: discordgo.ChannelTypeGuildText, ParentID: newStaff.ID,
		Position: 2, Topic: "staff only", NSFW: true, RateLimitPerUser: 10, PermissionOverwrites: []*discordgo.PermissionOverwrite{
			{ID: newHelpers.ID, Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionSendMessages},
			{ID: h.Alice.ID(), Type: discordgo.PermissionOverwriteTypeMember, Allow: discordgo.PermissionViewChannel},
		}}
	if diff := cmp.Diff(wantMods, newMods); diff != "" {
		t.Errorf("recreated #mods mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]*discordgo.PermissionOverwrite{everyoneDeny}, newStaff.PermissionOverwrites); diff != "" || newStaff.Position != 1 || newRules.Position != 3 {
		t.Errorf("category at %d, #rules at %d; category overwrites mismatch (-want +got):\n%s", newStaff.Position, newRules.Position, diff)
	}
	if diff := cmp.Diff([]*discordgo.PermissionOverwrite{{ID: g.ID, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionSendMessages}},
		newRules.PermissionOverwrites); diff != "" {
		t.Errorf("#rules overwrites mismatch (-want +got):\n%s", diff)
	}
	calls := structureCalls(h)
	if len(calls) != 6 { // two roles, their positions, three channels
		t.Errorf("Discord calls %q, want 6", calls)
	}
	for _, c := range calls {
		if !strings.Contains(c, "nuke-report recreation by admin") {
			t.Errorf("call without the audit-log reason: %q", c)
		}
	}
	if n := h.Count(`SELECT count(*) FROM audit_log WHERE guild_id = $1 AND action_type = $2 AND actor_id = $3`,
		g.ID, guildsnap.ActionRecreate, h.Admin.ID()); n != 5 {
		t.Errorf("%d recreation audit records, want 5", n)
	}

	h.Clock.Advance(time.Minute)
	again := h.Click(h.Admin, report.Original(), ids[0]).Embeds()[0].Description
	if !strings.Contains(again, "**Already recreated**") || strings.Contains(again, "**Recreated**") {
		t.Errorf("second click:\n%s", again)
	}
	if n := len(structureCalls(h)); n != 6 {
		t.Errorf("second click made %d more Discord calls", n-6)
	}
}
