package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/chatmod"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/raid"
)

// Texts of the Message Content intent check.
const (
	intentCheck   = "Message Content intent"
	intentFlag    = "GATEWAY_MESSAGE_CONTENT"
	intentGranted = "the gateway accepts Guild Messages and Message Content, so message moderation runs"
	// IntentRefusedDetail is the check's detail when the application's
	// flags do not enable the intent.
	IntentRefusedDetail = "off for the application (neither " + intentFlag + " nor " + intentFlag + "_LIMITED in its flags): " +
		refused + ", so the bot runs without message moderation"
	// IntentRefusedFix is the check's fix when the intent is off.
	IntentRefusedFix = "enable it in the " + chatmod.PortalSteps + ", then restart the bot; or set SECOPS_MODERATE_MESSAGES=false"
)

// Texts of the Server Members intent check.
const (
	membersCheck   = "Server Members intent"
	membersFlag    = "GATEWAY_GUILD_MEMBERS"
	membersGranted = "the gateway accepts Guild Members, so raid detection sees the joins"
	// MembersRefusedDetail is the check's detail when the application's
	// flags do not enable the intent.
	MembersRefusedDetail = "off for the application (neither " + membersFlag + " nor " + membersFlag + "_LIMITED in its flags): " +
		refused + ", so the bot runs without raid detection"
	// MembersRefusedFix is the check's fix when the intent is off.
	MembersRefusedFix = "enable it in the " + raid.PortalSteps + ", then restart the bot; or set SECOPS_RAID_DETECTION=false"
)

// refused is what the gateway does with an intent the flags do not enable.
const refused = "the gateway will refuse it (close 4014, \"Disallowed intent(s).\")"

// intentFlags is one privileged intent doctor looks up in the
// application's flags: full is the verified bot's flag, limited the one
// of an unverified bot in under 100 servers.
type intentFlags struct {
	requested             bool
	full, limited         discordhttp.ApplicationFlags
	check, flag, granted  string
	refusedDetail, refFix string
}

// detail says which flag grants the intent, or "" when none does.
func (p intentFlags) detail(flags discordhttp.ApplicationFlags) string {
	switch {
	case flags&p.full != 0:
		return fmt.Sprintf("enabled for the application (%s): %s", p.flag, p.granted)
	case flags&p.limited != 0:
		return fmt.Sprintf("enabled for the application as %s_LIMITED, as for an unverified bot in under 100 servers: %s; "+
			"from 100 servers on the bot needs Discord's approval for the intent (app verification)", p.flag, p.granted)
	}
	return ""
}

// checkMessageIntent reads, with SECOPS_MODERATE_MESSAGES, whether the
// application's flags enable the Message Content intent, and with
// SECOPS_RAID_DETECTION the Server Members intent: the gateway closes a
// session asking for one they do not enable with 4014. It reads them over
// REST (Get Current Application) rather than identifying: on a sharded
// deployment an unsharded session is refused (4010/4011), spends one of
// the day's session starts and takes a turn in a shard's identify bucket.
// The running bot still learns it from its own IDENTIFY (internal/app).
func checkMessageIntent(ctx context.Context, r *Report, s *discordgo.Session, cfg *config.Config) {
	if !cfg.ModerateMessages && !cfg.RaidDetection {
		return
	}
	probes := []intentFlags{
		{cfg.ModerateMessages, discordhttp.FlagGatewayMessageContent, discordhttp.FlagGatewayMessageContentLimited,
			intentCheck, intentFlag, intentGranted, IntentRefusedDetail, IntentRefusedFix},
		{cfg.RaidDetection, discordhttp.FlagGatewayGuildMembers, discordhttp.FlagGatewayGuildMembersLimited,
			membersCheck, membersFlag, membersGranted, MembersRefusedDetail, MembersRefusedFix},
	}
	app, err := discordhttp.CurrentApplication(ctx, s)
	for _, p := range probes {
		if !p.requested {
			continue
		}
		if err != nil {
			r.add(Warn, p.check, "could not read the application's flags: "+strings.TrimSpace(err.Error()), "check the network path to Discord")
			continue
		}
		if d := p.detail(discordhttp.ApplicationFlags(app.Flags)); d != "" {
			r.add(Pass, p.check, d, "")
		} else {
			r.add(Fail, p.check, p.refusedDetail, p.refFix)
		}
	}
}

// checkMessagePermission warns, with message moderation on, when the bot
// lacks MANAGE_MESSAGES in a guild: it can flag a message there but not
// delete it, so the delete and strike actions fail.
func checkMessagePermission(r *Report, guild string, moderate bool, botPerms int64, botRole string) {
	if !moderate {
		return
	}
	check := guild + " message moderation permission"
	if botPerms&discordgo.PermissionManageMessages == 0 {
		r.add(Warn, check, "the bot lacks MANAGE_MESSAGES: message moderation flags messages but cannot delete them (the delete and strike actions fail)",
			fmt.Sprintf("Server Settings → Roles → %s: enable Manage Messages", botRole))
		return
	}
	r.add(Pass, check, "MANAGE_MESSAGES", "")
}
