package loadbench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/loadgen"
	"github.com/embodied-community/embodied/internal/proctest"
	"github.com/embodied-community/embodied/internal/storetest"
)

// guildMembers is the guild size.
const guildMembers = 2000

// rig is one run's world: the emulator with a seeded guild and a fresh
// migrated database whose plain members have profiles.
type rig struct {
	sim   *discordsim.Server
	world *loadgen.World
	db    *storetest.DB
	dir   string
	token string
	env   proctest.Env
}

func newRig(tb testing.TB, members int) *rig {
	tb.Helper()
	token := "Load." + randomHex(12)
	// Not NewTest: past the knee late answers are expected protocol violations.
	sim, err := discordsim.New(discordsim.Options{Token: token})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(sim.Close)
	r := &rig{sim: sim, world: loadgen.Seed(sim, members), db: storetest.New(tb), dir: tb.TempDir(), token: token}
	r.env = proctest.Env{Dir: r.dir, Token: token, APIURL: sim.URL(), DatabaseURL: r.db.AppURL, AdminID: r.world.Owner.ID()}
	ids := make([]string, len(r.world.Plain))
	for i, m := range r.world.Plain {
		ids[i] = m.ID()
	}
	if _, err := r.db.App.Exec(context.Background(), `
		INSERT INTO member_profiles (guild_id, user_id, xp) SELECT $1, u, 150 FROM unnest($2::text[]) AS u`,
		r.world.Guild.ID, ids); err != nil {
		tb.Fatalf("seed profiles: %v", err)
	}
	return r
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
