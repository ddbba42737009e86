package shard_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/shard"
	"github.com/embodied-community/embodied/internal/storetest"
)

// BenchmarkShardIdentify16 opens 16 shards at once through the gate, on
// an emulator with max_concurrency 4 and a 200 ms identify spacing, and
// reports the time until the last one is READY against the documented
// minimum, (ceil(16/4) - 1) × 200 ms: four buckets of four shards, each
// bucket's identifies one spacing apart.
func BenchmarkShardIdentify16(b *testing.B) {
	const shards, maxConcurrency, spacing = 16, 4, 200 * time.Millisecond
	sim := discordsim.NewTest(b, discordsim.Options{Shards: shards, MaxConcurrency: maxConcurrency, IdentifyInterval: spacing})
	db := storetest.New(b)
	rest, err := discordhttp.NewSession(sim.Token(), sim.URL(), nil)
	if err != nil {
		b.Fatal(err)
	}
	gate := shard.NewGate(storetest.Pool(b, db.AppURL), shard.SessionLimits(rest), spacing, slog.New(slog.DiscardHandler))
	start := time.Now()
	var wg sync.WaitGroup
	for id := range shards {
		wg.Go(func() {
			s, err := discordhttp.NewSession(sim.Token(), sim.URL(), nil)
			if err != nil {
				b.Error(err)
				return
			}
			s.ShardID, s.ShardCount = id, shards
			s.Dialer = gate.Dialer(context.Background(), id)
			// discordgo's heartbeat can fail against Close at cleanup and start
			// a reconnect loop that outlives the test.
			s.ShouldReconnectOnError = false
			if err := s.Open(); err != nil {
				b.Errorf("open shard %d: %v", id, err)
				return
			}
			b.Cleanup(func() { _ = s.Close() })
		})
	}
	wg.Wait()
	took := time.Since(start)
	if n := len(sim.ConnectedShards()); n != shards {
		b.Fatalf("%d shards connected, want %d", n, shards)
	}
	minimum := time.Duration((shards+maxConcurrency-1)/maxConcurrency-1) * spacing
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	for _, r := range []struct {
		name string
		v    float64
	}{{"ours", ms(took)}, {"baseline-documented-minimum", ms(minimum)}} {
		b.Run(r.name, func(b *testing.B) {
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(r.v, "ms")
		})
	}
}
