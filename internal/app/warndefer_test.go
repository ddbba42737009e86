package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

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

// interactionCalls returns callbackTypes of the requests made with ix's
// interaction token or id.
func interactionCalls(reqs []discordsim.Request, ix *discordsim.Interaction) []string {
	var mine []discordsim.Request
	for _, r := range reqs {
		if strings.Contains(r.Path, "/"+ix.ID+"/") || strings.Contains(r.Path, "/"+ix.Token+"/") {
			mine = append(mine, r)
		}
	}
	return callbackTypes(mine)
}

// /security warn answers in one callback after the DM, since its reply says
// whether the DM arrived: Discord's minimum of three calls. When Discord's
// global limit would queue the DM (here: a global 429 holds every such
// request back), it acknowledges first, with an ephemeral deferral, and the
// reply edits it, word for word the same. A refusal makes no Discord call
// and is answered at once.
func TestWarnAcknowledgesFirstOnlyWhenDiscordQueues(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	before := len(h.Sim.Requests())
	got := warn(h, h.Moderator, h.Alice, "Test warning")
	if diff := cmp.Diff([]string{"User warned. Total warnings: 1. Action: warning", "Case #1"}, got); diff != "" {
		t.Errorf("reply mismatch (-want +got):\n%s", diff)
	}
	want := []string{"POST /users/@me/channels", "POST /channels/{channel_id}/messages", "callback 4 64"}
	if diff := cmp.Diff(want, callbackTypes(h.Sim.Requests()[before:])); diff != "" {
		t.Errorf("REST calls of a warn (-want +got):\n%s", diff)
	}

	// A global 429 on the first warn's DM channel holds Discord's queue for
	// 1.5 s; a warn run meanwhile acknowledges before its DM.
	h.Sim.FailRoute("POST", "/users/@me/channels", discordsim.Fault{Status: 429, RetryAfter: 1.5, Global: true, Count: 1})
	held := make(chan []string, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		ix, err := h.Sim.Run(ctx, h.Moderator, "/security warn", discordsim.User("user", h.Bob), discordsim.String("reason", "first"))
		if err != nil {
			t.Errorf("warn bob: %v", err)
			held <- nil
			return
		}
		held <- strings.Split(ix.Content(), "\n")
	}()
	h.Eventually("the global 429", func() bool {
		for _, r := range h.Sim.Requests() {
			if r.Status == 429 {
				return true
			}
		}
		return false
	})
	ix := h.Run(h.Moderator, "/security warn", discordsim.User("user", h.Alice), discordsim.String("reason", "second"))
	calls := interactionCalls(h.Sim.Requests(), ix)
	if len(calls) == 0 || calls[0] != "callback 5 64" {
		t.Errorf("calls of a warn while Discord queues: %q, want the ephemeral deferral (callback 5 64) first", calls)
	}
	if got := <-held; len(got) == 0 || got[0] != "User warned. Total warnings: 1. Action: warning" {
		t.Errorf("reply of the held warn = %q", got)
	}

	before = len(h.Sim.Requests())
	ix = h.Run(h.Moderator, "/security warn", discordsim.User("user", h.Moderator), discordsim.String("reason", "x"))
	if got := ix.Content(); got != "❌ You cannot warn yourself." {
		t.Errorf("refusal = %q", got)
	}
	if routes := callbackTypes(h.Sim.Requests()[before:]); len(routes) == 0 || routes[0] != "callback 4 64" {
		t.Errorf("refusal REST calls %q: want an immediate ephemeral reply (callback 4 64)", routes)
	}
}
