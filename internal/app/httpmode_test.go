package app_test

import (
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/interactions"
)

// httpMode starts an HTTP-mode instance (SECOPS_GATEWAY=false) beside a
// gateway process, and points the application's Interactions Endpoint URL
// at it, as an operator does in the Developer Portal.
func httpMode(t *testing.T) (gatewayProc, httpProc *apptest.Harness) {
	t.Helper()
	gatewayProc = apptest.New(t)
	return gatewayProc, httpBeside(t, gatewayProc)
}

// httpBeside starts an HTTP-mode process beside gatewayProc (configure
// adjusts its configuration first) and points the Interactions Endpoint
// URL at it.
func httpBeside(t *testing.T, gatewayProc *apptest.Harness, configure ...func(*config.Config)) *apptest.Harness {
	t.Helper()
	httpProc := apptest.Start(t, apptest.Options{Beside: gatewayProc}, append(configure, func(c *config.Config) {
		key, err := hex.DecodeString(gatewayProc.Sim.PublicKeyHex())
		if err != nil {
			t.Fatal(err)
		}
		c.HTTPOnly, c.InteractionsAddr, c.DiscordPublicKey = true, "127.0.0.1:0", key
		c.HTTPAddr = "127.0.0.1:0" // the ops listener, for /readyz
	})...)
	sim := httpProc.Sim
	sim.SetInteractionsEndpoint("http://" + httpProc.App.InteractionsAddr())
	if err := sim.ValidateEndpoint(t.Context()); err != nil {
		t.Fatalf("Discord would not save the endpoint: %v", err)
	}
	return httpProc
}

// An HTTP-mode instance answers commands through the same pipeline: an
// immediate answer in the HTTP response, a deferred one over REST, and an
// attachment (which an HTTP response cannot carry) after a deferral.
func TestHTTPModeAnswersInteractions(t *testing.T) {
	t.Parallel()
	gw, h := httpMode(t)

	ix := h.Run(h.Bob, "/submit-stats", discordsim.Int("approaches", 1))
	if !strings.HasPrefix(ix.Content(), "📊 Stats saved") {
		t.Errorf("/submit-stats reply %q", ix.Content())
	}
	if r := ix.Response(); r.Type != 4 {
		t.Errorf("/submit-stats initial response type %d, want 4 (in the HTTP answer)", r.Type)
	}

	status := h.Run(h.Owner, "/security status")
	if r := status.Response(); r.Type != 5 {
		t.Errorf("/security status initial response type %d, want 5 (deferred)", r.Type)
	}
	var fields []string
	for _, e := range status.Embeds() {
		for _, f := range e.Fields {
			fields = append(fields, f.Name+": "+f.Value)
		}
	}
	if want := "Interactions: HTTP interactions: on (this instance has no gateway connection)"; !strings.Contains(strings.Join(fields, "\n"), want) {
		t.Errorf("status lacks %q:\n%s", want, strings.Join(fields, "\n"))
	}

	export := h.Run(h.Admin, "/security export-data", discordsim.User("user", h.Alice))
	if files := export.Files(); len(files) != 1 {
		t.Errorf("export files %d, want 1; reply %q", len(files), export.Content())
	}

	// The interactions were the HTTP-mode instance's: the gateway process saw none.
	if got := counters(t, gw, "embodied_interactions_total"); len(got) != 0 {
		t.Errorf("the gateway process handled interactions: %v", got)
	}
	h.Eventually("three commands counted by the HTTP-mode instance", func() bool {
		return len(counters(t, h, "embodied_interactions_total")) == 3
	})
	// Ready without a gateway connection.
	resp, err := http.Get("http://" + h.App.Ops.Addr() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz of the HTTP-mode instance: %d %s", resp.StatusCode, body)
	}
}

// A command slower than bot.AutoDeferAfter is deferred in the HTTP answer,
// as over the gateway, and its reply edits the deferral over REST.
func TestHTTPModeDefersASlowCommand(t *testing.T) {
	t.Parallel()
	_, h := httpMode(t)
	// The warning's DM (sent before the reply) takes 2.5 s.
	h.Sim.FailRoute("POST", "/users/@me/channels", discordsim.Fault{Delay: bot.AutoDeferAfter + 500*time.Millisecond, Count: 1})
	ix := h.Run(h.Moderator, "/security warn", discordsim.User("user", h.Alice), discordsim.String("reason", "Spam"))
	if r := ix.Response(); r.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource || r.Flags != discordgo.MessageFlagsEphemeral {
		t.Errorf("initial response %d flags %d, want the ephemeral deferral (5, 64)", r.Type, r.Flags)
	}
	if got := strings.Split(ix.Content(), "\n")[0]; got != "User warned. Total warnings: 1. Action: warning" {
		t.Errorf("reply %q", got)
	}
	if calls := interactionCalls(h.Sim.Requests(), ix); len(calls) == 0 || calls[0] != "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original" {
		t.Errorf("REST calls of the deferred warn: %q, want the edit of @original (the deferral went in the HTTP answer)", calls)
	}
}

// A forged signature is refused with 401 and counted; ten from one address
// within a minute are a security event.
func TestHTTPModeRefusesForgedSignatures(t *testing.T) {
	t.Parallel()
	_, h := httpMode(t)
	body := []byte(`{"id":"1","type":2,"token":"t","data":{"name":"security","options":[{"name":"backup","type":1}]}}`)
	for i := range interactions.RepeatThreshold {
		a, err := h.Sim.PostForged(t.Context(), body)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != 401 || a.Body != interactions.MsgInvalidSignature+"\n" {
			t.Fatalf("forged request %d answered %d %q, want 401 %q", i, a.Status, a.Body, interactions.MsgInvalidSignature)
		}
	}
	// ValidateEndpoint sent one bad PING before them.
	got := counters(t, h, "embodied_interactions_endpoint_rejected_total")
	if diff := cmp.Diff(map[string]float64{"reason=" + interactions.ReasonInvalid: interactions.RepeatThreshold + 1}, got); diff != "" {
		t.Errorf("refusals counted mismatch (-want +got):\n%s", diff)
	}
	h.Eventually("the forged_interaction_signature event", func() bool {
		return h.Count(`SELECT count(*) FROM security_audit_logs WHERE event_type = $1`, interactions.EventForged) == 1
	})
	if n := h.Count(`SELECT count(*) FROM audit_log WHERE action_type LIKE '%backup%'`); n != 0 {
		t.Errorf("%d backup audit rows after forged requests: the command ran", n)
	}
}

// counters reads the counter name from h's /metrics registry, by labels.
func counters(t *testing.T, h *apptest.Harness, name string) map[string]float64 {
	t.Helper()
	fams, err := h.App.Metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			got[strings.Join(labels, ",")] = m.GetCounter().GetValue()
		}
	}
	return got
}
