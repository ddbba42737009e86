package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/storetest"
	"github.com/embodied-community/embodied/internal/tcpproxy"
)

// Under WithWait a database that does not answer, or that refuses
// connections, costs a call at most the wait and an error matching
// ErrUnavailable; once a wait was spent in vain, the next call under the
// same context fails at once. Without a wait, the caller's context decides.
func TestWaitBoundsDatabaseCalls(t *testing.T) {
	const wait = 300 * time.Millisecond
	calls := []struct {
		name string
		call func(ctx context.Context, st *store.Store) error
	}{
		{"ping", func(ctx context.Context, st *store.Store) error { return st.Ping(ctx) }},
		{"query row", func(ctx context.Context, st *store.Store) error {
			_, err := st.ModLog(ctx, "g1")
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return err
		}},
		{"query", func(ctx context.Context, st *store.Store) error {
			_, err := st.ModerationRules(ctx, "g1")
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return err
		}},
		{"transaction", func(ctx context.Context, st *store.Store) error {
			return st.InTx(ctx, func(tx store.Tx) error { return tx.Lock(ctx, "drill", "g1") })
		}},
	}
	cuts := []struct {
		name string
		cut  func(*tcpproxy.Proxy)
	}{
		{"blackholed", (*tcpproxy.Proxy).Blackhole},
		{"refused", (*tcpproxy.Proxy).Refuse},
	}
	db := storetest.New(t)
	for _, cut := range cuts {
		for _, c := range calls {
			t.Run(cut.name+"/"+c.name, func(t *testing.T) {
				proxy, url := tcpproxy.ForURL(t, db.AppURL)
				pool := storetest.Pool(t, url)
				st := store.New(pool)
				ctx := store.WithWait(context.Background(), wait)
				if err := c.call(ctx, st); err != nil {
					t.Fatalf("before the cut: %v", err)
				}
				cut.cut(proxy)
				start := time.Now()
				err := c.call(ctx, st)
				if took := time.Since(start); took > wait+time.Second {
					t.Errorf("the call took %v with a wait of %v", took, wait)
				}
				if !store.Unavailable(err) {
					t.Errorf("error %v: want one that says the database is unavailable", err)
				}
				proxy.Restore()
				ctx = store.WithWait(context.Background(), wait)
				eventually(t, func() error { return c.call(ctx, st) })
			})
		}
	}
}

// A context whose wait was spent does not wait again.
func TestWaitSpentFailsAtOnce(t *testing.T) {
	db := storetest.New(t)
	proxy, url := tcpproxy.ForURL(t, db.AppURL)
	st := store.New(storetest.Pool(t, url))
	ctx := store.WithWait(context.Background(), 300*time.Millisecond)
	if err := st.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	proxy.Blackhole()
	if err := st.Ping(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("first ping: %v, want ErrUnavailable", err)
	}
	start := time.Now()
	if err := st.Ping(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("second ping: %v, want ErrUnavailable", err)
	}
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("the second call waited %v after the wait was spent", took)
	}
	proxy.Restore()
}

// A statement the server refuses is not the database being unavailable.
func TestRefusedStatementIsNotUnavailable(t *testing.T) {
	db := storetest.New(t)
	ctx := store.WithWait(context.Background(), time.Second)
	err := db.Store.InTx(ctx, func(tx store.Tx) error { return tx.Lock(ctx, "nul\x00byte") })
	if err == nil || store.Unavailable(err) {
		t.Errorf("error %v: want a refusal, not unavailability", err)
	}
}

// eventually retries f for up to 10 s.
func eventually(t *testing.T, f func() error) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if err = f(); err == nil {
			return
		}
	}
	t.Fatalf("still failing after 10 s: %v", err)
}
