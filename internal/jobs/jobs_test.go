package jobs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/robfig/cron/v3"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/jobs"
	"github.com/embodied-community/embodied/internal/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// ticks counts the runs of each tick across processes.
type ticks struct {
	mu   sync.Mutex
	runs map[time.Time][]string // tick -> the processes that ran it
}

func (c *ticks) run(process string) func(context.Context, time.Time) error {
	return func(_ context.Context, tick time.Time) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.runs[tick] = append(c.runs[tick], process)
		return nil
	}
}

// count returns how many ticks ran, how many of them ran more than once,
// and how many ran on process.
func (c *ticks) count(process string) (ticks, twice, on int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ps := range c.runs {
		ticks++
		if len(ps) > 1 {
			twice++
		}
		if ps[0] == process {
			on++
		}
	}
	return ticks, twice, on
}

func startRunner(t *testing.T, db *storetest.DB, name string, c *ticks) *jobs.Runner {
	t.Helper()
	r := jobs.New(db.App, jobs.Options{PollInterval: 100 * time.Millisecond})
	schedule, err := cron.ParseStandard("@every 1s")
	if err != nil {
		t.Fatal(err)
	}
	r.Periodic("count", schedule, 10*time.Second, c.run(name))
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Stop(context.Background()); err != nil {
			t.Errorf("stop %s: %v", name, err)
		}
	})
	return r
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// Two processes on one database run each tick of a periodic job once;
// with one of them stopped, the other goes on alone.
func TestPeriodicOncePerTickAcrossProcesses(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	c := &ticks{runs: map[time.Time][]string{}}
	first := startRunner(t, db, "first", c)
	startRunner(t, db, "second", c)

	eventually(t, "4 ticks", func() bool { n, _, _ := c.count(""); return n >= 4 })
	if err := first.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, _, before := c.count("second")
	eventually(t, "3 ticks on the second process alone", func() bool { _, _, on := c.count("second"); return on >= before+3 })
	if _, twice, _ := c.count(""); twice != 0 {
		t.Errorf("%d ticks ran more than once: %v", twice, c.runs)
	}
}

// A tick's job is unique by its args (name and tick) in every state.
func TestPeriodicArgsUnique(t *testing.T) {
	opts := jobs.PeriodicArgs{}.InsertOpts()
	if diff := cmp.Diff(true, opts.UniqueOpts.ByArgs); diff != "" {
		t.Errorf("unique by args mismatch (-want +got):\n%s", diff)
	}
}
