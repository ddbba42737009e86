package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
)

// With SECOPS_RATE_LIMIT_STORE=postgres the bot answers as with the
// in-process limiter, and the bucket lives in rate_limit_buckets.
func TestSharedRateLimitStore(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, func(c *config.Config) { c.RateLimitStore = "postgres" })
	var got []string
	for i := 0; i < 4; i++ {
		c := h.Run(h.Bob, "/submit-stats", discordsim.Int("approaches", 1)).Content()
		got = append(got, map[bool]string{true: "saved", false: c}[strings.HasPrefix(c, "📊 Stats saved")])
		h.Clock.Advance(3 * time.Second)
	}
	// 3 per hour: one token every 1200 s, 9 s after the first call.
	want := []string{"saved", "saved", "saved", "⏳ Rate limited. Try again in 1191 s."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replies (-want +got):\n%s", diff)
	}
	if ix := h.Run(h.Bob, "/submit-stats"); ix.Content() != "⏳ Rate limited. Try again in 1188 s." {
		t.Errorf("reply %q", ix.Content())
	}
	var rows int
	if err := h.DB.App.QueryRow(t.Context(), `SELECT count(*) FROM rate_limit_buckets WHERE user_id = $1 AND command_name = 'submit-stats'`,
		h.Bob.ID()).Scan(&rows); err != nil || rows != 1 {
		t.Errorf("shared bucket rows = %d, %v; want 1", rows, err)
	}
}
