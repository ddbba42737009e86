package discordact

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/strike"
)

func TestDMText(t *testing.T) {
	l := strike.DefaultLadder()
	warning := strike.DM{GuildName: "Sandbox", Case: 4, Reason: "Test warning", Severity: strike.Medium,
		ExpiresAt: time.Date(2025, 11, 6, 14, 30, 15, 0, time.UTC), Ladder: l}
	at := func(total int, brings strike.Action) strike.DM {
		dm := warning
		dm.Total, dm.Brings = total, brings
		return dm
	}
	tests := []struct {
		name string
		dm   strike.DM
		want []string
	}{
		{"first strike", at(1, strike.ActionWarning), []string{
			"⚠️ Warning - Strike 1/3",
			"You received a warning in Sandbox.",
			"Reason: Test warning",
			"Severity: Medium",
			"What happens next: another strike within 30 days means a 24-hour timeout.",
			"This strike expires on 2025-11-06. To appeal, contact the server's moderators.",
		}},
		{"ban, enforced", at(3, strike.ActionBan), []string{
			"⚠️ Warning - Strike 3/3",
			"You received a warning in Sandbox.",
			"Reason: Test warning",
			"Severity: Medium",
			"This strike brings a permanent ban.",
			"What happens next: you are banned from the server; you can appeal to its staff.",
			"This strike expires on 2025-11-06. To appeal, contact the server's moderators.",
		}},
		{"ban confirmed", strike.DM{GuildName: "Sandbox", Ban: true, Case: 4, Total: 3, Reason: "Test warning", Ladder: l}, []string{
			"⛔ You are banned from Sandbox: case #4 (strike 3/3) was confirmed by its staff.",
			"Reason: Test warning",
			"You can appeal to its staff.",
		}},
	}
	for _, tc := range tests {
		got := strings.Split(DMText(tc.dm), "\n")
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: DM mismatch (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		timeout time.Duration
		action  strike.Action
		want    string
	}{
		{24 * time.Hour, strike.ActionTimeout, "a 24-hour timeout"},
		{72 * time.Hour, strike.ActionTimeout, "a 3-day timeout"},
		{90 * time.Minute, strike.ActionTimeout, "a 90-minute timeout"},
		{time.Hour, strike.ActionBan, "a permanent ban"},
	}
	for _, tc := range tests {
		l := strike.Ladder{Timeout: tc.timeout}
		if got := describe(l, tc.action); got != tc.want {
			t.Errorf("describe(%s, %s) = %q, want %q", tc.action, tc.timeout, got, tc.want)
		}
	}
}
