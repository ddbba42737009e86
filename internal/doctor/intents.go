package doctor

import (
	"log/slog"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/chatmod"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordhttp"
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

// checkMessageIntent asks the gateway for the message intents, as the bot
// does with SECOPS_MODERATE_MESSAGES: Discord closes the session with 4014
// unless Message Content is enabled in the developer portal.
func checkMessageIntent(r *Report, cfg *config.Config, logger *slog.Logger) {
	if !cfg.ModerateMessages {
		return
	}
	err := discordhttp.ProbeIntents(cfg.DiscordToken.Reveal(), cfg.DiscordAPIURL, discordgo.IntentsGuilds|discordhttp.MessageIntents, logger)
	switch {
	case discordhttp.DisallowedIntents(err):
		r.add(Fail, intentCheck, IntentRefusedDetail, IntentRefusedFix)
	case err != nil:
		r.add(Warn, intentCheck, "could not open the gateway: "+err.Error(), "check the network path to Discord")
	default:
		r.add(Pass, intentCheck, intentGranted, "")
	}
}
