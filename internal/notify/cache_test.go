package notify_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/embodied-community/embodied/internal/notify"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/storetest"
)

// listen starts a listener that connects with connect for caches,
// stopped with the test, and waits until it LISTENs.
func listen(t *testing.T, connect func(context.Context) (*pgx.Conn, error), caches ...notify.Cache) *notify.Listener {
	t.Helper()
	ctx := context.Background()
	l := notify.New(connect, notify.Options{ReconnectDelay: 10 * time.Millisecond}, caches...)
	if err := l.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	eventually(t, "listener connected", func() bool { return l.Connects() == 1 })
	return l
}

// TestSettingsChangeSeenByOtherProcess: each per-guild setting cached in
// a GuildCache whose recheck would only come after an hour, so only the
// change's NOTIFY can make this "process" see what another one saved.
func TestSettingsChangeSeenByOtherProcess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.New(t)
	raidJoins := func(joins int) func() error {
		return func() error {
			return db.Store.SaveRaidSettings(ctx, store.RaidSettings{GuildID: guild, Joins: joins, WindowSeconds: 60,
				YoungPercent: 50, YoungSeconds: 7 * 24 * 3600, Action: "timeout", TimeoutSeconds: 600, Level: 3, QuietSeconds: 600},
				"200000000000000002")
		}
	}
	raid := notify.NewGuildCache(func(ctx context.Context, guildID string) (int, error) {
		set, err := db.Store.RaidSettings(ctx, guildID)
		if errors.Is(err, store.ErrNotFound) {
			return 0, nil
		}
		return set.Joins, err
	}, time.Hour)
	listen(t, db.Store.ListenConn, raid)

	steps := []struct {
		name   string
		change func() error
		want   int
	}{
		{name: "raid settings created", change: raidJoins(3), want: 3},
		{name: "raid settings changed", change: raidJoins(25), want: 25},
	}
	get := func() int {
		v, err := raid.Get(ctx, guild)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, st := range steps {
		before := get() // cached for an hour from now
		if err := st.change(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if before == st.want {
			t.Fatalf("%s: cached %d already the new value", st.name, before)
		}
		eventually(t, st.name+": other process sees the change", func() bool { return get() == st.want })
	}
}

// TestGuildCache: values are read once, kept until the recheck interval
// or a Forget, and a value this process set is used at once.
func TestGuildCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := map[string]string{"a": "a1", "b": "b1"}
	var reads []string
	c := notify.NewGuildCache(func(_ context.Context, g string) (string, error) {
		reads = append(reads, g)
		return db[g], nil
	}, time.Hour)
	steps := []struct {
		name string
		do   func()
		get  string
		want string
	}{
		{name: "first read", get: "a", want: "a1"},
		{name: "cached", do: func() { db["a"] = "a2" }, get: "a", want: "a1"},
		{name: "forgotten", do: func() { c.Forget("a") }, get: "a", want: "a2"},
		{name: "other guild", get: "b", want: "b1"},
		{name: "set by this process", do: func() { c.Set("b", "b9") }, get: "b", want: "b9"},
		{name: "all forgotten", do: func() { db["a"], db["b"] = "a3", "b3"; c.ForgetAll() }, get: "b", want: "b3"},
		{name: "and the other", get: "a", want: "a3"},
	}
	for _, st := range steps {
		if st.do != nil {
			st.do()
		}
		got, err := c.Get(ctx, st.get)
		if err != nil {
			t.Fatal(err)
		}
		if got != st.want {
			t.Errorf("%s: got %q, want %q", st.name, got, st.want)
		}
	}
	if diff := cmp.Diff([]string{"a", "a", "b", "b", "a"}, reads); diff != "" {
		t.Errorf("reads mismatch (-want +got):\n%s", diff)
	}
}
