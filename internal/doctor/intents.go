package doctor

import (
	"fmt"
	"log/slog"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/chatmod"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/raid"
)

// Texts of the Message Content intent check.
const (
	intentCheck   = "Message Content intent"
	intentGranted = "granted: the gateway accepts Guild Messages and Message Content, so message moderation runs"
	// IntentRefusedDetail is the check's detail when Discord refuses the intent.
	IntentRefusedDetail = "Discord refused it (gateway close 4014, \"Disallowed intent(s).\"): the bot runs without message moderation"
	// IntentRefusedFix is the check's fix when Discord refuses the intent.
	IntentRefusedFix = "enable it in the " + chatmod.PortalSteps + ", then restart the bot; or set SECOPS_MODERATE_MESSAGES=false"
)

// Texts of the Server Members intent check.
const (
	membersCheck   = "Server Members intent"
	membersGranted = "granted: the gateway accepts Guild Members, so raid detection sees the joins"
	// MembersRefusedDetail is the check's detail when Discord refuses the intent.
	MembersRefusedDetail = "Discord refused it (gateway close 4014, \"Disallowed intent(s).\"): the bot runs without raid detection"
	// MembersRefusedFix is the check's fix when Discord refuses the intent.
	MembersRefusedFix = "enable it in the " + raid.PortalSteps + ", then restart the bot; or set SECOPS_RAID_DETECTION=false"
)

// intentProbe is one privileged intent doctor asks the gateway for.
type intentProbe struct {
	requested             bool
	intents               discordgo.Intent
	check, granted        string
	refusedDetail, refFix string
}

// checkMessageIntent asks the gateway for the message intents, as the bot
// does with SECOPS_MODERATE_MESSAGES, and for the Server Members intent,
// as it does with SECOPS_RAID_DETECTION: Discord closes the session with
// 4014 unless the intent is enabled in the developer portal.
func checkMessageIntent(r *Report, cfg *config.Config, logger *slog.Logger) {
	for _, p := range []intentProbe{
		{cfg.ModerateMessages, discordhttp.MessageIntents, intentCheck, intentGranted, IntentRefusedDetail, IntentRefusedFix},
		{cfg.RaidDetection, discordgo.IntentsGuildMembers, membersCheck, membersGranted, MembersRefusedDetail, MembersRefusedFix},
	} {
		if !p.requested {
			continue
		}
		err := discordhttp.ProbeIntents(cfg.DiscordToken.Reveal(), cfg.DiscordAPIURL, discordgo.IntentsGuilds|p.intents, logger)
		switch {
		case discordhttp.DisallowedIntents(err):
			r.add(Fail, p.check, p.refusedDetail, p.refFix)
		case err != nil:
			r.add(Warn, p.check, "could not open the gateway: "+err.Error(), "check the network path to Discord")
		default:
			r.add(Pass, p.check, p.granted, "")
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
