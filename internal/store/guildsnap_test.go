package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/storetest"
)

const snapGuild = "100000000000000081"

// Gateway events are handled concurrently: whatever order the snapshot
// sees a role's creation, update, deletion and GUILD_CREATE in, a deleted
// role stays deleted with its last known state, and a GUILD_CREATE older
// than an event does not undo it.
func TestSnapshotEventOrder(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	obj := func(name string) store.SnapshotObject {
		return store.SnapshotObject{GuildID: snapGuild, Kind: store.SnapshotRole, ObjectID: "1", State: json.RawMessage(fmt.Sprintf(`{"name": %q}`, name))}
	}
	save := func(name string, at time.Time) func(context.Context, *store.Store) error {
		return func(ctx context.Context, s *store.Store) error {
			o := obj(name)
			o.UpdatedAt = at
			return s.SaveSnapshot(ctx, o)
		}
	}
	del := func(at time.Time) func(context.Context, *store.Store) error {
		return func(ctx context.Context, s *store.Store) error {
			return s.MarkSnapshotDeleted(ctx, store.SnapshotObject{GuildID: snapGuild, Kind: store.SnapshotRole, ObjectID: "1"}, "9", at)
		}
	}
	guildCreate := func(at time.Time, names ...string) func(context.Context, *store.Store) error {
		return func(ctx context.Context, s *store.Store) error {
			var objs []store.SnapshotObject
			for _, n := range names {
				objs = append(objs, obj(n))
			}
			return s.ReplaceSnapshot(ctx, snapGuild, objs, at)
		}
	}
	type want struct {
		State   string
		Deleted bool
	}
	cases := []struct {
		name  string
		steps []func(context.Context, *store.Store) error
		want  want
	}{
		{"created, updated, deleted", []func(context.Context, *store.Store) error{save("a", t0), save("b", t0), del(t0)}, want{`{"name": "b"}`, true}},
		{"an update after the deletion", []func(context.Context, *store.Store) error{save("a", t0), del(t0), save("b", t0)}, want{`{"name": "a"}`, true}},
		{"the deletion before the creation", []func(context.Context, *store.Store) error{del(t0), save("a", t0)}, want{`{}`, true}},
		{"GUILD_CREATE handled after a deletion", []func(context.Context, *store.Store) error{save("a", t0), del(t0), guildCreate(t0, "a")}, want{`{"name": "a"}`, true}},
		{"GUILD_CREATE handled after a creation", []func(context.Context, *store.Store) error{save("a", t0), guildCreate(t0)}, want{`{"name": "a"}`, false}},
		{"deleted while the bot was away", []func(context.Context, *store.Store) error{save("a", t0), guildCreate(t0.Add(time.Hour))}, want{`{"name": "a"}`, true}},
		{"changed while the bot was away", []func(context.Context, *store.Store) error{save("a", t0), guildCreate(t0.Add(time.Hour), "b")}, want{`{"name": "b"}`, false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			db := storetest.New(t)
			ctx := context.Background()
			for _, step := range c.steps {
				if err := step(ctx, db.Store); err != nil {
					t.Fatal(err)
				}
			}
			objs, err := db.Store.Snapshot(ctx, snapGuild)
			if err != nil || len(objs) != 1 {
				t.Fatalf("snapshot %v, %v", objs, err)
			}
			got := want{string(objs[0].State), objs[0].DeletedAt != nil}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
