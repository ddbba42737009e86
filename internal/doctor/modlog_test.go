package doctor_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/doctor"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/storetest"
)

// doctor computes the bot's permissions in each guild's mod-log channel
// from the channel's overwrites: a denied Read Message History (editing a
// warning's post reads it first) fails with the fix, an allowed one passes,
// and a deleted channel fails with the command that sets a new one.
func TestDoctorModLogChannel(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	db := storetest.New(t)
	cfg := newConfig(t, sim, db)
	ctx := context.Background()
	modlog := g.AddChannelOfType("mod-log", discordsim.ChannelText)
	if err := db.Store.InTx(ctx, func(tx store.Tx) error {
		return tx.SetModLog(ctx, g.ID, &modlog, g.OwnerID, time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	botRole := g.BotRole().Info()
	check := fmt.Sprintf("guild %q mod-log channel", g.Name)
	set := func(id string, allow, deny int64) {
		g.SetOverwrite(modlog, discordgo.PermissionOverwrite{ID: id, Type: discordgo.PermissionOverwriteTypeRole, Allow: allow, Deny: deny})
	}
	lacks := func(ui string) doctor.Result {
		return doctor.Result{Status: doctor.Fail, Check: check,
			Detail: "the bot lacks " + ui + " in the mod-log channel " + modlog + ": warnings and alerts there fail",
			Fix:    "channel settings → Permissions → the bot's role: allow " + ui + " (the bot's role is " + botRole.Name + ")"}
	}

	tests := []struct {
		name  string
		setup func(t *testing.T)
		want  doctor.Result
	}{
		{
			name:  "bot role denied Read Message History",
			setup: func(*testing.T) { set(botRole.ID, 0, discordgo.PermissionReadMessageHistory) },
			want:  lacks("Read Message History"),
		},
		{
			name: "bot role allowed it over an @everyone deny",
			setup: func(*testing.T) {
				set(g.ID, 0, discordgo.PermissionViewChannel|discordgo.PermissionReadMessageHistory)
				set(botRole.ID, discordgo.PermissionViewChannel|discordgo.PermissionReadMessageHistory, 0)
			},
			want: doctor.Result{Status: doctor.Pass, Check: check,
				Detail: "the bot has View Channel, Send Messages, Embed Links, Read Message History in channel " + modlog},
		},
		{
			name:  "channel hidden from the bot (Discord answers 403)",
			setup: func(*testing.T) { set(botRole.ID, 0, discordgo.PermissionViewChannel) },
			want:  lacks("View Channel"),
		},
		{
			name: "channel deleted",
			setup: func(t *testing.T) {
				if err := g.DeleteChannel(g.Owner(), modlog); err != nil {
					t.Fatal(err)
				}
			},
			want: doctor.Result{Status: doctor.Fail, Check: check,
				Detail: "the mod-log channel " + modlog + " no longer exists", Fix: "/security modlog in the channel you want"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup(t)
			got := find(doctor.Run(ctx, doctor.Options{Config: cfg}), "mod-log channel")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mod-log check mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
