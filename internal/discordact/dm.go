package discordact

import (
	"fmt"
	"strings"
	"time"

	"github.com/embodied-community/embodied/internal/strike"
)

// DMText words a direct message to a member: the warning they received,
// or the ban its staff confirmed.
func DMText(dm strike.DM) string {
	l := dm.Ladder
	if dm.Ban {
		return fmt.Sprintf("⛔ You are banned from %s: case #%d (strike %d/%d) was confirmed by its staff.\nReason: %s\nYou can appeal to its staff.",
			dm.GuildName, dm.Case, dm.Total, l.Top(), dm.Reason)
	}
	lines := []string{
		fmt.Sprintf("⚠️ Warning - Strike %d/%d", dm.Total, l.Top()),
		fmt.Sprintf("You received a warning in %s.", dm.GuildName),
		"Reason: " + dm.Reason,
		"Severity: " + strings.ToUpper(string(dm.Severity[:1])) + string(dm.Severity[1:]),
	}
	if dm.Brings != strike.ActionWarning {
		lines = append(lines, fmt.Sprintf("This strike brings %s.", describe(l, dm.Brings)))
	}
	days := int(l.Window / (24 * time.Hour))
	switch next := l.ActionFor(dm.Total + 1); {
	case dm.Brings == strike.ActionBan:
		lines = append(lines, "What happens next: you are banned from the server; you can appeal to its staff.")
	case next == strike.ActionWarning:
		lines = append(lines, fmt.Sprintf("What happens next: another strike within %d days is another warning.", days))
	default:
		lines = append(lines, fmt.Sprintf("What happens next: another strike within %d days means %s.", days, describe(l, next)))
	}
	lines = append(lines, fmt.Sprintf("This strike expires on %s. To appeal, contact the server's moderators.",
		dm.ExpiresAt.UTC().Format("2006-01-02")))
	return strings.Join(lines, "\n")
}

// describe says what an action does: "a 24-hour timeout".
func describe(l strike.Ladder, a strike.Action) string {
	switch a {
	case strike.ActionTimeout:
		if l.Timeout%(24*time.Hour) == 0 && l.Timeout > 24*time.Hour {
			return fmt.Sprintf("a %d-day timeout", int(l.Timeout/(24*time.Hour)))
		}
		return fmt.Sprintf("a %s timeout", hours(l.Timeout))
	case strike.ActionBan:
		return "a permanent ban"
	default:
		return "a warning"
	}
}

func hours(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d-hour", int(d/time.Hour))
	}
	return fmt.Sprintf("%d-minute", int(d/time.Minute))
}
