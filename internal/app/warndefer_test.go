package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/discordsim"
)

// callbackTypes returns, in order, the REST routes of requests, with an
// interaction callback written as "callback <type> <flags>".
func callbackTypes(reqs []discordsim.Request) []string {
	var out []string
	for _, r := range reqs {
		route := r.Route
		if route == "" {
			route = r.Method + " " + r.Path
		}
		if strings.HasSuffix(route, "/callback") {
			var body struct {
				Type discordgo.InteractionResponseType
				Data struct{ Flags discordgo.MessageFlags }
			}
			_ = json.Unmarshal(r.Body, &body)
			route = fmt.Sprintf("callback %d %d", body.Type, body.Data.Flags)
		}
		out = append(out, route)
	}
	return out
}

// /security warn acknowledges (an ephemeral deferral) once the warning is
// recorded and before its first Discord call, the DM, so the moderator's
// time to the first callback does not include Discord's; the reply, as an
// edit of the deferral, says exactly what it said before. A refusal makes
// no Discord call and is answered at once, without a deferral.
func TestWarnAcknowledgesBeforeDM(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	before := len(h.Sim.Requests())
	got := warn(h, h.Moderator, h.Alice, "Test warning")
	if diff := cmp.Diff([]string{"User warned. Total warnings: 1. Action: warning", "Case #1"}, got); diff != "" {
		t.Errorf("reply mismatch (-want +got):\n%s", diff)
	}
	routes := callbackTypes(h.Sim.Requests()[before:])
	if len(routes) < 2 || routes[0] != "callback 5 64" || !strings.Contains(routes[1], "/users/@me/channels") {
		t.Errorf("REST calls %q: want the ephemeral deferral (callback 5 64) first, then the DM", routes)
	}

	before = len(h.Sim.Requests())
	ix := h.Run(h.Moderator, "/security warn", discordsim.User("user", h.Moderator), discordsim.String("reason", "x"))
	if got := ix.Content(); got != "❌ You cannot warn yourself." {
		t.Errorf("refusal = %q", got)
	}
	if routes := callbackTypes(h.Sim.Requests()[before:]); len(routes) == 0 || routes[0] != "callback 4 64" {
		t.Errorf("refusal REST calls %q: want an immediate ephemeral reply (callback 4 64)", routes)
	}
}
