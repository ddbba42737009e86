package discordsim_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordsim"
)

// guildsOnShards creates a guild on each of n shards.
func guildsOnShards(sim *discordsim.Server, n int) []*discordsim.Guild {
	out := make([]*discordsim.Guild, n)
	for shard := range out {
		out[shard] = sim.CreateGuildOnShard(shard, fmt.Sprintf("guild-%d", shard), discordsim.UserSpec{Username: fmt.Sprintf("owner-%d", shard)})
	}
	return out
}

func TestShardEventsRouteByGuildAndDMsToShardZero(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{Shards: 2, MaxConcurrency: 2})
	guilds := guildsOnShards(sim, 2)
	for shard := range 2 {
		startShard(t, sim, shard, 2)
	}
	if diff := cmp.Diff([]int{0, 1}, sim.ConnectedShards()); diff != "" {
		t.Errorf("connected shards mismatch (-want +got):\n%s", diff)
	}
	for _, g := range guilds {
		if _, err := sim.Run(ctx(t), g.Owner(), "/ping"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sim.RunDM(ctx(t), guilds[1].Owner(), "/ping"); err != nil {
		t.Fatal(err)
	}
	var got []discordsim.ShardEvent
	for _, e := range sim.ShardEvents() {
		if e.Name == "INTERACTION_CREATE" {
			got = append(got, e)
		}
	}
	want := []discordsim.ShardEvent{
		{Shard: 0, Name: "INTERACTION_CREATE", GuildID: guilds[0].ID},
		{Shard: 1, Name: "INTERACTION_CREATE", GuildID: guilds[1].ID},
		{Shard: 0, Name: "INTERACTION_CREATE"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("interactions by shard mismatch (-want +got):\n%s", diff)
	}
}

func TestIdentifyLimits(t *testing.T) {
	tests := []struct {
		name string
		opts discordsim.Options
		// shards are identified one after the other, with no wait.
		shards  []int
		refused []string
	}{
		{name: "one bucket, too fast", opts: discordsim.Options{Shards: 2, IdentifyInterval: time.Minute},
			shards: []int{0, 1}, refused: []string{"", "identify-rate"}},
		{name: "two buckets", opts: discordsim.Options{Shards: 2, MaxConcurrency: 2, IdentifyInterval: time.Minute},
			shards: []int{0, 1}, refused: []string{"", ""}},
		{name: "same bucket of two", opts: discordsim.Options{Shards: 4, MaxConcurrency: 2, IdentifyInterval: time.Minute},
			shards: []int{1, 3}, refused: []string{"", "identify-rate"}},
		{name: "session starts used up", opts: discordsim.Options{Shards: 2, MaxConcurrency: 2, SessionStartLimit: 1},
			shards: []int{0, 1}, refused: []string{"", "session-start-limit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := discordsim.NewTest(t, tt.opts)
			for _, shard := range tt.shards {
				s := newShardSession(t, sim, shard, tt.opts.Shards)
				_ = s.Open() // a refused identify may or may not fail Open
				t.Cleanup(func() { _ = s.Close() })
			}
			// discordgo answers op 9 with a second IDENTIFY at once, which
			// the gateway refuses again and closes with 4008.
			total := len(tt.shards)
			for _, r := range tt.refused {
				if r == "identify-rate" {
					total++
				}
			}
			for deadline := time.Now().Add(5 * time.Second); len(sim.Identifies()) < total && time.Now().Before(deadline); {
				time.Sleep(5 * time.Millisecond)
			}
			var got []string
			for _, id := range sim.Identifies()[:len(tt.shards)] {
				got = append(got, id.Refused)
			}
			if diff := cmp.Diff(tt.refused, got); diff != "" {
				t.Errorf("refusals mismatch (-want +got):\n%s", diff)
			}
			want := map[string]bool{}
			for _, r := range tt.refused {
				if r != "" {
					want[r] = true
				}
			}
			gotRules := map[string]bool{}
			for _, v := range sim.TakeViolations() {
				gotRules[v.Rule] = true
			}
			if diff := cmp.Diff(want, gotRules); diff != "" {
				t.Errorf("violations mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGatewayBotSessionStartLimit(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{Shards: 3, MaxConcurrency: 4, SessionStartLimit: 10})
	get := func() map[string]any {
		req, _ := http.NewRequest("GET", sim.URL()+"/api/v10/gateway/bot", nil)
		req.Header.Set("Authorization", "Bot "+sim.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var out struct {
			Shards int
			Limit  map[string]any `json:"session_start_limit"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if out.Shards != 3 {
			t.Errorf("shards = %d, want 3", out.Shards)
		}
		delete(out.Limit, "reset_after")
		return out.Limit
	}
	if diff := cmp.Diff(map[string]any{"total": 10.0, "remaining": 10.0, "max_concurrency": 4.0}, get()); diff != "" {
		t.Errorf("before identify mismatch (-want +got):\n%s", diff)
	}
	s := newShardSession(t, sim, 0, 3)
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if diff := cmp.Diff(map[string]any{"total": 10.0, "remaining": 9.0, "max_concurrency": 4.0}, get()); diff != "" {
		t.Errorf("after identify mismatch (-want +got):\n%s", diff)
	}
}

// newShardSession is a bare discordgo session for one shard that does not
// reconnect, so that a refused identify stays refused.
func newShardSession(t *testing.T, sim *discordsim.Server, shard, count int) *discordgo.Session {
	t.Helper()
	s := restSession(t, sim)
	s.ShardID, s.ShardCount = shard, count
	s.ShouldReconnectOnError = false
	return s
}
