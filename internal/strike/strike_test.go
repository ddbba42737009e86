package strike

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/config"
)

func TestLadderActionFor(t *testing.T) {
	l := DefaultLadder()
	tests := []struct {
		strikes int
		want    Action
	}{
		{0, ActionWarning},
		{1, ActionWarning},
		{2, ActionTimeout},
		{3, ActionBan},
		{4, ActionBan}, // past the top rung, the top action applies again
	}
	for _, tc := range tests {
		if got := l.ActionFor(tc.strikes); got != tc.want {
			t.Errorf("ActionFor(%d) = %s, want %s", tc.strikes, got, tc.want)
		}
	}
}

func TestNewLadder(t *testing.T) {
	tests := []struct {
		name            string
		rungs           []config.Rung
		window, timeout time.Duration
		want            Ladder
		wantErr         bool
	}{
		{name: "defaults", want: DefaultLadder()},
		{name: "custom", rungs: []config.Rung{config.RungWarning, config.RungWarning, config.RungTimeout, config.RungBan}, window: 7 * 24 * time.Hour, timeout: time.Hour,
			want: Ladder{Rungs: []Action{ActionWarning, ActionWarning, ActionTimeout, ActionBan}, Window: 7 * 24 * time.Hour, Timeout: time.Hour}},
		{name: "timeout beyond Discord's limit", timeout: 29 * 24 * time.Hour, wantErr: true},
	}
	for _, tc := range tests {
		got, err := NewLadder(tc.rungs, tc.window, tc.timeout)
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: err = %v, want error %v", tc.name, err, tc.wantErr)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: ladder mismatch (-want +got):\n%s", tc.name, diff)
		}
	}
}

func TestAuditReason(t *testing.T) {
	tests := []struct {
		name    string
		strikes int
		reason  string
		want    string
	}{
		{"strike", 2, "Spam", "Strike 2/3 by mod (42): Spam"},
		{"reversal", 0, "Appeal accepted", "By mod (42): Appeal accepted"},
	}
	for _, tc := range tests {
		if got := AuditReason("mod", "42", tc.strikes, 3, tc.reason); got != tc.want {
			t.Errorf("%s: AuditReason = %q, want %q", tc.name, got, tc.want)
		}
	}
	long := AuditReason("mod", "42", 3, 3, strings.Repeat("é", 600))
	if len(long) > MaxAuditReason || !utf8.ValidString(long) || len(long) < MaxAuditReason-1 {
		t.Errorf("long reason: %d bytes, valid UTF-8 %v", len(long), utf8.ValidString(long))
	}
}

// Each rung needs the Discord permission a moderator needs to do the same in
// Discord's client; a warning needs none.
func TestMissingPermission(t *testing.T) {
	full := Member{BanMembers: true, ModerateMembers: true}
	tests := []struct {
		action Action
		mod    Member
		want   string
	}{
		{ActionWarning, Member{}, ""},
		{ActionTimeout, Member{ModerateMembers: true}, ""},
		{ActionTimeout, Member{BanMembers: true}, "Moderate Members"},
		{ActionBan, Member{ModerateMembers: true}, "Ban Members"},
		{ActionBan, full, ""},
	}
	for _, tc := range tests {
		if got := missingPermission(tc.action, tc.mod); got != tc.want {
			t.Errorf("missingPermission(%s, %+v) = %q, want %q", tc.action, tc.mod, got, tc.want)
		}
	}
}
