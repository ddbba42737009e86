package app

import (
	"testing"
	"time"

	"github.com/embodied-community/embodied/internal/config"
)

func TestEnforcementSummary(t *testing.T) {
	tests := []struct {
		ladder  string
		timeout time.Duration
		want    string
	}{
		{"warning,timeout,ban", 24 * time.Hour, "strike 2 applies a real 24h timeout, strike 3 a real permanent ban"},
		{"warning,warning,timeout,timeout,ban", 90 * time.Minute,
			"strike 3 applies a real 1h30m0s timeout, strike 4 applies a real 1h30m0s timeout, strike 5 a real permanent ban"},
		{"warning", time.Hour, "the strike ladder has no timeout or ban"},
	}
	for _, tt := range tests {
		ladder, err := config.ParseLadder(tt.ladder)
		if err != nil {
			t.Fatal(err)
		}
		if got := enforcementSummary(&config.Config{StrikeLadder: ladder, StrikeTimeout: tt.timeout}); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.ladder, got, tt.want)
		}
	}
}
