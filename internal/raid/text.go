package raid

import (
	"fmt"
	"time"
)

// Describe is the settings in one line, for /security raid and the audit.
func (s Settings) Describe() string {
	resp := fmt.Sprintf("time out new members for %s", human(s.TimeoutFor))
	if s.Action == ActionVerification {
		resp = fmt.Sprintf("raise the verification level to %s", LevelName(s.Level))
	}
	return fmt.Sprintf("%d joins in %s with at least %d%% of accounts younger than %s; %s; ends after %s without such a join",
		s.Joins, human(s.Window), s.YoungPercent, human(s.YoungAge), resp, human(s.Quiet))
}

// StartAlert is the owners' and mod log's alert when raid mode begins.
func StartAlert(joins, youngs int, s Settings, enforce bool) string {
	what := "New members are timed out for " + human(s.TimeoutFor) + "."
	if s.Action == ActionVerification {
		what = "The verification level is raised to " + LevelName(s.Level) + "."
	}
	if !enforce {
		what = "Safe mode: nothing was changed (it would have done: " + what + ")"
	}
	return fmt.Sprintf("🚨 Raid mode: %d members joined within %s, %d of them with accounts younger than %s. %s "+
		"It ends after %s without such a join.", joins, human(s.Window), youngs, human(s.YoungAge), what, human(s.Quiet))
}

// EndAlert is the alert when raid mode ends.
func EndAlert(st State, s Settings) string {
	text := fmt.Sprintf("✅ Raid mode ended after %s without a join from a young account (%d joins during raid mode).",
		human(s.Quiet), st.Joins)
	if st.PreviousLevel >= 0 {
		text += " The verification level is back to " + LevelName(st.PreviousLevel) + "."
	}
	return text
}

// LevelName is Discord's name of a verification level.
func LevelName(level int) string {
	names := []string{"None", "Low", "Medium", "High", "Highest"}
	if level >= 0 && level < len(names) {
		return names[level]
	}
	return fmt.Sprint(level)
}

// human writes d the way people say it: "60s", "7d", "10m".
func human(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}
