package discordsim_test

import (
	"errors"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordsim"
)

// A member deletes channels and roles as in Discord's client, within their
// permissions and the role hierarchy; a category's children stay, parentless.
func TestMemberDeletesStructure(t *testing.T) {
	t.Parallel()
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	admin, alice := g.MemberByName("admin"), g.MemberByName("alice")
	cat := g.CreateChannel(discordsim.ChannelSpec{Name: "staff", Type: discordgo.ChannelTypeGuildCategory})
	child := g.CreateChannel(discordsim.ChannelSpec{Name: "mods", ParentID: cat})
	low := g.AddRole(discordsim.RoleSpec{Name: "Low", Position: 2})
	high := g.AddRole(discordsim.RoleSpec{Name: "High", Position: 50})

	cases := []struct {
		name    string
		do      func() error
		wantErr error
	}{
		{"a plain member may not delete a channel", func() error { return g.DeleteChannel(alice, child) }, discordsim.ErrMissingPermissions},
		{"a plain member may not delete a role", func() error { return g.DeleteRole(alice, low.ID) }, discordsim.ErrMissingPermissions},
		{"an admin may not delete a role above theirs", func() error { return g.DeleteRole(admin, high.ID) }, discordsim.ErrMissingPermissions},
		{"an admin deletes a category", func() error { return g.DeleteChannel(admin, cat) }, nil},
		{"an admin deletes a role below theirs", func() error { return g.DeleteRole(admin, low.ID) }, nil},
		{"the owner deletes any role", func() error { return g.DeleteRole(g.Owner(), high.ID) }, nil},
	}
	for _, c := range cases {
		if err := c.do(); !errors.Is(err, c.wantErr) {
			t.Errorf("%s: %v, want %v", c.name, err, c.wantErr)
		}
	}
	if g.Channel(cat) != nil || g.Role(low.ID) != nil || g.Role(high.ID) != nil {
		t.Errorf("deleted category or roles still there")
	}
	if p := g.Channel(child).ParentID; p != "" {
		t.Errorf("child of the deleted category keeps parent %s", p)
	}
	var got []string
	for _, e := range sim.AuditReasons(g.ID) {
		got = append(got, e.Action+" "+e.TargetID+" by "+e.UserID)
	}
	want := []string{"channel-delete " + cat + " by " + admin.ID(), "role-delete " + low.ID + " by " + admin.ID(), "role-delete " + high.ID + " by " + g.OwnerID}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit mismatch (-want +got):\n%s", diff)
	}
}

// The bot recreates roles and channels within its permissions: MANAGE_ROLES
// and MANAGE_CHANNELS, no role or overwrite with a permission it lacks.
func TestBotCreatesStructure(t *testing.T) {
	t.Parallel()
	sim, g, s := sandboxREST(t)
	perms := int64(discordgo.PermissionSendMessages)
	if _, err := s.GuildRoleCreate(g.ID, &discordgo.RoleParams{Name: "x", Permissions: &perms}); restCode(err) != discordsim.CodeMissingPermissions {
		t.Fatalf("role without MANAGE_ROLES: %v, want 50013", err)
	}
	g.BotRole().SetPermissions(g.BotRole().Info().Permissions | discordgo.PermissionManageRoles | discordgo.PermissionManageChannels)
	admin := int64(discordgo.PermissionAdministrator)
	if _, err := s.GuildRoleCreate(g.ID, &discordgo.RoleParams{Name: "x", Permissions: &admin}); restCode(err) != discordsim.CodeMissingPermissions {
		t.Fatalf("role with Administrator: %v, want 50013", err)
	}
	r, err := s.GuildRoleCreate(g.ID, &discordgo.RoleParams{Name: "Helpers", Permissions: &perms, Hoist: ptr(true)}, discordgo.WithAuditLogReason("restore"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Position != 1 || !r.Hoist || r.Permissions != perms {
		t.Errorf("created role %+v", r)
	}
	if _, err := s.RequestWithBucketID("PATCH", discordgo.EndpointGuildRoles(g.ID), []map[string]any{{"id": r.ID, "position": 3}}, discordgo.EndpointGuildRoles(g.ID)); err != nil {
		t.Fatal(err)
	}
	if got := g.Role(r.ID).Info().Position; got != 3 {
		t.Errorf("role position %d, want 3", got)
	}
	cat, err := s.GuildChannelCreateComplex(g.ID, discordgo.GuildChannelCreateData{Name: "staff", Type: discordgo.ChannelTypeGuildCategory, Position: 2})
	if err != nil {
		t.Fatal(err)
	}
	bad := discordgo.GuildChannelCreateData{Name: "mods", ParentID: cat.ID, PermissionOverwrites: []*discordgo.PermissionOverwrite{{ID: r.ID, Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionManageGuild}}}
	if _, err := s.GuildChannelCreateComplex(g.ID, bad); restCode(err) != discordsim.CodeMissingPermissions {
		t.Fatalf("overwrite allowing MANAGE_GUILD: %v, want 50013", err)
	}
	ow := []*discordgo.PermissionOverwrite{{ID: r.ID, Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionSendMessages}, {ID: g.ID, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionViewChannel}}
	ch, err := s.GuildChannelCreateComplex(g.ID, discordgo.GuildChannelCreateData{Name: "mods", ParentID: cat.ID, Topic: "t", RateLimitPerUser: 5, NSFW: true, Position: 4, PermissionOverwrites: ow}, discordgo.WithAuditLogReason("restore"))
	if err != nil {
		t.Fatal(err)
	}
	want := &discordgo.Channel{ID: ch.ID, GuildID: g.ID, Name: "mods", Type: discordgo.ChannelTypeGuildText, ParentID: cat.ID, Topic: "t", RateLimitPerUser: 5, NSFW: true, Position: 4, PermissionOverwrites: ow}
	if diff := cmp.Diff(want, g.Channel(ch.ID)); diff != "" {
		t.Errorf("channel mismatch (-want +got):\n%s", diff)
	}
	var reasons []string
	for _, e := range sim.AuditReasons(g.ID) {
		if e.Reason != "" {
			reasons = append(reasons, e.Action+": "+e.Reason)
		}
	}
	if diff := cmp.Diff([]string{"role-create: restore", "channel-create: restore"}, reasons); diff != "" {
		t.Errorf("audit reasons mismatch (-want +got):\n%s", diff)
	}
}

// sandboxREST is a seeded emulator and a bare REST session of its bot.
func sandboxREST(t *testing.T) (*discordsim.Server, *discordsim.Guild, *discordgo.Session) {
	t.Helper()
	sim := discordsim.NewTest(t, discordsim.Options{})
	s := restSession(t, sim)
	return sim, sim.SeedSandbox(), s
}
