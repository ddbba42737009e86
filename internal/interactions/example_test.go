package interactions_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http/httptest"

	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/interactions"
)

// The emulator checks an endpoint as Discord does when its URL is saved in
// the Developer Portal: a signed PING gets PONG, a forged one 401.
func Example() {
	sim, err := discordsim.New(discordsim.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sim.Close()
	key, _ := hex.DecodeString(sim.PublicKeyHex()) // DISCORD_PUBLIC_KEY
	endpoint := httptest.NewServer(interactions.New(interactions.Options{PublicKey: key}))
	defer endpoint.Close()

	sim.SetInteractionsEndpoint(endpoint.URL)
	fmt.Println("validated:", sim.ValidateEndpoint(context.Background()))
	forged, _ := sim.PostForged(context.Background(), []byte(`{"type":1}`))
	fmt.Printf("forged: %d %s", forged.Status, forged.Body)
	// Output:
	// validated: <nil>
	// forged: 401 invalid request signature
}
