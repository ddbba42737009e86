package app_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/discordsim"
)

// A warning DM that Discord answers 503 is queued; the job that sends it
// fails twice more with 503, then delivers it, once.
func TestWarningDMQueuedOn503DeliveredOnce(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	h.Sim.FailRoute("POST", "/users/@me/channels", discordsim.Fault{Status: 503, Count: 3})
	h.Run(h.Moderator, "/security warn", discordsim.User("user", h.Alice), discordsim.String("reason", "Spam"))

	const job = `SELECT count(*) FROM river_job WHERE kind = 'discord_delivery' AND state = 'completed'
		AND attempt = 3 AND cardinality(errors) = 2`
	for deadline := time.Now().Add(40 * time.Second); h.Count(job) == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the queued DM was not delivered on the job's third attempt; DMs: %d", len(h.Sim.DMs(h.Alice.ID())))
		}
	}
	time.Sleep(200 * time.Millisecond)
	var got []string
	for _, m := range h.Sim.DMs(h.Alice.ID()) {
		got = append(got, m.Content[:min(len(m.Content), 20)])
	}
	if diff := cmp.Diff(1, len(got)); diff != "" {
		t.Errorf("alice's DMs mismatch (-want +got):\n%s\n%q", diff, got)
	}
	if n := h.Count(`SELECT count(*) FROM user_warnings WHERE user_id = $1 AND dm_status = 'sent'`, h.Alice.ID()); n != 1 {
		t.Errorf("warnings with the DM sent: %d, want 1", n)
	}
	if lines := h.LogLines("Warning DM queued"); len(lines) != 1 {
		t.Errorf("queued log lines: %q", lines)
	}
}
