package doctor

import (
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"
)

// channelPermissions follows Discord's "Permissions" topic: base
// permissions from @everyone and the member's roles, Administrator or
// ownership grants everything, then the @everyone overwrite, the roles'
// overwrites combined and the member's own, then the implicit denials.
func TestChannelPermissions(t *testing.T) {
	const (
		guild = "1"
		owner = "10"
		bot   = "20"
		botR  = "200"
		modR  = "300"
		other = "400"
		view  = discordgo.PermissionViewChannel
		send  = discordgo.PermissionSendMessages
		embed = discordgo.PermissionEmbedLinks
		hist  = discordgo.PermissionReadMessageHistory
	)
	roles := []*discordgo.Role{
		{ID: guild, Permissions: view | send | hist},
		{ID: botR, Permissions: embed | discordgo.PermissionBanMembers},
		{ID: modR, Permissions: discordgo.PermissionModerateMembers},
		{ID: other, Permissions: discordgo.PermissionAdministrator},
	}
	role := func(id string, allow, deny int64) *discordgo.PermissionOverwrite {
		return &discordgo.PermissionOverwrite{ID: id, Type: discordgo.PermissionOverwriteTypeRole, Allow: allow, Deny: deny}
	}
	member := func(id string, allow, deny int64) *discordgo.PermissionOverwrite {
		return &discordgo.PermissionOverwrite{ID: id, Type: discordgo.PermissionOverwriteTypeMember, Allow: allow, Deny: deny}
	}
	var base int64 = view | send | hist | embed | discordgo.PermissionBanMembers
	tests := []struct {
		name       string
		user       string
		memberOf   []string
		overwrites []*discordgo.PermissionOverwrite
		want       int64
	}{
		{name: "no overwrites: guild permissions", user: bot, memberOf: []string{botR}, want: base},
		{name: "admin role has everything despite denies", user: bot, memberOf: []string{botR, other},
			overwrites: []*discordgo.PermissionOverwrite{role(guild, 0, view), member(bot, 0, send)}, want: discordgo.PermissionAll},
		{name: "owner has everything", user: owner,
			overwrites: []*discordgo.PermissionOverwrite{role(guild, 0, view|send)}, want: discordgo.PermissionAll},
		{name: "@everyone deny", user: bot, memberOf: []string{botR},
			overwrites: []*discordgo.PermissionOverwrite{role(guild, 0, hist)}, want: base &^ hist},
		{name: "@everyone deny of View Channel hides everything", user: bot, memberOf: []string{botR},
			overwrites: []*discordgo.PermissionOverwrite{role(guild, 0, view)}, want: 0},
		{name: "role allow over @everyone deny", user: bot, memberOf: []string{botR},
			overwrites: []*discordgo.PermissionOverwrite{role(botR, view|hist, 0), role(guild, 0, view|hist)}, want: base},
		{name: "role allow beats another role's deny", user: bot, memberOf: []string{botR, modR},
			overwrites: []*discordgo.PermissionOverwrite{role(modR, 0, hist), role(botR, hist, 0)}, want: base | discordgo.PermissionModerateMembers},
		{name: "overwrite of a role the member lacks is ignored", user: bot, memberOf: []string{botR},
			overwrites: []*discordgo.PermissionOverwrite{role(modR, 0, hist)}, want: base},
		{name: "member overwrite deny beats role allow", user: bot, memberOf: []string{botR},
			overwrites: []*discordgo.PermissionOverwrite{role(botR, hist, 0), member(bot, 0, hist)}, want: base &^ hist},
		{name: "another member's overwrite is ignored", user: bot, memberOf: []string{botR},
			overwrites: []*discordgo.PermissionOverwrite{member(owner, 0, hist)}, want: base},
		{name: "no Send Messages: no Embed Links", user: bot, memberOf: []string{botR},
			overwrites: []*discordgo.PermissionOverwrite{role(botR, 0, send)}, want: base &^ (send | embed)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := channelPermissions(guild, owner, tt.user, tt.memberOf, roles, tt.overwrites)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("permissions mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
