package doctor_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/doctor"
)

// With SECOPS_MODERATE_MESSAGES, doctor asks the gateway for the Message
// Content intent, and with SECOPS_RAID_DETECTION for the Server Members
// intent, and says exactly what to enable when Discord refuses one (close
// 4014); without them, the checks are not run.
// probeSpacing is the emulator's identify spacing in these tests: the
// doctor opens a gateway session per intent probe and one for the guild
// list, one after the other, which Discord's 5 s would refuse (op 9).
const probeSpacing = time.Millisecond

func TestDoctorMessageContentIntent(t *testing.T) {
	none, content, members := discordgo.Intent(0), discordgo.IntentsMessageContent, discordgo.IntentsGuildMembers
	tests := []struct {
		name     string
		portal   *discordgo.Intent
		moderate bool
		raids    bool
		want     doctor.Result
	}{
		{"enabled in the portal", &content, true, false, doctor.Result{Status: doctor.Pass, Check: "Message Content intent",
			Detail: "granted: the gateway accepts Guild Messages and Message Content, so message moderation runs"}},
		{"not enabled", &none, true, false, doctor.Result{Status: doctor.Fail, Check: "Message Content intent",
			Detail: "Discord refused it (gateway close 4014, \"Disallowed intent(s).\"): the bot runs without message moderation",
			Fix: "enable it in the Developer Portal → your application → Bot → Privileged Gateway Intents → Message Content Intent, " +
				"then restart the bot; or set SECOPS_MODERATE_MESSAGES=false"}},
		{"message moderation off", &none, false, false, doctor.Result{Status: -1}},
		{"Server Members enabled", &members, false, true, doctor.Result{Status: doctor.Pass, Check: "Server Members intent",
			Detail: "granted: the gateway accepts Guild Members, so raid detection sees the joins"}},
		{"Server Members not enabled", &content, true, true, doctor.Result{Status: doctor.Fail, Check: "Server Members intent",
			Detail: "Discord refused it (gateway close 4014, \"Disallowed intent(s).\"): the bot runs without raid detection",
			Fix: "enable it in the Developer Portal → your application → Bot → Privileged Gateway Intents → Server Members Intent, " +
				"then restart the bot; or set SECOPS_RAID_DETECTION=false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := discordsim.NewTest(t, discordsim.Options{PrivilegedIntents: tt.portal, IdentifyInterval: probeSpacing})
			sim.SeedSandbox()
			cfg := &config.Config{DiscordToken: config.Secret(sim.Token()), DiscordAPIURL: sim.URL(), ModerateMessages: tt.moderate,
				RaidDetection: tt.raids}
			check := "Message Content intent"
			if tt.raids {
				check = "Server Members intent"
			}
			got := find(&doctor.Report{Results: doctor.CheckDiscord(context.Background(), cfg, nil)}, check)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("check mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// With message moderation on, doctor says in each guild whether the bot may
// delete messages (MANAGE_MESSAGES); with it off, it does not ask.
func TestDoctorMessageModerationPermission(t *testing.T) {
	content := discordgo.IntentsMessageContent
	sim := discordsim.NewTest(t, discordsim.Options{PrivilegedIntents: &content, IdentifyInterval: probeSpacing})
	g := sim.SeedSandbox()
	g.BotRole().SetPermissions(g.BotRole().Info().Permissions &^ discordgo.PermissionManageMessages)
	role := g.BotRole().Info().Name
	cfg := func(moderate bool) *config.Config {
		return &config.Config{DiscordToken: config.Secret(sim.Token()), DiscordAPIURL: sim.URL(), ModerateMessages: moderate}
	}
	const check = "message moderation permission"
	tests := []struct {
		name     string
		moderate bool
		grant    bool
		want     doctor.Result
	}{
		{"lacking", true, false, doctor.Result{Status: doctor.Warn, Check: fmt.Sprintf("guild %q %s", g.Name, check),
			Detail: "the bot lacks MANAGE_MESSAGES: message moderation flags messages but cannot delete them (the delete and strike actions fail)",
			Fix:    "Server Settings → Roles → " + role + ": enable Manage Messages"}},
		{"granted", true, true, doctor.Result{Status: doctor.Pass, Check: fmt.Sprintf("guild %q %s", g.Name, check), Detail: "MANAGE_MESSAGES"}},
		{"message moderation off", false, true, doctor.Result{Status: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.grant {
				g.BotRole().SetPermissions(g.BotRole().Info().Permissions | discordgo.PermissionManageMessages)
			}
			got := find(&doctor.Report{Results: doctor.CheckDiscord(context.Background(), cfg(tt.moderate), nil)}, check)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("check mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
