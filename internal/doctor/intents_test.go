package doctor_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/doctor"
)

// With SECOPS_MODERATE_MESSAGES, doctor reads from the application's flags
// (GET /applications/@me) whether the Message Content intent is enabled,
// and with SECOPS_RAID_DETECTION whether the Server Members intent is; it
// says which flag grants it and exactly what to enable when neither does
// (the gateway would close with 4014). Without them, the checks are not
// run. It never identifies, even against a sharded gateway.
func TestDoctorMessageContentIntent(t *testing.T) {
	none, content, members := discordgo.Intent(0), discordgo.IntentsMessageContent, discordgo.IntentsGuildMembers
	const (
		contentFix = "enable it in the Developer Portal → your application → Bot → Privileged Gateway Intents → Message Content Intent, " +
			"then restart the bot; or set SECOPS_MODERATE_MESSAGES=false"
		membersFix = "enable it in the Developer Portal → your application → Bot → Privileged Gateway Intents → Server Members Intent, " +
			"then restart the bot; or set SECOPS_RAID_DETECTION=false"
	)
	tests := []struct {
		name     string
		portal   *discordgo.Intent
		verified bool // the bot is in 100 servers, so Discord verified it
		fault    int  // status Get Current Application answers with
		moderate bool
		raids    bool
		want     doctor.Result
	}{
		{"enabled in the portal", &content, false, 0, true, false, doctor.Result{Status: doctor.Pass, Check: "Message Content intent",
			Detail: "enabled for the application as GATEWAY_MESSAGE_CONTENT_LIMITED, as for an unverified bot in under 100 servers: " +
				"the gateway accepts Guild Messages and Message Content, so message moderation runs; " +
				"from 100 servers on the bot needs Discord's approval for the intent (app verification)"}},
		{"verified", &content, true, 0, true, false, doctor.Result{Status: doctor.Pass, Check: "Message Content intent",
			Detail: "enabled for the application (GATEWAY_MESSAGE_CONTENT): the gateway accepts Guild Messages and Message Content, so message moderation runs"}},
		{"not enabled", &none, false, 0, true, false, doctor.Result{Status: doctor.Fail, Check: "Message Content intent",
			Detail: "off for the application (neither GATEWAY_MESSAGE_CONTENT nor GATEWAY_MESSAGE_CONTENT_LIMITED in its flags): " +
				"the gateway will refuse it (close 4014, \"Disallowed intent(s).\"), so the bot runs without message moderation",
			Fix: contentFix}},
		{"message moderation off", &none, false, 0, false, false, doctor.Result{Status: -1}},
		{"application unreadable", &content, false, http.StatusForbidden, true, false, doctor.Result{Status: doctor.Warn, Check: "Message Content intent",
			Detail: "could not read the application's flags: get current application: HTTP 403 Forbidden, " +
				`{"code":0,"message":"403: Forbidden"}`,
			Fix: "check the network path to Discord"}},
		{"Server Members enabled", &members, false, 0, false, true, doctor.Result{Status: doctor.Pass, Check: "Server Members intent",
			Detail: "enabled for the application as GATEWAY_GUILD_MEMBERS_LIMITED, as for an unverified bot in under 100 servers: " +
				"the gateway accepts Guild Members, so raid detection sees the joins; " +
				"from 100 servers on the bot needs Discord's approval for the intent (app verification)"}},
		{"Server Members verified", &members, true, 0, false, true, doctor.Result{Status: doctor.Pass, Check: "Server Members intent",
			Detail: "enabled for the application (GATEWAY_GUILD_MEMBERS): the gateway accepts Guild Members, so raid detection sees the joins"}},
		{"Server Members not enabled", &content, false, 0, true, true, doctor.Result{Status: doctor.Fail, Check: "Server Members intent",
			Detail: "off for the application (neither GATEWAY_GUILD_MEMBERS nor GATEWAY_GUILD_MEMBERS_LIMITED in its flags): " +
				"the gateway will refuse it (close 4014, \"Disallowed intent(s).\"), so the bot runs without raid detection",
			Fix: membersFix}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := discordsim.NewTest(t, discordsim.Options{PrivilegedIntents: tt.portal, Shards: 2})
			g := sim.SeedSandbox()
			if tt.verified {
				for i := range 99 {
					sim.CreateGuild(fmt.Sprintf("guild-%d", i), discordsim.UserSpec{Username: fmt.Sprintf("owner-%d", i)})
				}
			}
			if tt.fault != 0 {
				sim.FailRoute(http.MethodGet, "/applications/@me", discordsim.Fault{Status: tt.fault})
			}
			cfg := &config.Config{DiscordToken: config.Secret(sim.Token()), DiscordAPIURL: sim.URL(), DiscordGuildID: g.ID,
				ModerateMessages: tt.moderate, RaidDetection: tt.raids}
			check := "Message Content intent"
			if tt.raids {
				check = "Server Members intent"
			}
			got := find(&doctor.Report{Results: doctor.CheckDiscord(context.Background(), cfg, nil)}, check)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("check mismatch (-want +got):\n%s", diff)
			}
			if ids := sim.Identifies(); len(ids) != 0 {
				t.Errorf("doctor identified %d times, want none: %+v", len(ids), ids)
			}
		})
	}
}

// With message moderation on, doctor says in each guild whether the bot may
// delete messages (MANAGE_MESSAGES); with it off, it does not ask.
func TestDoctorMessageModerationPermission(t *testing.T) {
	content := discordgo.IntentsMessageContent
	sim := discordsim.NewTest(t, discordsim.Options{PrivilegedIntents: &content})
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
