package discordsim_test

import (
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordsim"
)

// Get Channel answers a guild channel with its permission_overwrites, a
// channel the bot cannot see 403 Missing Access and an unknown one 404.
func TestGetChannel(t *testing.T) {
	t.Parallel()
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	s := restSession(t, sim)
	deny := discordgo.PermissionOverwrite{ID: g.BotRole().ID, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionReadMessageHistory}
	visible := g.AddChannelOfType("mod-log", discordsim.ChannelText, deny)
	hidden := g.AddChannelOfType("hidden", discordsim.ChannelText,
		discordgo.PermissionOverwrite{ID: g.ID, Type: discordgo.PermissionOverwriteTypeRole, Deny: discordgo.PermissionViewChannel})

	ch, err := s.Channel(visible)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*discordgo.PermissionOverwrite{&deny}, ch.PermissionOverwrites); diff != "" {
		t.Errorf("permission_overwrites mismatch (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		id   string
		want int
	}{{hidden, discordsim.CodeMissingAccess}, {"999", discordsim.CodeUnknownChannel}} {
		if _, err := s.Channel(tt.id); restCode(err) != tt.want {
			t.Errorf("GET /channels/%s: %v, want code %d", tt.id, err, tt.want)
		}
	}
}
