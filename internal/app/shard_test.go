package app_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
)

// shardOf configures the bot to run shard id of count.
func shardOf(id, count int) func(*config.Config) {
	return func(c *config.Config) { c.ShardID, c.ShardCount, c.ShardAuto = id, count, false }
}

var servedRE = regexp.MustCompile(`(?m)^embodied_interactions_total\{[^}]*\} (\d+)$`)

// served counts the interactions h's process handled (its /metrics).
func served(h *apptest.Harness) int {
	rec := httptest.NewRecorder()
	h.App.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	n := 0
	for _, m := range servedRE.FindAllStringSubmatch(rec.Body.String(), -1) {
		v, _ := strconv.Atoi(m[1])
		n += v
	}
	return n
}

// guildOn returns a guild on shard: the sandbox guild when it is there,
// else a new one, with a member "carol".
func guildOn(h *apptest.Harness, shard int) (*discordsim.Guild, *discordsim.Member) {
	if h.Sim.ShardOf(h.Guild.ID) == shard {
		return h.Guild, h.Alice
	}
	g := h.Sim.CreateGuildOnShard(shard, fmt.Sprintf("Shard %d", shard), discordsim.UserSpec{Username: fmt.Sprintf("owner%d", shard)})
	return g, g.AddMember(discordsim.UserSpec{Username: "carol"})
}

// addBarbie has member run /barbie add and checks the answer.
func addBarbie(t *testing.T, h *apptest.Harness, member *discordsim.Member, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ix, err := h.Sim.Run(ctx, member, "/barbie add", discordsim.String("name", name))
	if err != nil {
		t.Fatalf("%s runs /barbie add: %v", member.User.Username, err)
	}
	if ix.Content() == "" {
		t.Errorf("%s: empty answer", name)
	}
}

// Two processes, one shard each, on one database and one emulated Discord
// with two shards: each guild's commands are answered once, by the process
// whose shard the guild lives on; DMs arrive on shard 0; a stopped shard's
// guilds go unanswered while the other shard goes on, and the shard comes
// back when its process starts again.
func TestShardProcessesServeTheirGuilds(t *testing.T) {
	t.Parallel()
	opts := apptest.Options{Shards: 2, IdentifyInterval: 100 * time.Millisecond}
	h0 := apptest.Start(t, opts, shardOf(0, 2))
	h1 := apptest.Start(t, apptest.Options{Beside: h0}, shardOf(1, 2))
	g0, m0 := guildOn(h0, 0)
	g1, m1 := guildOn(h0, 1)
	if diff := cmp.Diff([]int{0, 1}, h0.Sim.ConnectedShards()); diff != "" {
		t.Fatalf("connected shards mismatch (-want +got):\n%s", diff)
	}

	addBarbie(t, h0, m0, "Sam")
	addBarbie(t, h0, m1, "Kim")
	// The count follows the answer: wait for it, then for nothing more.
	h0.Eventually("one interaction served by each process", func() bool { return served(h0) == 1 && served(h1) == 1 })
	var routed []discordsim.ShardEvent
	for _, e := range h0.Sim.ShardEvents() {
		if e.Name == "INTERACTION_CREATE" {
			routed = append(routed, e)
		}
	}
	want := []discordsim.ShardEvent{{Shard: 0, Name: "INTERACTION_CREATE", GuildID: g0.ID}, {Shard: 1, Name: "INTERACTION_CREATE", GuildID: g1.ID}}
	if diff := cmp.Diff(want, routed); diff != "" {
		t.Errorf("interactions by shard mismatch (-want +got):\n%s", diff)
	}

	// A DM goes to shard 0, whose process answers it.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dm, err := h0.Sim.RunDM(ctx, m1, "/security audit")
	if err != nil {
		t.Fatal(err)
	}
	if dm.Content() != bot.MsgGuildOnly {
		t.Errorf("DM answer %q, want %q", dm.Content(), bot.MsgGuildOnly)
	}
	h0.Eventually("the DM served by shard 0", func() bool { return served(h0) == 2 })
	if got := served(h1); got != 1 {
		t.Errorf("after the DM, shard 1 served %d, want 1 still", got)
	}

	// Shard 1's process stops: guild 1 goes unanswered, guild 0 on.
	stopCtx, stopCancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer stopCancel()
	if err := h1.App.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	short, shortCancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer shortCancel()
	if _, err := h0.Sim.Run(short, m1, "/barbie add", discordsim.String("name", "Lee")); err == nil {
		t.Errorf("guild on the stopped shard answered")
	}
	addBarbie(t, h0, m0, "Ann")

	// It starts again: it identifies, keeping to the spacing, and serves
	// guild 1 again.
	h1b := apptest.Start(t, apptest.Options{Beside: h0}, shardOf(1, 2))
	addBarbie(t, h1b, m1, "Joy")
	h1b.Eventually("the restarted shard serves guild 1", func() bool { return served(h1b) == 1 })
	for _, id := range h0.Sim.Identifies() {
		if id.Refused != "" {
			t.Errorf("shard %d: identify refused (%s)", id.Shard, id.Refused)
		}
	}
	// The unanswered interaction is a deliberate "not-acknowledged".
	for _, v := range h0.Sim.TakeViolations() {
		if v.Rule != "not-acknowledged" {
			t.Errorf("violation: %s", v)
		}
	}
}

// One process with DISCORD_SHARD_COUNT=auto runs every shard Discord
// recommends and answers in guilds on each.
func TestShardAutoRunsEveryShard(t *testing.T) {
	t.Parallel()
	h := apptest.Start(t, apptest.Options{Shards: 3, IdentifyInterval: 50 * time.Millisecond},
		func(c *config.Config) { c.ShardID, c.ShardCount, c.ShardAuto = 0, 0, true })
	if diff := cmp.Diff([]int{0, 1, 2}, h.Sim.ConnectedShards()); diff != "" {
		for _, id := range h.Sim.Identifies() {
			t.Logf("identify %+v", id)
		}
		t.Fatalf("connected shards mismatch (-want +got):\n%s", diff)
	}
	for shard := range 3 {
		_, m := guildOn(h, shard)
		addBarbie(t, h, m, fmt.Sprintf("Sam%d", shard))
	}
	h.Eventually("3 interactions counted", func() bool { return served(h) == 3 })
}

// The Message Content intent refused (4014) in auto mode, Server Members
// granted: the bot probes each intent as its own shard through the gate,
// says the refusal once, and every shard comes up without Message Content
// and answers its guilds.
func TestShardAutoIntentRefused(t *testing.T) {
	t.Parallel()
	members := discordgo.IntentsGuildMembers
	h := apptest.Start(t, apptest.Options{Shards: 2, PrivilegedIntents: &members}, func(c *config.Config) {
		c.ShardID, c.ShardCount, c.ShardAuto, c.ModerateMessages, c.RaidDetection = 0, 0, true, true, true
	})
	if diff := cmp.Diff([]int{0, 1}, h.Sim.ConnectedShards()); diff != "" {
		t.Fatalf("connected shards mismatch (-want +got):\n%s", diff)
	}
	if lines := h.LogLines("ERROR", "closeCode=4014"); len(lines) != 1 || !strings.Contains(lines[0], "Message Content") {
		t.Errorf("log lines with a refusal %q, want one for Message Content:\n%s", lines, h.Logs())
	}
	for shard := range 2 {
		_, m := guildOn(h, shard)
		addBarbie(t, h, m, fmt.Sprintf("Sam%d", shard))
	}
}

// Two processes starting at the same moment, their shards in one identify
// bucket: the gate makes one wait for the other, and the emulator, which
// refuses (op 9) and records an identify within the spacing, sees none.
func TestShardProcessesStartingTogetherTakeTurns(t *testing.T) {
	t.Parallel()
	h0 := apptest.Start(t, apptest.Options{Shards: 3, IdentifyInterval: 150 * time.Millisecond}, shardOf(0, 3))
	var wg sync.WaitGroup
	for id := 1; id <= 2; id++ {
		wg.Go(func() { apptest.Start(t, apptest.Options{Beside: h0}, shardOf(id, 3)) })
	}
	wg.Wait()
	if diff := cmp.Diff([]int{0, 1, 2}, h0.Sim.ConnectedShards()); diff != "" {
		t.Fatalf("connected shards mismatch (-want +got):\n%s", diff)
	}
	for _, id := range h0.Sim.Identifies() {
		if id.Refused != "" {
			t.Errorf("shard %d: identify refused (%s)", id.Shard, id.Refused)
		}
	}
}
