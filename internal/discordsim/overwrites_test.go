package discordsim_test

import (
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordsim"
)

// Channel permission overwrites: MANAGE_ROLES in the channel, only the
// bot's own permissions allowed or denied (unless an overwrite grants it
// MANAGE_ROLES), create, replace and delete with the audit reason, and
// CHANNEL_UPDATE with the whole channel.
func TestChannelOverwrites(t *testing.T) {
	t.Parallel()
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	s := restSession(t, sim)
	const send = discordgo.PermissionSendMessages
	const threads = discordgo.PermissionCreatePublicThreads
	hidden := g.AddChannelOfType("hidden", discordsim.ChannelText,
		discordgo.PermissionOverwrite{ID: g.BotRole().ID, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionViewChannel})
	granted := g.AddChannelOfType("granted", discordsim.ChannelText,
		discordgo.PermissionOverwrite{ID: g.BotRole().ID, Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionManageRoles})
	put := func(ch string, allow, deny int64) error {
		return s.ChannelPermissionSet(ch, g.ID, discordgo.PermissionOverwriteTypeRole, allow, deny, discordgo.WithAuditLogReason("lockdown: raid"))
	}

	steps := []struct {
		name string
		do   func() error
		want int // Discord's error code, 0 for success
	}{
		{"no MANAGE_ROLES", func() error { return put(g.ChannelID, 0, send) }, discordsim.CodeMissingPermissions},
		{"MANAGE_ROLES by overwrite lets it deny what it lacks", func() error { return put(granted, 0, send|threads) }, 0},
		{"grant MANAGE_ROLES", func() error {
			g.BotRole().SetPermissions(g.BotRole().Info().Permissions | discordgo.PermissionManageRoles)
			return nil
		}, 0},
		{"a permission the bot lacks", func() error { return put(g.ChannelID, 0, send|threads) }, discordsim.CodeMissingPermissions},
		{"a channel it cannot see", func() error { return put(hidden, 0, send) }, discordsim.CodeMissingAccess},
		{"create", func() error { return put(g.ChannelID, discordgo.PermissionEmbedLinks, send) }, 0},
		{"replace", func() error { return put(g.ChannelID, 0, send) }, 0},
		{"an unknown role", func() error {
			return s.ChannelPermissionSet(g.ChannelID, "123", discordgo.PermissionOverwriteTypeRole, 0, send)
		}, discordsim.CodeUnknownRole},
		{"an unknown channel", func() error { return put("999", 0, send) }, discordsim.CodeUnknownChannel},
	}
	for _, st := range steps {
		err := st.do()
		got := 0
		if err != nil {
			got = restCode(err)
		}
		if got != st.want {
			t.Errorf("%s: code %d, want %d", st.name, got, st.want)
		}
	}
	want := []discordgo.PermissionOverwrite{{ID: g.ID, Type: discordgo.PermissionOverwriteTypeRole, Deny: send}}
	if diff := cmp.Diff(want, sim.Overwrites(g.ChannelID)); diff != "" {
		t.Errorf("overwrites mismatch (-want +got):\n%s", diff)
	}
	if err := s.ChannelPermissionDelete(g.ChannelID, g.ID, discordgo.WithAuditLogReason("unlock")); err != nil {
		t.Fatal(err)
	}
	if got := sim.Overwrites(g.ChannelID); len(got) != 0 {
		t.Errorf("after DELETE: %+v", got)
	}
	var actions []string
	for _, e := range sim.AuditReasons(g.ID) {
		if e.TargetID == g.ChannelID {
			actions = append(actions, e.Action+" "+e.Reason)
		}
	}
	wantAudit := []string{"channel-overwrite-create lockdown: raid", "channel-overwrite-update lockdown: raid", "channel-overwrite-delete unlock"}
	if diff := cmp.Diff(wantAudit, actions); diff != "" {
		t.Errorf("audit log mismatch (-want +got):\n%s", diff)
	}
}
