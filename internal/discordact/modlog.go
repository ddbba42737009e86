package discordact

import (
	"fmt"
	"strings"

	"github.com/embodied-community/embodied/internal/strike"
)

// modLogText words a mod-log post: its title and its lines, with members
// as mentions.
func modLogText(e strike.LogEntry) (title string, lines []string) {
	switch e.Kind {
	case strike.LogWarning:
		action := fmt.Sprintf("Strike %d/%d · Action: %s", e.Total, e.Top, e.Action)
		switch {
		case e.SafeMode:
			action += " (safe mode: not applied)"
		case e.MissingPermission != "" && e.Action == strike.ActionBan:
			action += " (awaiting confirmation by a member with Ban Members: " + mention(e.ModeratorID) + " does not have it)"
		case e.MissingPermission != "":
			action += " (not applied: " + mention(e.ModeratorID) + " does not have " + e.MissingPermission + ")"
		case e.Failure != nil:
			action += " (failed: " + e.Failure.Error() + ")"
		}
		return fmt.Sprintf("Case #%d: warning", e.Case), []string{
			"Member: " + mention(e.MemberID),
			"Moderator: " + mention(e.ModeratorID),
			fmt.Sprintf("Reason: %s (%s)", e.Reason, e.Severity),
			action,
			fmt.Sprintf("DM: %s", e.DMStatus),
		}
	case strike.LogPardon:
		return fmt.Sprintf("Case #%d pardoned", e.Case), []string{
			"Member: " + mention(e.MemberID),
			"Pardoned by: " + mention(e.ModeratorID),
			"Reason: " + e.Reason,
			fmt.Sprintf("Active strikes: %d/%d", e.Total, e.Top),
		}
	case strike.LogLift:
		title := map[strike.Action]string{strike.ActionUntimeout: "Timeout lifted", strike.ActionUnban: "Ban lifted"}[e.Action]
		return title, []string{"Member: " + mention(e.MemberID), "By: " + mention(e.ModeratorID), "Reason: " + e.Reason}
	}
	return "", nil
}

func mention(userID string) string { return "<@" + userID + ">" }

// modLogDescription joins a post's lines within Discord's embed
// description limit (4096; 4000 leaves room).
func modLogDescription(lines []string) string {
	desc := strings.Join(lines, "\n")
	if r := []rune(desc); len(r) > 4000 {
		desc = string(r[:4000])
	}
	return desc
}
