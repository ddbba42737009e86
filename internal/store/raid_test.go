package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/storetest"
)

// A guild's raid settings: none at first (ErrNotFound: the defaults
// apply), then saved and changed; a raid in progress is kept until it
// ends, its start and response unchanged by later joins.
func TestRaidSettingsAndState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t).Store
	const guild = "100000000000000007"
	if _, err := s.RaidSettings(ctx, guild); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("settings of a new guild: %v, want ErrNotFound", err)
	}
	set := store.RaidSettings{GuildID: guild, Joins: 10, WindowSeconds: 60, YoungPercent: 50, YoungSeconds: 604800,
		Action: "timeout", TimeoutSeconds: 600, Level: 3, QuietSeconds: 600}
	for _, action := range []string{"timeout", "verification"} {
		set.Action = action
		if err := s.SaveRaidSettings(ctx, set, "200000000000000001"); err != nil {
			t.Fatal(err)
		}
		got, err := s.RaidSettings(ctx, guild)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(set, got); diff != "" {
			t.Errorf("settings mismatch (-want +got):\n%s", diff)
		}
	}

	start := time.Date(2025, 10, 7, 14, 30, 0, 0, time.UTC)
	st := store.RaidState{GuildID: guild, StartedAt: start, LastJoinAt: start, Action: "verification", Enforced: true,
		PreviousLevel: 1, Joins: 10}
	later := st
	later.LastJoinAt, later.Joins, later.Action, later.PreviousLevel = start.Add(time.Minute), 12, "timeout", -1
	for _, x := range []store.RaidState{st, later} {
		if err := s.SaveRaid(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ActiveRaids(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := st
	want.LastJoinAt, want.Joins = later.LastJoinAt, later.Joins
	sameTime := cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })
	if diff := cmp.Diff([]store.RaidState{want}, got, sameTime); diff != "" {
		t.Errorf("raids mismatch (-want +got):\n%s", diff)
	}
	one, err := s.Raid(ctx, guild)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, one, sameTime); diff != "" {
		t.Errorf("the guild's raid mismatch (-want +got):\n%s", diff)
	}
	if err := s.EndRaid(ctx, guild); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ActiveRaids(ctx); err != nil || len(got) != 0 {
		t.Errorf("raids after the end: %v, %v", got, err)
	}
	if _, err := s.Raid(ctx, guild); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the guild's raid after the end: %v, want ErrNotFound", err)
	}
}
