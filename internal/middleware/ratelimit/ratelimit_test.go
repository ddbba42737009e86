package ratelimit

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/middleware"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestAllow(t *testing.T) {
	hourly := middleware.Limit{Burst: 3, Per: time.Hour}
	tests := []struct {
		name  string
		steps []time.Duration // time advanced before each call
		limit middleware.Limit
		want  []string // "ok" or the wait in whole seconds
	}{
		{"seed smoke test 1", []time.Duration{0, 5 * time.Second, 5 * time.Second, 0}, hourly, []string{"ok", "ok", "ok", "1190"}},
		{"refilled after 20 min", []time.Duration{0, 0, 0, 20 * time.Minute, 0}, hourly, []string{"ok", "ok", "ok", "ok", "1200"}},
		{"default limit", []time.Duration{0, 0, 0, 0, 0, 0}, middleware.Limit{}, []string{"ok", "ok", "ok", "ok", "ok", "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: time.Date(2025, 10, 7, 14, 30, 0, 0, time.UTC)}
			l := New(slog.New(slog.DiscardHandler), Options{Now: c.now})
			var got []string
			for _, d := range tt.steps {
				c.t = c.t.Add(d)
				ok, wait := l.Allow("123456789012345678", "submit-stats", tt.limit)
				if ok {
					got = append(got, "ok")
				} else {
					got = append(got, fmt.Sprint(int(wait.Round(time.Second).Seconds())))
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMessage(t *testing.T) {
	for wait, want := range map[time.Duration]string{
		1190 * time.Second:     "⏳ Rate limited. Try again in 1190 s.",
		1189*time.Second + 1e6: "⏳ Rate limited. Try again in 1190 s.",
		300 * time.Millisecond: "⏳ Rate limited. Try again in 1 s.",
	} {
		if got := Message(wait); got != want {
			t.Errorf("Message(%v) = %q, want %q", wait, got, want)
		}
	}
}

func TestUsersAndCommandsAreSeparate(t *testing.T) {
	c := &clock{t: time.Now()}
	l := New(slog.New(slog.DiscardHandler), Options{Now: c.now})
	one := middleware.Limit{Burst: 1, Per: time.Minute}
	if ok, _ := l.Allow("1", "a", one); !ok {
		t.Fatal("first call refused")
	}
	if ok, _ := l.Allow("1", "a", one); ok {
		t.Error("second call on the same command allowed")
	}
	if ok, _ := l.Allow("1", "b", one); !ok {
		t.Error("another command shares the bucket")
	}
	if ok, _ := l.Allow("2", "a", one); !ok {
		t.Error("another user shares the bucket")
	}
}

func TestEvictionBoundsMemory(t *testing.T) {
	c := &clock{t: time.Now()}
	l := New(slog.New(slog.DiscardHandler), Options{Now: c.now})
	lim := middleware.Limit{Burst: 3, Per: time.Hour}
	for i := 0; i < 100_000; i++ {
		l.Allow(fmt.Sprint(i), "submit-stats", lim)
	}
	if l.Len() != 100_000 {
		t.Fatalf("Len = %d", l.Len())
	}
	c.t = c.t.Add(30 * time.Minute)
	l.Allow("active", "submit-stats", lim)
	if n := l.Evict(); n != 0 {
		t.Errorf("evicted %d buckets that have not refilled yet", n)
	}
	c.t = c.t.Add(31 * time.Minute)
	if n := l.Evict(); n != 100_000 {
		t.Errorf("evicted %d idle buckets, want 100000", n)
	}
	if l.Len() != 1 {
		t.Errorf("Len = %d after eviction, want the 1 active bucket", l.Len())
	}
	// An evicted user starts with a full bucket, as before.
	if ok, _ := l.Allow("7", "submit-stats", lim); !ok {
		t.Error("evicted user refused")
	}
}
