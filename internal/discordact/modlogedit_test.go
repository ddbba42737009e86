package discordact

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/strike"
)

// A settled DM changes only the DM line of a warning's post: the last one,
// as modLogText words it; a post whose DM line was cut off, or already
// says the status, is not edited.
func TestWithDMLine(t *testing.T) {
	_, lines := modLogText(strike.LogEntry{Kind: strike.LogWarning, MemberID: "7", ModeratorID: "8", Case: 4,
		Reason: "DM: pending", Severity: strike.Low, Total: 1, Top: 3, Action: strike.ActionWarning, DMStatus: strike.DMPending})
	pending := modLogDescription(lines)
	tests := []struct {
		name     string
		desc     string
		status   strike.DMStatus
		want     string
		wantEdit bool
	}{
		{"pending to sent", pending,
			strike.DMSent, "Member: <@7>\nModerator: <@8>\nReason: DM: pending (low)\nStrike 1/3 · Action: warning\nDM: sent", true},
		{"pending to closed", pending,
			strike.DMClosed, "Member: <@7>\nModerator: <@8>\nReason: DM: pending (low)\nStrike 1/3 · Action: warning\nDM: closed", true},
		{"already shown", "Member: <@7>\nDM: sent", strike.DMSent, "Member: <@7>\nDM: sent", false},
		{"DM line cut off", "Member: <@7>\nDM: pending\nReason: lo", strike.DMSent, "Member: <@7>\nDM: pending\nReason: lo", false},
		{"no DM line", "Member: <@7>", strike.DMSent, "Member: <@7>", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, edit := withDMLine(tt.desc, tt.status)
			if diff := cmp.Diff(tt.want, got); diff != "" || edit != tt.wantEdit {
				t.Errorf("withDMLine: edit %v, want %v; description mismatch (-want +got):\n%s", edit, tt.wantEdit, diff)
			}
		})
	}
}
