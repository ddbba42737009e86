package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/loadgen"
)

// chaos is one way the gateway fails.
type chaos struct {
	name string
	do   func(*discordsim.Server)
}

var gatewayChaos = []chaos{
	{"connection dropped", (*discordsim.Server).DropConnections},
	{"RECONNECT (op 7)", (*discordsim.Server).SendReconnect},
	{"INVALID_SESSION resumable (op 9)", func(s *discordsim.Server) { s.SendInvalidSession(true) }},
	{"INVALID_SESSION not resumable (op 9)", func(s *discordsim.Server) { s.SendInvalidSession(false) }},
}

// Gateway chaos under load (issue 16): every few hundred milliseconds (a
// few seconds in the long form), once the bot is connected again, the
// connection drops, or Discord sends RECONNECT or INVALID_SESSION,
// resumable or not, in turn, while members run commands. Discord replays on RESUME the dispatches a session missed,
// and so does the emulator; an INVALID_SESSION arrives on the live
// connection, where the bot identifies again. So every interaction is
// delivered to a live or resumable session, and none may be lost: each is
// answered (a late acknowledgement counts as lost, the member saw "This
// interaction failed"), and none twice (the emulator records a second
// acknowledgement as a double-ack violation).
func TestDrillGatewayChaos(t *testing.T) {
	d := startDrill(t)
	length := drillLength(5*time.Second, 2*time.Minute)
	every := drillLength(700*time.Millisecond, 3*time.Second)
	const rate = 10.0

	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	done := map[string]int{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			// Each failure hits a live connection: one that came back
			// from the previous failure.
			for d.Sim.Connected() == 0 && ctx.Err() == nil {
				time.Sleep(10 * time.Millisecond)
			}
			c := gatewayChaos[i%len(gatewayChaos)]
			c.do(d.Sim)
			done[c.name]++
		}
	}()
	connects := d.Sim.GatewayConnects()
	r := loadgen.Run(context.Background(), d.Sim, rate, length, drillMix(d.World))
	stop()
	wg.Wait()
	t.Logf("chaos %v, gateway connections %d; %s answers=%v", done, d.Sim.GatewayConnects()-connects, r, tally(r.Interactions))

	n := tally(r.Interactions)
	if n[answerOK] != len(r.Interactions) {
		t.Errorf("answers %v: lost %q, errors %q", n, examples(r.Interactions, answerNone), examples(r.Interactions, answerError))
	}
	for _, v := range d.Sim.TakeViolations() {
		t.Errorf("discordsim: %s", v)
	}
	if dup := len(d.LogLines("Duplicate interaction ignored")); dup > 0 {
		t.Logf("%d interactions delivered twice and ignored", dup)
	}
}
