package raid

// The Server Members intent is privileged: Discord refuses a gateway
// session that asks for it (close code 4014, "Disallowed intent(s).")
// unless it is enabled for the application in the developer portal. The
// bot then runs on without raid detection; these texts tell the operator,
// in the log, `embodied doctor` and /security status, what to enable.

// PortalSteps is where the Server Members intent is enabled.
const PortalSteps = "Developer Portal → your application → Bot → Privileged Gateway Intents → Server Members Intent"

// IntentRefused is what the bot says when Discord refuses the intent.
const IntentRefused = "Raid detection is off: Discord refused the Server Members intent (gateway close 4014, \"Disallowed intent(s).\"). " +
	"Enable it in the " + PortalSteps + ", then restart the bot. Slash commands keep working."

// Status says whether raid detection runs, for /security status:
// requested is SECOPS_RAID_DETECTION, refused whether Discord refused the
// intent. It is "" when raid detection was not asked for.
func Status(requested, refused bool) string {
	switch {
	case !requested:
		return ""
	case refused:
		return "⚠️ " + IntentRefused
	}
	return "On: joins to this server are watched for raids."
}
