package app_test

import (
	"context"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"testing"
	"time"

	"github.com/embodied-community/embodied/internal/loadgen"
)

// soakLeak is how many goroutines more, once the load has drained, than
// before it, make a leak: far above the connections and timers that come
// and go, far below one per interaction (the short form sends 100).
const soakLeak = 50

// sample is one reading of the process during the soak.
type sample struct {
	at         time.Duration
	goroutines int
	heapInuse  uint64
}

// Soak (issue 16): a steady rate for 10 s (10 minutes in the long form).
// The process (bot, emulator and driver together) is sampled throughout;
// the slopes of goroutines and heap in use are reported. It fails on a
// clear leak only: more goroutines once the load has drained than before it
// by soakLeak or more.
func TestDrillSoak(t *testing.T) {
	d := startDrill(t)
	length := drillLength(10*time.Second, 10*time.Minute)
	every := drillLength(250*time.Millisecond, 5*time.Second)
	const rate = 10.0
	mix := drillMix(d.World)
	ctx := context.Background()

	warm := loadgen.Run(ctx, d.Sim, rate, 2*time.Second, mix)
	before := settled()

	var mu sync.Mutex
	var samples []sample
	start := time.Now()
	sampling, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			mu.Lock()
			samples = append(samples, sample{time.Since(start), runtime.NumGoroutine(), ms.HeapInuse})
			mu.Unlock()
			select {
			case <-sampling.Done():
				return
			case <-tick.C:
			}
		}
	}()
	r := loadgen.RunFrom(ctx, d.Sim, rate, length, warm.Sent, mix)
	stop()
	wg.Wait()
	after := settled()
	if path := os.Getenv("EMBODIED_DRILL_HEAPPROFILE"); path != "" {
		// Where the heap that stayed lives (bot, emulator or driver):
		// go tool pprof -sample_index=inuse_space -top <path>.
		writeHeapProfile(t, path)
	}

	gSlope := slope(samples, func(s sample) float64 { return float64(s.goroutines) })
	hSlope := slope(samples, func(s sample) float64 { return float64(s.heapInuse) })
	t.Logf("soak %v at %g/s: %s answers=%v", length, rate, r, tally(r.Interactions))
	t.Logf("soak: %d samples; goroutines slope %+.3f/s, heap in use slope %+.1f KiB/s; after the load drained: goroutines %d -> %d, heap in use %.1f -> %.1f MiB",
		len(samples), gSlope, hSlope/1024, before.goroutines, after.goroutines, mib(before.heapInuse), mib(after.heapInuse))
	if n := tally(r.Interactions); n[answerOK] != len(r.Interactions) {
		t.Errorf("answers during the soak: %v, e.g. %q %q", n, examples(r.Interactions, answerError), examples(r.Interactions, answerNone))
	}
	if after.goroutines-before.goroutines >= soakLeak {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutine leak: %d before the load, %d after it drained\n%s", before.goroutines, after.goroutines,
			buf[:runtime.Stack(buf, true)])
	}
}

// settled reads the process once the load has drained: in-flight calls
// ended, idle connections closed, garbage collected.
func settled() sample {
	time.Sleep(time.Second)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return sample{goroutines: runtime.NumGoroutine(), heapInuse: ms.HeapInuse}
}

// slope is the least-squares slope of v over time, per second.
func slope(samples []sample, v func(sample) float64) float64 {
	n := float64(len(samples))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for _, s := range samples {
		x, y := s.at.Seconds(), v(s)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / den
}

func writeHeapProfile(t *testing.T, path string) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		t.Fatal(err)
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
