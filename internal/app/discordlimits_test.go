package app_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/discordsim"
)

// Discord's 429s on a warn's DM are waited out and counted in /metrics as
// the emulator counted them; a 429 of scope shared is waited out but not
// counted, as Discord does not count it towards the IP ban.
func TestDiscordInvalidRequestsReachMetrics(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	h.Sim.FailRoute("POST", "/users/@me/channels", discordsim.Fault{Status: 429, RetryAfter: 0.05, Count: 2})
	h.Sim.FailRoute("POST", "/channels/*/messages", discordsim.Fault{Status: 429, RetryAfter: 0.05, Shared: true, Count: 1})
	h.Run(h.Moderator, "/security warn", discordsim.User("user", h.Alice), discordsim.String("reason", "Spam"))
	h.Eventually("alice's DM", func() bool { return len(h.Sim.DMs(h.Alice.ID())) == 1 })

	if diff := cmp.Diff(map[int]int{429: 2}, h.Sim.InvalidRequests()); diff != "" {
		t.Errorf("emulator's invalid requests mismatch (-want +got):\n%s", diff)
	}
	fams, err := h.App.Metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		switch f.GetName() {
		case "embodied_discord_invalid_requests_total":
			for _, m := range f.GetMetric() {
				got[f.GetName()+" status="+m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
			}
		case "embodied_discord_invalid_requests_10m":
			got[f.GetName()] = f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	want := map[string]float64{"embodied_discord_invalid_requests_total status=429": 2, "embodied_discord_invalid_requests_10m": 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("/metrics mismatch (-want +got):\n%s", diff)
	}
}
