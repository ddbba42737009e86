package app_test

// The drills: the real app (apptest) under open-loop load (loadgen) while
// something fails — the database, the gateway, Discord's REST API — and a
// soak. Each has a short form for `make test` (seconds) and a long form
// behind EMBODIED_DRILL_LONG=1 (`make drills`). Drills are not parallel:
// they measure time on a shared machine.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/loadgen"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/middleware/permission"
	"github.com/embodied-community/embodied/internal/tcpproxy"
)

// longDrill reports whether the drills run in their long form.
func longDrill() bool { return os.Getenv("EMBODIED_DRILL_LONG") == "1" }

// drillLength is short in `make test` and long in `make drills`.
func drillLength(short, long time.Duration) time.Duration {
	if longDrill() {
		return long
	}
	return short
}

// drillMembers is the seeded guild's size: the 2,000 in the long
// form, fewer in the short one (seeding and GUILD_CREATE cost seconds).
func drillMembers() int {
	if longDrill() {
		return 2000
	}
	return 200
}

// drill is the real app on the wall clock with a load guild, its database
// behind a proxy the drill cuts, and the ops listener on.
type drill struct {
	*apptest.Harness
	World *loadgen.World
	Proxy *tcpproxy.Proxy
}

func startDrill(t *testing.T, configure ...func(*config.Config)) *drill {
	t.Helper()
	d := &drill{}
	d.Harness = apptest.Start(t, apptest.Options{WallClock: true}, append([]func(*config.Config){func(c *config.Config) {
		d.Proxy, c.DatabaseURL = tcpproxy.ForURL(t, c.DatabaseURL)
		c.HTTPAddr = "127.0.0.1:0"
		c.LogLevel = "info" // debug lines under load cost more than the load
	}}, configure...)...)
	d.World = loadgen.Seed(d.Sim, drillMembers())
	// The bot must have seen the load guild before it is asked anything.
	probe := d.World.Plain[0]
	d.Eventually("the load guild answers", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ix, err := d.Sim.Run(ctx, probe, "/profile")
		return err == nil && answer(ix) == answerOK
	})
	return d
}

// ready is the status of GET /readyz.
func (d *drill) ready() int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+d.App.Ops.Addr()+"/readyz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// deniedWarn is the drill's source of security events: a plain member
// trying /security warn with a modified client. Its reason names the call,
// so that its security event can be found.
func deniedWarn(w *loadgen.World, i int) loadgen.Call {
	return loadgen.Call{Member: w.Plain[(i*17+1)%len(w.Plain)], Command: "/security warn", Opts: []discordsim.Option{
		discordsim.Hostile(), discordsim.User("user", w.Plain[(i*19+2)%len(w.Plain)]),
		discordsim.String("reason", drillReason(i))}}
}

func drillReason(i int) string { return fmt.Sprintf("drill %d", i) }

// drillMix is the standard mix with, every sixth call, a denied warn.
func drillMix(w *loadgen.World) loadgen.Mix {
	std := loadgen.StandardMix(w)
	return func(i int) loadgen.Call {
		if i%6 == 5 {
			return deniedWarn(w, i)
		}
		return std(i - i/6)
	}
}

// What a member was answered.
const (
	answerOK       = "ok"         // a normal answer (a refusal the call expects included)
	answerDBDown   = "db-down"    // middleware.MsgDatabaseUnavailable
	answerError    = "error"      // "Something went wrong" or another ❌
	answerLimited  = "limited"    // rate limited
	answerNone     = "none"       // no answer, or "This interaction failed"
	answerDeferred = "unresolved" // deferred and never completed
)

// answer classifies what the member saw.
func answer(ix *discordsim.Interaction) string {
	if ix == nil || ix.Response() == nil || ix.Failed() != "" {
		return answerNone
	}
	r := ix.Response()
	c := ix.Content()
	switch {
	case c == middleware.MsgDatabaseUnavailable:
		return answerDBDown
	case c == permission.DeniedMessage:
		return answerOK
	case strings.HasPrefix(c, "⏳"):
		return answerLimited
	case strings.HasPrefix(c, "❌"), strings.HasPrefix(c, "⚠️"):
		return answerError
	case c == "" && len(ix.Embeds()) == 0 && (r.Type == discordgo.InteractionResponseDeferredChannelMessageWithSource):
		return answerDeferred
	}
	return answerOK
}

// tally counts the answers of ixs.
func tally(ixs []*discordsim.Interaction) map[string]int {
	n := map[string]int{}
	for _, ix := range ixs {
		n[answer(ix)]++
	}
	return n
}

// examples returns up to three contents of ixs answered as kind, for
// failure messages.
func examples(ixs []*discordsim.Interaction, kind string) []string {
	var out []string
	for _, ix := range ixs {
		if answer(ix) == kind && len(out) < 3 {
			c := "<nil>"
			if ix != nil {
				c = ix.Command + ": " + ix.Content() + " " + ix.Failed()
			}
			out = append(out, c)
		}
	}
	return out
}
