package notify_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/modrules"
	"github.com/embodied-community/embodied/internal/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const guild = "100000000000000001"

// eventually polls cond until it holds, failing the test after a generous
// bound (a hang guard, not a timing assertion).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
	}
}

// TestRuleChangeSeenByOtherProcess runs two "processes" (two rule services)
// on one database whose version check would only run after an hour: only
// the NOTIFY can make the second see the first's change. Then it kills the
// listener's connection and checks that it reconnects and keeps working.
func TestRuleChangeSeenByOtherProcess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.New(t)
	a := modrules.New(db.Store, modrules.Options{Recheck: time.Hour})
	b := modrules.New(db.Store, modrules.Options{Recheck: time.Hour})
	// away, while held, keeps the listener from reconnecting; dials counts
	// its attempts.
	var away sync.Mutex
	var dials atomic.Int64
	connect := func(ctx context.Context) (*pgx.Conn, error) {
		dials.Add(1)
		away.Lock()
		defer away.Unlock()
		return db.Store.ListenConn(ctx)
	}
	l := listen(t, connect, b)

	version := func(s *modrules.Service) int64 {
		g, err := s.Guild(ctx, guild)
		if err != nil {
			t.Fatal(err)
		}
		return g.Version
	}
	steps := []struct {
		name   string
		change *modrules.Change
		kill   bool
		// missed: the change is made while the listener is away, so its
		// notification is lost and only the reconnect's reset explains it.
		missed bool
	}{
		{name: "change seen at once", change: modrules.AddKeyword("melon*", "", 0)},
		{name: "after the connection is killed", change: modrules.AddAllow("melonhead"), kill: true},
		{name: "and again", change: modrules.AddKeyword("kiwi", "", 0)},
		{name: "missed while away", change: modrules.AddKeyword("mango", "", 0), kill: true, missed: true},
		{name: "after the missed change", change: modrules.AddAllow("mangosteen")},
	}
	for _, st := range steps {
		before := version(b) // cached for an hour from now
		if st.kill {
			var n int
			err := db.App.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
				WHERE datname = current_database() AND query ILIKE 'listen %'`).Scan(&n)
			if err != nil || n != 1 {
				t.Fatalf("%s: terminate the listener's backend: %d backends, %v", st.name, n, err)
			}
			if st.missed {
				away.Lock()
			}
			connects, dialed := l.Connects(), dials.Load()
			eventually(t, st.name+": listener redials", func() bool { return dials.Load() > dialed })
			if !st.missed {
				eventually(t, st.name+": listener reconnected", func() bool { return l.Connects() > connects })
			}
		}
		r, err := a.Apply(ctx, guild, st.change, audit.Entry{GuildID: guild, ActionType: "moderation-test", ActorID: "200000000000000002"})
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if r.Version <= before {
			t.Fatalf("%s: version %d after change, %d before", st.name, r.Version, before)
		}
		if st.missed {
			if got := version(b); got != before {
				t.Fatalf("%s: other process saw version %d with no listener, want its cached %d", st.name, got, before)
			}
			away.Unlock()
		}
		eventually(t, st.name+": other process sees the change", func() bool { return version(b) == r.Version })
	}
}
