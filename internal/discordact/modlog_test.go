package discordact

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/strike"
)

func TestModLogText(t *testing.T) {
	warning := strike.LogEntry{Kind: strike.LogWarning, MemberID: "7", ModeratorID: "8", Case: 4, Reason: "spam",
		Severity: strike.High, Total: 3, Top: 3, Action: strike.ActionBan, DMStatus: strike.DMSent}
	with := func(f func(*strike.LogEntry)) strike.LogEntry {
		e := warning
		f(&e)
		return e
	}
	head := []string{"Member: <@7>", "Moderator: <@8>", "Reason: spam (high)"}
	tests := []struct {
		name      string
		e         strike.LogEntry
		wantTitle string
		wantLines []string
	}{
		{"ban applied", warning, "Case #4: warning", append(head, "Strike 3/3 · Action: ban", "DM: sent")},
		{"safe mode", with(func(e *strike.LogEntry) { e.SafeMode = true }), "Case #4: warning",
			append(head, "Strike 3/3 · Action: ban (safe mode: not applied)", "DM: sent")},
		{"ban awaiting confirmation", with(func(e *strike.LogEntry) { e.MissingPermission = "Ban Members" }), "Case #4: warning",
			append(head, "Strike 3/3 · Action: ban (awaiting confirmation by a member with Ban Members: <@8> does not have it)", "DM: sent")},
		{"timeout withheld", with(func(e *strike.LogEntry) {
			e.Total, e.Action, e.MissingPermission = 2, strike.ActionTimeout, "Moderate Members"
		}), "Case #4: warning", append(head, "Strike 2/3 · Action: timeout (not applied: <@8> does not have Moderate Members)", "DM: sent")},
		{"ban refused", with(func(e *strike.LogEntry) {
			e.Failure = &strike.EnforceFailure{Action: strike.ActionBan, Reason: strike.FailedForbidden, Permission: "Ban Members"}
		}), "Case #4: warning", append(head,
			"Strike 3/3 · Action: ban (failed: The ban was not applied: Discord refused (missing permissions: the bot needs Ban Members and a role above the member's).)",
			"DM: sent")},
		{"pardon", strike.LogEntry{Kind: strike.LogPardon, MemberID: "7", ModeratorID: "8", Case: 4, Reason: "mistake", Total: 1, Top: 3},
			"Case #4 pardoned", []string{"Member: <@7>", "Pardoned by: <@8>", "Reason: mistake", "Active strikes: 1/3"}},
		{"unban", strike.LogEntry{Kind: strike.LogLift, MemberID: "7", ModeratorID: "8", Reason: "appeal", Action: strike.ActionUnban},
			"Ban lifted", []string{"Member: <@7>", "By: <@8>", "Reason: appeal"}},
		{"untimeout", strike.LogEntry{Kind: strike.LogLift, MemberID: "7", ModeratorID: "8", Reason: "calm", Action: strike.ActionUntimeout},
			"Timeout lifted", []string{"Member: <@7>", "By: <@8>", "Reason: calm"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			title, lines := modLogText(tt.e)
			if diff := cmp.Diff(tt.wantTitle, title); diff != "" {
				t.Errorf("title mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantLines, lines); diff != "" {
				t.Errorf("lines mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
