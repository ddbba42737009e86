package notify

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestGuildCacheRecheck: with no notification, a value is read again once
// it is older than the recheck interval, and not before (the fallback that
// bounds staleness while the listener is away).
func TestGuildCacheRecheck(t *testing.T) {
	now := time.Date(2025, 10, 7, 14, 30, 0, 0, time.UTC)
	reads := 0
	c := NewGuildCache(func(context.Context, string) (int, error) { reads++; return reads, nil }, 0)
	c.now = func() time.Time { return now }
	var got []int
	for _, step := range []time.Duration{0, DefaultRecheck - time.Millisecond, time.Millisecond, time.Second} {
		now = now.Add(step)
		v, err := c.Get(context.Background(), "1")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if diff := cmp.Diff([]int{1, 1, 2, 2}, got); diff != "" {
		t.Errorf("values mismatch (-want +got):\n%s", diff)
	}
}
