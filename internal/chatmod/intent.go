package chatmod

// The Message Content intent is privileged: Discord refuses a gateway
// session that asks for it (close code 4014, "Disallowed intent(s).")
// unless it is enabled for the application in the developer portal. The
// bot then runs on without message moderation; these texts tell the
// operator, in the log, `embodied doctor` and /security status, what to
// enable.

// PortalSteps is where the Message Content intent is enabled.
const PortalSteps = "Developer Portal → your application → Bot → Privileged Gateway Intents → Message Content Intent"

// IntentRefused is what the bot says when Discord refuses the intent.
const IntentRefused = "Message moderation is off: Discord refused the Message Content intent (gateway close 4014, \"Disallowed intent(s).\"). " +
	"Enable it in the " + PortalSteps + ", then restart the bot. Slash commands keep working."

// Status says whether message moderation runs, for /security status:
// requested is SECOPS_MODERATE_MESSAGES, refused whether Discord refused
// the intent. It is "" when message moderation was not asked for.
func Status(requested, refused bool) string {
	switch {
	case !requested:
		return ""
	case refused:
		return "⚠️ " + IntentRefused
	}
	return "On: messages posted and edited in this server's channels are checked."
}
