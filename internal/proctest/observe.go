package proctest

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/embodied-community/embodied/internal/discordsim"
)

// StartBot starts `embodied run` (built once) with the environment of
// e.Bot on a free ops address plus extra, checks at cleanup that its logs
// hold no secret, and waits up to a minute until it is ready and, unless
// readyCommand is "", has registered that command with sim.
func (e Env) StartBot(tb testing.TB, sim *discordsim.Server, readyCommand string, extra ...string) *Child {
	tb.Helper()
	addr := FreeAddr(tb)
	c := Start(tb, Build(tb, Embodied), e.Bot(addr, extra...), e.Dir, addr, "run")
	tb.Cleanup(func() { e.CheckNoSecrets(tb, c.Logs.String()) })
	c.mustBeReady(tb, sim, readyCommand)
	return c
}

// Restart starts the same program again, with the same arguments,
// environment, directory and ops address, once c has exited (after Kill
// or Stop), and waits until it is ready as StartBot does.
func (c *Child) Restart(tb testing.TB, sim *discordsim.Server, readyCommand string) *Child {
	tb.Helper()
	select {
	case <-c.exited:
	default:
		tb.Fatalf("restart of %s while it still runs", c.Cmd.Path)
	}
	n := Start(tb, c.Cmd.Path, c.Cmd.Env, c.Cmd.Dir, c.Addr, c.Cmd.Args[1:]...)
	n.mustBeReady(tb, sim, readyCommand)
	return n
}

func (c *Child) mustBeReady(tb testing.TB, sim *discordsim.Server, readyCommand string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.WaitReady(ctx, sim, readyCommand); err != nil {
		tb.Fatalf("%s: %v\nlogs:\n%s", strings.Join(c.Cmd.Args, " "), err, Tail(c.Logs.String(), 4000))
	}
}

// Metric sums the samples of the counter or gauge name on the child's
// /metrics whose labels include every one of labels (name=value pairs), as
// Prometheus would scrape them. A metric with no sample yet (a counter
// vector nobody incremented) is 0.
func (c *Child) Metric(name string, labels ...string) (float64, error) {
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + c.Addr + "/metrics")
	if err != nil {
		return 0, fmt.Errorf("scrape %s: %w", c.Addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("scrape %s: status %d", c.Addr, resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("scrape %s: %w", c.Addr, err)
	}
	var sum float64
	for _, m := range fams[name].GetMetric() {
		have := map[string]bool{}
		for _, l := range m.GetLabel() {
			have[l.GetName()+"="+l.GetValue()] = true
		}
		if !slices.ContainsFunc(labels, func(l string) bool { return !have[l] }) {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue() + m.GetUntyped().GetValue()
		}
	}
	return sum, nil
}
