package doctor

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/discordsim"
)

// guildIDs pages through Get Current User Guilds, 200 at a time, until a
// short page: every guild of every shard, and no IDENTIFY.
func TestGuildIDsPages(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{Shards: 2})
	var want []string
	for i := range 403 {
		g := sim.CreateGuildOnShard(i%2, fmt.Sprintf("guild-%03d", i), discordsim.UserSpec{Username: fmt.Sprintf("owner-%03d", i)})
		want = append(want, g.ID)
	}
	s, err := discordhttp.NewSession(sim.Token(), sim.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}

	got, err := guildIDs(context.Background(), s, "")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("guilds mismatch (-want +got):\n%s", diff)
	}
	var pages []string
	for _, r := range sim.Requests() {
		if r.Method == "GET" && r.Path == "/users/@me/guilds" {
			pages = append(pages, r.Query)
		}
	}
	wantPages := []string{"limit=200", "after=" + want[199] + "&limit=200", "after=" + want[399] + "&limit=200"}
	if diff := cmp.Diff(wantPages, pages); diff != "" {
		t.Errorf("guild list requests mismatch (-want +got):\n%s", diff)
	}
	if ids := sim.Identifies(); len(ids) != 0 {
		t.Errorf("identified on the gateway: %+v", ids)
	}

	// DISCORD_GUILD_ID alone is checked as given, without asking Discord.
	before := len(sim.Requests())
	if got, err := guildIDs(context.Background(), s, "42"); err != nil || !cmp.Equal(got, []string{"42"}) || len(sim.Requests()) != before {
		t.Errorf("DISCORD_GUILD_ID: %v, %v, %d requests", got, err, len(sim.Requests())-before)
	}
}
