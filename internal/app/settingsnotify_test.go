package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/notify"
)

// Discord sends every interaction to the HTTP-mode process once the
// Interactions Endpoint URL is set, while the guild's joins arrive on its
// gateway process: raid settings changed through the first are applied by
// the second on the next joins. They reach it by NOTIFY, before its cached
// settings' recheck could have read them, and /security raid answered by
// the HTTP-mode process shows the raid mode the gateway process started.
//
// The anchor, as in internal/scaleout: after an idle spell longer than the
// recheck, a join makes the gateway process read its settings, so its next
// recheck is at least notify.DefaultRecheck after the anchor. A change seen
// sooner came by NOTIFY. A machine stalled past it makes the attempt
// inconclusive; it is repeated with another threshold.
//
// Raid mode itself belongs to the process that sees the guild's joins:
// the HTTP-mode process, restarted during the raid, neither takes it over
// nor ends it after the quiet period it cannot observe.
func TestRaidSettingsSeenByOtherProcess(t *testing.T) {
	t.Parallel()
	gw := raidWorld(t, apptest.Options{}, enforce)
	hp := httpBeside(t, gw, func(c *config.Config) { c.RaidDetection = true })
	ctx := context.Background()
	threshold := func() int {
		set, err := gw.App.Raids.Settings(ctx, gw.Guild.ID)
		if err != nil {
			t.Fatal(err)
		}
		return set.Joins
	}
	const old = 3 * 365 * 24 * time.Hour
	var joins int
	for attempt, n := range []int{5, 4, 3} {
		time.Sleep(notify.DefaultRecheck + 100*time.Millisecond) // idle: not a deadline
		anchor := time.Now()
		joinWave(gw, 1, old)
		ix := hp.Run(hp.Admin, "/security raid", discordsim.Int("joins", int64(n)))
		if want := fmt.Sprintf("✅ Raid detection: %d joins in 1m", n); !strings.HasPrefix(ix.Content(), want) {
			t.Fatalf("/security raid joins:%d answered %q, want it to start with %q", n, ix.Content(), want)
		}
		gw.Eventually("the gateway process to see the new threshold", func() bool { return threshold() == n })
		if seen := time.Since(anchor); seen < notify.DefaultRecheck {
			t.Logf("the change reached the gateway process by NOTIFY, %v after the anchor", seen.Round(time.Millisecond))
			joins = n
			break
		}
		t.Logf("attempt %d inconclusive: the change was seen only after the recheck", attempt+1)
		if attempt == 2 {
			t.Fatal("no conclusive attempt: the change was only ever seen after the recheck")
		}
	}

	// The old members' joins leave the window; then exactly the new
	// threshold of fresh accounts joins (the default, 10, would not
	// start raid mode).
	gw.Clock.Advance(2 * time.Minute)
	raiders := joinWave(gw, joins, time.Hour)
	if _, ok := gw.App.Raids.Active(gw.Guild.ID); !ok {
		t.Fatalf("no raid mode on the gateway process after %d fresh joins with the threshold set to %d", joins, joins)
	}
	gw.Eventually("every raider timed out", func() bool {
		for _, m := range raiders {
			if _, on := gw.Sim.Timeout(gw.Guild.ID, m.ID()); !on {
				return false
			}
		}
		return true
	})
	if got := hp.Run(hp.Admin, "/security raid").Content(); !strings.Contains(got, "🚨 Raid mode is on since") {
		t.Errorf("/security raid on the HTTP-mode process: %q, want raid mode shown", got)
	}

	// A restart of the HTTP-mode process reads the raids in progress; ten
	// minutes later a fresh account joins, which only the gateway process
	// sees, so the raid is not quiet (its own check cannot end it either).
	if err := hp.App.Raids.Load(ctx); err != nil {
		t.Fatal(err)
	}
	gw.Clock.Advance(11 * time.Minute)
	joinWave(gw, 1, time.Hour)
	if err := hp.App.Raids.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := hp.Count(`SELECT count(*) FROM raid_states WHERE guild_id = $1`, gw.Guild.ID); n != 1 {
		t.Errorf("%d raid states after the HTTP-mode process's check, want 1 (the gateway process's raid goes on)", n)
	}
	if got := texts(gw.Sim.DMs(gw.Owner.ID()), "Raid mode ended"); len(got) != 0 {
		t.Errorf("raid mode ended by the HTTP-mode process: %q", got)
	}
}
