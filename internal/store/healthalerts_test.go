package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/storetest"
)

// A change of level is claimed by one run at a time (compare-and-set on the
// delivered level), settled into the level once delivered, released when
// not, and taken over once the claim of a run that died has expired.
func TestClaimHealthAlert(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	st := db.Store
	ctx := context.Background()
	const key = "unreviewed_content_flags"
	if err := st.SetHealthAlertValues(ctx, map[string]int64{key: 12}, time.Now()); err != nil {
		t.Fatal(err)
	}
	claim := func(from, to int, lease time.Duration) bool {
		t.Helper()
		ok, err := st.ClaimHealthAlert(ctx, key, from, to, lease)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	settle := func(to int, delivered bool) {
		t.Helper()
		if err := st.SettleHealthAlert(ctx, key, to, delivered); err != nil {
			t.Fatal(err)
		}
	}
	level := func() int {
		t.Helper()
		levels, err := st.HealthAlertLevels(ctx)
		if err != nil || len(levels) != 1 {
			t.Fatalf("levels %+v: %v", levels, err)
		}
		return levels[0].Level
	}
	steps := []struct {
		name      string
		do        func() bool
		want      bool
		wantLevel int
	}{
		{"first run claims ok→warning", func() bool { return claim(0, 1, time.Minute) }, true, 0},
		{"second run at once does not", func() bool { return claim(0, 1, time.Minute) }, false, 0},
		{"delivery failed: released", func() bool { settle(1, false); return true }, true, 0},
		{"the next run claims it again", func() bool { return claim(0, 1, time.Minute) }, true, 0},
		{"delivered: the level is warning", func() bool { settle(1, true); return true }, true, 1},
		{"a run that read the old level claims nothing", func() bool { return claim(0, 1, time.Minute) }, false, 1},
		// A lease already over stands for a claim whose time has passed.
		{"recovery claimed by a run that dies", func() bool { return claim(1, 0, -time.Second) }, true, 1},
		{"its claim expired: another run takes it", func() bool { return claim(1, 0, time.Minute) }, true, 1},
		{"delivered", func() bool { settle(0, true); return true }, true, 0},
	}
	for _, s := range steps {
		got := s.do()
		if diff := cmp.Diff([]any{s.want, s.wantLevel}, []any{got, level()}); diff != "" {
			t.Fatalf("%s: (claimed, level) mismatch (-want +got):\n%s", s.name, diff)
		}
	}
}
