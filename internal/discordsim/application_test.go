package discordsim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/discordsim"
)

// The privileged intents' application flags.
const (
	flagPresenceLimited     = int(discordhttp.FlagGatewayPresenceLimited)
	flagGuildMembers        = int(discordhttp.FlagGatewayGuildMembers)
	flagGuildMembersLimited = int(discordhttp.FlagGatewayGuildMembersLimited)
	flagContent             = int(discordhttp.FlagGatewayMessageContent)
	flagContentLimited      = int(discordhttp.FlagGatewayMessageContentLimited)
)

// Get Current Application answers the application the token belongs to,
// its flags following the portal's Privileged Gateway Intents toggles:
// the _LIMITED flags for a bot in fewer than 100 guilds, the full ones
// from 100 guilds on (which Discord allows only a verified bot).
func TestCurrentApplicationFlags(t *testing.T) {
	none, content, members := discordgo.Intent(0), discordgo.IntentsMessageContent, discordgo.IntentsGuildMembers
	both := content | members
	tests := []struct {
		name   string
		portal *discordgo.Intent
		guilds int
		want   int
	}{
		{"all three by default", nil, 1, flagPresenceLimited | flagGuildMembersLimited | flagContentLimited},
		{"none", &none, 1, 0},
		{"message content", &content, 1, flagContentLimited},
		{"server members", &members, 1, flagGuildMembersLimited},
		{"no guild yet", &both, 0, flagGuildMembersLimited | flagContentLimited},
		{"99 guilds", &content, 99, flagContentLimited},
		{"100 guilds: verified", &both, 100, flagGuildMembers | flagContent},
		{"verified, none enabled", &none, 100, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := discordsim.NewTest(t, discordsim.Options{PrivilegedIntents: tt.portal})
			for i := range tt.guilds {
				sim.CreateGuild(fmt.Sprintf("guild-%d", i), discordsim.UserSpec{Username: fmt.Sprintf("owner-%d", i)})
			}
			app := getApplication(t, sim, sim.Token(), http.StatusOK)
			if diff := cmp.Diff(tt.want, app.Flags); diff != "" {
				t.Errorf("flags mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// The application is the bot's: its id, its bot user, the public key the
// interactions endpoint signs with; a portal toggle switched later shows
// at once; a wrong token is 401.
func TestCurrentApplication(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	sim.SeedSandbox()
	app := getApplication(t, sim, sim.Token(), http.StatusOK)
	type summary struct {
		ID, Name, VerifyKey, BotID string
		BotPublic, CodeGrant       bool
		HasOwner                   bool
		Flags                      int
	}
	got := summary{app.ID, app.Name, app.VerifyKey, app.Bot.ID, app.BotPublic, app.BotRequireCodeGrant, app.Owner != nil && app.Owner.ID != "", app.Flags}
	want := summary{sim.ApplicationID(), "embodied", sim.PublicKeyHex(), sim.ApplicationID(), true, false, true,
		flagPresenceLimited | flagGuildMembersLimited | flagContentLimited}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("application mismatch (-want +got):\n%s", diff)
	}

	sim.SetPrivilegedIntents(discordgo.IntentsGuildMembers)
	if got := getApplication(t, sim, sim.Token(), http.StatusOK).Flags; got != flagGuildMembersLimited {
		t.Errorf("flags after switching Message Content off = %#x, want %#x", got, flagGuildMembersLimited)
	}
	getApplication(t, sim, "wrong", http.StatusUnauthorized)
	if v := sim.TakeViolations(); len(v) != 1 || v[0].Rule != "unauthorized" {
		t.Errorf("violations = %v, want the wrong token's", v)
	}
}

// application is the part of the Application object the tests read.
type application struct {
	ID                  string          `json:"id"`
	Name                string          `json:"name"`
	VerifyKey           string          `json:"verify_key"`
	BotPublic           bool            `json:"bot_public"`
	BotRequireCodeGrant bool            `json:"bot_require_code_grant"`
	Bot                 discordgo.User  `json:"bot"`
	Owner               *discordgo.User `json:"owner"`
	Flags               int             `json:"flags"`
}

// getApplication calls GET /applications/@me with token and checks the status.
func getApplication(t *testing.T, sim *discordsim.Server, token string, status int) application {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, sim.URL()+"/api/v10/applications/@me", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bot "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != status {
		t.Fatalf("GET /applications/@me: status %d, want %d", resp.StatusCode, status)
	}
	var app application
	if status == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&app); err != nil {
			t.Fatal(err)
		}
	}
	return app
}
