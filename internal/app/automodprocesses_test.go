package app_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/embodied-community/embodied/internal/automod"
	"github.com/embodied-community/embodied/internal/discordsim"
)

// Two processes syncing one guild's AutoMod rules at once (an HTTP-mode
// instance answering a rule change while the guild's gateway process
// syncs on GUILD_CREATE, or two HTTP-mode instances) create the bot's rule
// once: the sync is serialised per guild across processes, not only within
// one.
func TestAutoModSyncOnceAcrossProcesses(t *testing.T) {
	t.Parallel()
	gw := autoModWorld(t)
	httpProc := httpBeside(t, gw)
	ctx := context.Background()
	for round := range 6 {
		before := lastSync(gw)
		// The HTTP-mode process answers and starts its own sync; both
		// processes sync beside it.
		if got := rule(gw, "/security moderation keyword-add", discordsim.String("pattern", "grape*")); !strings.HasPrefix(got, "✅") {
			t.Fatalf("keyword-add: %q", got)
		}
		var wg sync.WaitGroup
		for _, svc := range []*automod.Service{gw.App.AutoMod, httpProc.App.AutoMod, gw.App.AutoMod} {
			wg.Go(func() {
				if _, err := svc.Sync(ctx, gw.Guild.ID, automod.SyncOptions{}); err != nil {
					t.Errorf("round %d: Sync: %v", round, err)
				}
			})
		}
		wg.Wait()
		gw.Eventually("the rule change's own sync", func() bool { return lastSync(gw).After(before) })
		n := 0
		for _, r := range gw.Sim.AutoModRules(gw.Guild.ID) {
			if r.Name == "embodied: keywords" {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("round %d: %d rules named \"embodied: keywords\", want 1", round, n)
		}
		changeRules(gw, "/security moderation keyword-remove", discordsim.String("pattern", "grape*"))
	}
}
