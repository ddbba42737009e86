package shard_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/shard"
	"github.com/embodied-community/embodied/internal/storetest"
)

const interval = 150 * time.Millisecond

// process is one bot process's view: its own pool and gate.
type process struct {
	gate *shard.Gate
	rest *discordgo.Session
}

func newProcess(t *testing.T, sim *discordsim.Server, db *storetest.DB) process {
	t.Helper()
	rest, err := discordhttp.NewSession(sim.Token(), sim.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	pool := storetest.Pool(t, db.AppURL)
	return process{gate: shard.NewGate(pool, shard.SessionLimits(rest), interval, slog.New(slog.DiscardHandler)), rest: rest}
}

// open opens shardID's session through p's gate.
func (p process) open(t *testing.T, ctx context.Context, sim *discordsim.Server, shardID int) *discordgo.Session {
	t.Helper()
	s, err := discordhttp.NewSession(sim.Token(), sim.URL(), nil)
	if err != nil {
		t.Error(err)
		return nil
	}
	s.ShardID, s.ShardCount = shardID, sim.Shards()
	s.Dialer = p.gate.Dialer(ctx, shardID)
	// discordgo's heartbeat can fail against Close at cleanup and start
	// a reconnect loop that outlives the test.
	s.ShouldReconnectOnError = false
	if err := s.Open(); err != nil {
		t.Errorf("open shard %d: %v", shardID, err)
		return nil
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestProcessesNeverIdentifyInOneBucketWithinTheInterval(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{Shards: 6, MaxConcurrency: 2, IdentifyInterval: interval})
	db := storetest.New(t)
	procs := []process{newProcess(t, sim, db), newProcess(t, sim, db)}
	var wg sync.WaitGroup
	for id := range 6 {
		wg.Go(func() { procs[id%2].open(t, context.Background(), sim, id) })
	}
	wg.Wait()
	if diff := cmp.Diff([]int{0, 1, 2, 3, 4, 5}, sim.ConnectedShards()); diff != "" {
		t.Errorf("connected shards mismatch (-want +got):\n%s", diff)
	}
	for _, id := range sim.Identifies() {
		if id.Refused != "" {
			t.Errorf("shard %d: identify refused: %s", id.Shard, id.Refused)
		}
	}
	// Violations, if any, fail the test at the emulator's cleanup.
}

func TestRestartedProcessWaitsForTheBucket(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{Shards: 1, IdentifyInterval: interval})
	db := storetest.New(t)
	first := newProcess(t, sim, db).open(t, context.Background(), sim, 0)
	// The first process dies without closing; a new one starts at once
	// with nothing in memory.
	_ = first.Close()
	newProcess(t, sim, db).open(t, context.Background(), sim, 0)
	if got := len(sim.Identifies()); got != 2 {
		t.Errorf("%d identifies, want 2", got)
	}
}

func TestWaitForSessionStartReset(t *testing.T) {
	db := storetest.New(t)
	var capture logging.Capture
	log, _, err := logging.New(&capture, logging.Options{Format: "text", Level: "info"})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	limits := func(context.Context) (shard.Limits, error) {
		calls++
		if calls == 1 {
			return shard.Limits{MaxConcurrency: 1, Remaining: 0, ResetAfter: 20 * time.Millisecond}, nil
		}
		return shard.Limits{MaxConcurrency: 1, Remaining: 5}, nil
	}
	gate := shard.NewGate(storetest.Pool(t, db.AppURL), limits, interval, log)
	if err := gate.Wait(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("limits read %d times, want 2", calls)
	}
	if lines := capture.Lines("Discord session start limit reached", "shard=0"); len(lines) != 1 {
		t.Errorf("log lines = %q\nlogs:\n%s", lines, capture.String())
	}
}

func TestWaitEndsWithContext(t *testing.T) {
	db := storetest.New(t)
	limits := func(context.Context) (shard.Limits, error) {
		return shard.Limits{MaxConcurrency: 1, Remaining: 0, ResetAfter: time.Hour}, nil
	}
	gate := shard.NewGate(storetest.Pool(t, db.AppURL), limits, interval, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := gate.Wait(ctx, 0); err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Errorf("Wait = %v, want the context's deadline", err)
	}
}
