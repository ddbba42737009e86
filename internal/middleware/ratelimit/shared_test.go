package ratelimit_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/middleware/ratelimit"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/storetest"
	"github.com/embodied-community/embodied/internal/tcpproxy"
)

var _ ratelimit.Shared = (*store.Store)(nil)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type call struct {
	advance time.Duration
	user    string
	command string
}

func answers(l *ratelimit.Limiter, c *clock, calls []call, lim middleware.Limit) []string {
	var got []string
	for _, cl := range calls {
		c.add(cl.advance)
		ok, wait := l.Allow(cl.user, cl.command, lim)
		if ok {
			got = append(got, "ok")
		} else {
			got = append(got, ratelimit.Message(wait))
		}
	}
	return got
}

// The PostgreSQL limiter answers a sequence of calls exactly as the
// in-process one does: burst, refill, refusal message, independent
// users and commands.
func TestSharedMatchesMemory(t *testing.T) {
	db := storetest.New(t)
	hourly := middleware.Limit{Burst: 3, Per: time.Hour}
	u, other := "123456789012345678", "223456789012345678"
	tests := []struct {
		name  string
		limit middleware.Limit
		calls []call
	}{
		{"burst then refusal", hourly, []call{{0, u, "a"}, {5 * time.Second, u, "a"}, {5 * time.Second, u, "a"}, {0, u, "a"}}},
		{"refill after interval", hourly, []call{{0, u, "a"}, {0, u, "a"}, {0, u, "a"}, {20 * time.Minute, u, "a"}, {0, u, "a"}, {1234 * time.Millisecond, u, "a"}}},
		{"full after idle", hourly, []call{{0, u, "a"}, {0, u, "a"}, {0, u, "a"}, {3 * time.Hour, u, "a"}, {0, u, "a"}, {0, u, "a"}, {0, u, "a"}}},
		{"commands and users separate", middleware.Limit{Burst: 1, Per: time.Minute}, []call{{0, u, "a"}, {0, u, "a"}, {0, u, "b"}, {0, other, "a"}, {30 * time.Second, u, "a"}, {31 * time.Second, u, "a"}}},
		{"default limit", middleware.Limit{}, []call{{0, u, "a"}, {0, u, "a"}, {0, u, "a"}, {0, u, "a"}, {0, u, "a"}, {0, u, "a"}, {2500 * time.Millisecond, u, "a"}}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Date(2025, 10, 7, 14, 30, i, 0, time.UTC)
			mc, sc := &clock{t: start}, &clock{t: start}
			mem := ratelimit.New(slog.New(slog.DiscardHandler), ratelimit.Options{Now: mc.now})
			calls := make([]call, len(tt.calls))
			for j, c := range tt.calls {
				c.command = fmt.Sprintf("%s-%d", c.command, i) // a fresh bucket per case
				calls[j] = c
			}
			want := answers(mem, mc, calls, tt.limit)
			shared := ratelimit.New(slog.New(slog.DiscardHandler), ratelimit.Options{Now: sc.now, Shared: db.Store})
			if diff := cmp.Diff(want, answers(shared, sc, calls, tt.limit)); diff != "" {
				t.Errorf("shared differs from memory (-memory +shared):\n%s", diff)
			}
			var rows int
			if err := db.App.QueryRow(t.Context(), `SELECT count(*) FROM rate_limit_buckets WHERE command_name LIKE $1`,
				fmt.Sprintf("%%-%d", i)).Scan(&rows); err != nil || rows == 0 {
				t.Errorf("no shared bucket written (%d rows, %v): the answers came from the fallback", rows, err)
			}
		})
	}
}

// Two limiters on two pools (two processes) hammering one user's command
// at once allow exactly the burst, no more.
func TestSharedExactAcrossProcesses(t *testing.T) {
	db := storetest.New(t)
	c := &clock{t: time.Now()}
	lim := middleware.Limit{Burst: 10, Per: time.Hour}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for p := 0; p < 2; p++ {
		st := store.New(storetest.Pool(t, db.AppURL))
		// A check slower than the default 500 ms on a loaded machine would
		// fail open to this process's own buckets: not what is measured.
		l := ratelimit.New(slog.New(slog.DiscardHandler), ratelimit.Options{Now: c.now, Shared: st, SharedTimeout: time.Minute})
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 25; i++ {
					if ok, _ := l.Allow("123456789012345678", "submit-stats", lim); ok {
						allowed.Add(1)
					}
				}
			}()
		}
	}
	wg.Wait()
	if got := allowed.Load(); got != int64(lim.Burst) {
		t.Errorf("allowed %d calls across processes, want exactly %d", got, lim.Burst)
	}
}

// With the database unreachable (connections blackholed or refused) the
// limiter fails open to its in-process buckets: calls are still limited per
// process. After the backoff, once the database is back, the shared
// bucket answers again with the state it kept.
func TestSharedFailsOpenToMemory(t *testing.T) {
	db := storetest.New(t)
	for _, tt := range []struct {
		name string
		cut  func(*tcpproxy.Proxy)
	}{
		{"blackholed", (*tcpproxy.Proxy).Blackhole},
		{"refused", (*tcpproxy.Proxy).Refuse},
	} {
		t.Run(tt.name, func(t *testing.T) {
			proxy, url := tcpproxy.ForURL(t, db.AppURL)
			c := &clock{t: time.Now()}
			l := ratelimit.New(slog.New(slog.DiscardHandler), ratelimit.Options{Now: c.now, Shared: store.New(storetest.Pool(t, url))})
			one := middleware.Limit{Burst: 1, Per: time.Minute}
			user := map[string]string{"blackholed": "1", "refused": "2"}[tt.name]
			if ok, _ := l.Allow(user, "a", one); !ok {
				t.Fatal("first shared call refused")
			}
			tt.cut(proxy)
			got := answers(l, c, []call{{0, user, "b"}, {0, user, "b"}, {0, user, "a"}}, one)
			proxy.Restore()
			// Past the backoff the shared bucket of "a" (taken 6 s ago)
			// answers again; the in-process one would allow.
			got = append(got, answers(l, c, []call{{6 * time.Second, user, "a"}}, one)...)
			want := []string{"ok", ratelimit.Message(time.Minute), "ok", ratelimit.Message(54 * time.Second)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("fallback (-want +got):\n%s", diff)
			}
		})
	}
}

// Pruning drops only the buckets that are full again.
func TestSharedPrune(t *testing.T) {
	db := storetest.New(t)
	c := &clock{t: time.Date(2025, 10, 7, 14, 30, 0, 0, time.UTC)}
	l := ratelimit.New(slog.New(slog.DiscardHandler), ratelimit.Options{Now: c.now, Shared: db.Store})
	lim := middleware.Limit{Burst: 3, Per: time.Hour}
	l.Allow("1", "a", lim) // full again after 20 min
	l.Allow("2", "a", lim)
	l.Allow("2", "a", lim) // full again after 40 min
	c.add(30 * time.Minute)
	n, err := l.PruneShared(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("PruneShared = %d, %v; want 1", n, err)
	}
	got := answers(l, c, []call{{0, "2", "a"}, {0, "2", "a"}, {0, "2", "a"}}, lim)
	if diff := cmp.Diff([]string{"ok", "ok", ratelimit.Message(10 * time.Minute)}, got); diff != "" {
		t.Errorf("kept bucket lost its state (-want +got):\n%s", diff)
	}
}

// The running limiter leaves the shared buckets alone: it evicts its own,
// and pruning the shared ones is the retention job's, once across the
// processes (internal/app registerRetention), not every process's every
// EvictEvery.
func TestSharedNotPrunedByTheService(t *testing.T) {
	db := storetest.New(t)
	c := &clock{t: time.Date(2025, 10, 7, 14, 30, 0, 0, time.UTC)}
	l := ratelimit.New(slog.New(slog.DiscardHandler), ratelimit.Options{Now: c.now, Shared: db.Store, EvictEvery: time.Millisecond})
	l.Allow("1", "a", middleware.Limit{Burst: 3, Per: time.Hour})
	c.add(2 * time.Hour) // full again: prunable
	if err := l.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // dozens of EvictEvery ticks
	if err := l.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.App.QueryRow(t.Context(), `SELECT count(*) FROM rate_limit_buckets`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("shared buckets after the service ran: %d, want the 1 it holds", n)
	}
}

// BenchmarkSharedRateLimit is the cost of one check: ours on PostgreSQL
// (one statement), the baseline in process.
func BenchmarkSharedRateLimit(b *testing.B) {
	lim := middleware.Limit{Burst: 5, Per: 10 * time.Second}
	run := func(b *testing.B, l *ratelimit.Limiter) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			l.Allow(fmt.Sprint(i%1000), "submit-stats", lim)
			i++
		}
	}
	b.Run("ours", func(b *testing.B) {
		db := storetest.New(b)
		run(b, ratelimit.New(slog.New(slog.DiscardHandler), ratelimit.Options{Shared: db.Store}))
	})
	b.Run("baseline-memory", func(b *testing.B) {
		run(b, ratelimit.New(slog.New(slog.DiscardHandler), ratelimit.Options{}))
	})
}
