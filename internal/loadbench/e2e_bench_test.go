package loadbench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/embodied-community/embodied/internal/loadgen"
	"github.com/embodied-community/embodied/internal/proctest"
)

// The ladder of open-loop rates (interactions per second), each held for
// stepFor and at least minSamples interactions; see findKnee. floorRate is
// tried when the first rung already fails.
var ladder = []float64{25, 50, 100, 200, 400, 800, 1600}

const floorRate = 10

// profileOnlyRate is the rate of the closing /profile-only step.
const profileOnlyRate = 50

// findKnee climbs the ladder while steps pass, tolerating one failed step
// (a hiccup on a shared machine) before giving up at the second in a row.
// The knee is the highest passing rate, refined by bisecting towards the
// first failing rate above it; when the first rung fails, floor is tried.
func findKnee(ladder []float64, floor float64, bisects int, ok func(rate float64) bool) float64 {
	good, bad, fails := 0.0, 0.0, 0
	for _, rate := range ladder {
		if ok(rate) {
			good, bad, fails = rate, 0, 0
			continue
		}
		if bad == 0 {
			bad = rate
		}
		if fails++; fails == 2 {
			break
		}
	}
	if good == 0 && floor > 0 && ok(floor) {
		good, bad = floor, ladder[0]
	}
	for i := 0; i < bisects && good > 0 && bad > 0; i++ {
		if mid := (good + bad) / 2; ok(mid) {
			good = mid
		} else {
			bad = mid
		}
	}
	return good
}

const (
	stepFor    = 3 * time.Second
	minSamples = 100
	warmRate   = 20
	warmFor    = 2 * time.Second
	bisects    = 2
	kneeP99    = 20 * time.Millisecond
	goalRSSMB  = 25
	goalStart  = time.Second
)

// step is one rate's figures.
type step struct {
	loadgen.Result
	cpuPer1000 float64 // bot CPU seconds per 1,000 interactions
	peakRSS    float64 // VmHWM after the step, MB
}

// ok: the step is under the knee — nothing late, p99 within 20 ms, nothing failed.
func (s step) ok() bool { return s.Late == 0 && s.Failed == 0 && s.P99 <= kneeP99 }

// side is one bot's run.
type side struct {
	label        string
	startToReady time.Duration
	idleRSS      float64 // VmRSS, MB, a second after ready
	startPeak    float64 // VmHWM then, MB: the start-up's peak
	profileOnly  step    // a step of /profile only at profileOnlyRate
	steps        []step
	knee         float64
}

// cpuAt returns the CPU per 1,000 interactions of the step at rate.
func (s *side) cpuAt(rate float64) float64 {
	for _, st := range append(s.steps, s.profileOnly) {
		if st.Rate == rate {
			return st.cpuPer1000
		}
	}
	return 0
}

type figures struct{ ours, bare *side }

var (
	measureOnce sync.Once
	measured    figures
)

// measure runs both bots once per test binary; every E2E benchmark reports
// from the same run.
func measure(b *testing.B) figures {
	b.Helper()
	measureOnce.Do(func() {
		embodied, barebot := proctest.Build(b, proctest.Embodied), proctest.Build(b, "./testdata/barebot")
		measured.ours = runSide(b, "ours", func(r *rig) *proctest.Child {
			addr := proctest.FreeAddr(b)
			return proctest.Start(b, embodied, r.env.Bot(addr), r.dir, addr, "run")
		}, loadgen.StandardMix, "security")
		measured.bare = runSide(b, "barebot", func(r *rig) *proctest.Child {
			addr := proctest.FreeAddr(b)
			return proctest.Start(b, barebot, append(r.env.Base(), "DATABASE_URL="+r.db.AppURL, "READY_ADDR="+addr), r.dir, addr)
		}, loadgen.ProfileMix, "profile")
	})
	if measured.ours == nil || measured.bare == nil {
		b.Fatal("the end-to-end measurement failed (see the first benchmark's log)")
	}
	return measured
}

func runSide(b *testing.B, label string, start func(*rig) *proctest.Child, mixOf func(*loadgen.World) loadgen.Mix, readyCommand string) *side {
	b.Helper()
	r := newRig(b, guildMembers)
	c := start(r)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	ready, err := c.WaitReady(ctx, r.sim, readyCommand)
	cancel()
	if err != nil {
		b.Fatalf("%s: %v\nlogs:\n%s", label, err, proctest.Tail(c.Logs.String(), 4000))
	}
	s := &side{label: label, startToReady: ready}
	time.Sleep(time.Second)
	if s.idleRSS, err = c.MemMB("VmRSS"); err != nil {
		b.Fatal(err)
	}
	if s.startPeak, err = c.MemMB("VmHWM"); err != nil {
		b.Fatal(err)
	}
	// From here VmHWM is the peak under load, not the start-up's.
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", c.Cmd.Process.Pid), []byte("5"), 0); err != nil {
		b.Logf("cannot reset VmHWM (%v): the per-step peaks include the start-up's", err)
	}
	mix := mixOf(r.world)
	next := 0
	measureStep := func(rate float64, mix loadgen.Mix) step {
		cpu0, err := c.CPU()
		if err != nil {
			b.Fatal(err)
		}
		// At least minSamples per step, so that p99 is not just the maximum.
		d := max(stepFor, time.Duration(minSamples/rate*float64(time.Second)))
		res := loadgen.RunFrom(context.Background(), r.sim, rate, d, next, mix)
		next += res.Sent
		cpu1, err := c.CPU()
		if err != nil {
			b.Fatal(err)
		}
		st := step{Result: res}
		if res.Sent > 0 {
			st.cpuPer1000 = (cpu1 - cpu0).Seconds() / float64(res.Sent) * 1000
		}
		st.peakRSS, _ = c.MemMB("VmHWM")
		time.Sleep(300 * time.Millisecond) // let the last deferrals and batches settle
		return st
	}
	run := func(rate float64) step {
		st := measureStep(rate, mix)
		s.steps = append(s.steps, st)
		return st
	}
	// Warm up (not recorded): the first interactions open database
	// connections and fill caches, an outlier no rate would show again.
	warm := loadgen.RunFrom(context.Background(), r.sim, warmRate, warmFor, next, mix)
	next += warm.Sent
	time.Sleep(300 * time.Millisecond)
	s.knee = findKnee(ladder, floorRate, bisects, func(rate float64) bool { return run(rate).ok() })
	// The bare bot's traffic, for the log: what the framework costs on the
	// cheapest command, apart from what the heavier commands of the mix do.
	s.profileOnly = measureStep(profileOnlyRate, loadgen.ProfileMix(r.world))
	if _, err := c.Stop(syscall.SIGTERM, 10*time.Second); err != nil {
		b.Errorf("%s: %v", label, err)
	}
	return s
}

// table is the side's per-step figures, for the benchmark log.
func (s *side) table() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s: start-to-ready %s, idle RSS %.1f MB (start-up peak %.1f MB), knee %g interactions/s\n",
		s.label, s.startToReady.Round(time.Millisecond), s.idleRSS, s.startPeak, s.knee)
	fmt.Fprintf(&sb, "(the last row is /profile only)\n%8s %6s %8s %5s %6s %9s %9s %10s %8s  %s\n", "rate/s", "sent", "answered", "late", "failed", "p50", "p99", "cpu-s/1000", "peakMB", "p99 by command, errors")
	for _, st := range append(s.steps, s.profileOnly) {
		var kinds []string
		for k, n := range st.Errors {
			kinds = append(kinds, fmt.Sprintf("%s=%d", k, n))
		}
		slices.Sort(kinds)
		fmt.Fprintf(&sb, "%8g %6d %8d %5d %6d %9s %9s %10.3f %8.1f  %s %s\n", st.Rate, st.Sent, st.Answered, st.Late, st.Failed,
			st.P50.Round(10*time.Microsecond), st.P99.Round(10*time.Microsecond), st.cpuPer1000, st.peakRSS, byCommand(st.Result), strings.Join(kinds, " "))
	}
	return sb.String()
}

// byCommand lists each command's p99 time to first callback, slowest first.
func byCommand(r loadgen.Result) string {
	by := map[string][]time.Duration{}
	for _, ix := range r.Interactions {
		if ix != nil {
			by[ix.Command] = append(by[ix.Command], ix.AckLatency())
		}
	}
	type p99 struct {
		cmd string
		at  time.Duration
	}
	var ps []p99
	for cmd, ds := range by {
		ps = append(ps, p99{cmd, loadgen.Percentile(ds, 0.99)})
	}
	slices.SortFunc(ps, func(a, b p99) int { return int(b.at - a.at) })
	var parts []string
	for _, p := range ps {
		parts = append(parts, fmt.Sprintf("%s=%s", p.cmd, p.at.Round(100*time.Microsecond)))
	}
	return strings.Join(parts, " ")
}

// Logs of a benchmark with sub-benchmarks are not printed without -v, so
// the leaves log (the step tables, for instance).
func report(b *testing.B, name string, v float64, unit string, logs ...string) {
	b.Run(name, func(b *testing.B) {
		if b.N == 1 { // once, not on every round of the b.N ramp
			for _, l := range logs {
				b.Log(l)
			}
		}
		b.ReportMetric(0, "ns/op")
		b.ReportMetric(v, unit)
	})
}

// BenchmarkE2EKnee: the highest open-loop rate with nothing late and p99 of
// the time to the first callback within 20 ms, the real bot on the standard
// mix against the bare bot on /profile.
func BenchmarkE2EKnee(b *testing.B) {
	f := measure(b)
	report(b, "ours", f.ours.knee, "interactions/s", f.ours.table())
	report(b, "baseline-barebot", f.bare.knee, "interactions/s", f.bare.table())
}

// BenchmarkE2ECPU: bot CPU seconds per 1,000 interactions at the highest
// ladder rate both bots sustained (per-interaction cost falls with the rate
// as idle work is spread thinner, so both are read at the same rate).
func BenchmarkE2ECPU(b *testing.B) {
	f := measure(b)
	rate := ladder[0]
	for _, r := range ladder {
		if r <= min(f.ours.knee, f.bare.knee) {
			rate = r
		}
	}
	b.Logf("CPU compared at %g interactions/s", rate)
	report(b, "ours", f.ours.cpuAt(rate), "cpu-s/1000")
	report(b, "baseline-barebot", f.bare.cpuAt(rate), "cpu-s/1000")
}

// BenchmarkE2EIdleRSS: resident memory of the process a second after it is
// ready, against the bare bot's and the goal (25 MB).
func BenchmarkE2EIdleRSS(b *testing.B) {
	f := measure(b)
	report(b, "ours", f.ours.idleRSS, "MB")
	report(b, "baseline-barebot", f.bare.idleRSS, "MB")
	report(b, "baseline-goal", goalRSSMB, "MB")
}

// BenchmarkE2EStart: process start to /readyz 200 with the commands
// registered, against the bare bot's and the goal (1 s).
func BenchmarkE2EStart(b *testing.B) {
	f := measure(b)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	report(b, "ours", ms(f.ours.startToReady), "ms")
	report(b, "baseline-barebot", ms(f.bare.startToReady), "ms")
	report(b, "baseline-goal", ms(goalStart), "ms")
}
