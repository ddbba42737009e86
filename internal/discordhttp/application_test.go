package discordhttp_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/discordsim"
)

// CurrentApplication reads the bot's application over REST, flags and
// all, without a gateway session; Discord's error comes back as a
// RESTError.
func TestCurrentApplication(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{Shards: 2})
	sim.SeedSandbox()
	sim.SetPrivilegedIntents(discordgo.IntentsMessageContent)
	s, err := discordhttp.NewSession(sim.Token(), sim.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	app, err := discordhttp.CurrentApplication(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	type summary struct {
		ID, VerifyKey string
		Flags         discordhttp.ApplicationFlags
	}
	want := summary{sim.ApplicationID(), sim.PublicKeyHex(), discordhttp.FlagGatewayMessageContentLimited}
	if diff := cmp.Diff(want, summary{app.ID, app.VerifyKey, discordhttp.ApplicationFlags(app.Flags)}); diff != "" {
		t.Errorf("application mismatch (-want +got):\n%s", diff)
	}
	if ids := sim.Identifies(); len(ids) != 0 {
		t.Errorf("identified %d times, want none", len(ids))
	}

	sim.FailRoute(http.MethodGet, "/applications/@me", discordsim.Fault{Status: http.StatusForbidden})
	_, err = discordhttp.CurrentApplication(context.Background(), s)
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Response.StatusCode != http.StatusForbidden {
		t.Errorf("error = %v, want a 403 RESTError", err)
	}
}
