package discordsim_test

import (
	"fmt"
	"time"

	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/discordsim"
)

// With Options.RateLimits the emulator enforces Discord's limits; here a
// channel's messages take two per second. The bot's Session reads the
// headers and waits instead of sending into the exhausted bucket, so five
// messages get no 429 and no violation.
func ExampleRateLimits() {
	sim, _ := discordsim.New(discordsim.Options{RateLimits: &discordsim.RateLimits{Routes: []discordsim.RouteLimit{
		{Bucket: "posts", Routes: []string{"POST /channels/{channel_id}/messages"}, Limit: 2, Per: time.Second},
	}}})
	defer sim.Close()
	g := sim.SeedSandbox()

	s, _ := discordhttp.NewSession(sim.Token(), sim.URL(), nil)
	defer s.Client.CloseIdleConnections()
	for i := range 5 {
		_, _ = s.ChannelMessageSend(g.ChannelID, fmt.Sprint("message ", i))
	}
	fmt.Println(len(sim.ChannelMessages(g.ChannelID)), sim.RateLimited(), len(sim.Violations()), sim.InvalidRequests())
	// Output: 5 map[] 0 map[]
}
