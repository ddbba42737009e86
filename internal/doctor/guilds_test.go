package doctor_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/doctor"
	"github.com/embodied-community/embodied/internal/storetest"
)

// On a sharded deployment doctor checks the guilds of every shard, and the
// privileged intents message moderation and raid detection ask for, without
// an IDENTIFY: Discord would close an unsharded session (4010/4011), and it
// would spend one of the session start limit. (TestGuildIDsPages, inside
// the package, pages through more than 200 guilds.)
func TestDoctorChecksEveryShardWithoutIdentify(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{Shards: 2})
	db := storetest.New(t)
	cfg := newConfig(t, sim, db)
	cfg.ModerateMessages, cfg.RaidDetection = true, true
	var want []string
	for shard := range 2 {
		g := sim.CreateGuildOnShard(shard, fmt.Sprintf("shard-%d", shard), discordsim.UserSpec{Username: fmt.Sprintf("owner-%d", shard)})
		want = append(want, fmt.Sprintf("guild %q bot permissions", g.Name))
	}

	var got []string
	for _, r := range doctor.CheckDiscord(context.Background(), cfg, nil) {
		if strings.HasSuffix(r.Check, " bot permissions") {
			got = append(got, r.Check)
		}
		if r.Status == doctor.Fail || (r.Check == "Message Content intent" || r.Check == "Server Members intent") && r.Status != doctor.Pass {
			t.Errorf("%s: %s", r.Check, r.Detail)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("guilds checked mismatch (-want +got):\n%s", diff)
	}
	if ids := sim.Identifies(); len(ids) != 0 {
		t.Errorf("doctor identified on the gateway: %+v", ids)
	}
}
