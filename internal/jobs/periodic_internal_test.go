package jobs

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/robfig/cron/v3"
)

func TestLastTick(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		spec string
		now  string
		want string
	}{
		{"0 3 * * *", "2026-11-30T03:00:00.2Z", "2026-11-30T03:00:00Z"},
		{"0 3 * * *", "2026-11-30T02:59:59Z", "2026-11-29T03:00:00Z"},
		{"*/15 * * * *", "2026-11-30T10:31:07Z", "2026-11-30T10:30:00Z"},
		{"0 4 1 * *", "2026-11-30T10:00:00Z", "2026-11-01T04:00:00Z"},
		{"0 0 1 1 *", "2026-11-30T10:00:00Z", "2026-01-01T00:00:00Z"},
		// "@every" is aligned, so that every process sees the same ticks.
		{"@every 2s", "2026-11-30T10:00:03.5Z", "2026-11-30T10:00:02Z"},
		{"@every 5m", "2026-11-30T10:07:00Z", "2026-11-30T10:05:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.spec+" "+tt.now, func(t *testing.T) {
			spec := tt.spec
			if spec[0] != '@' {
				spec = "CRON_TZ=UTC " + spec
			}
			s, err := cron.ParseStandard(spec)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(at(tt.want), lastTick(aligned(s), at(tt.now))); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
