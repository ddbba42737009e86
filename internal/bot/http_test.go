package bot

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/view"
)

// An interaction delivered over HTTP answers in the HTTP response, which
// cannot carry files: a reply with a file is deferred there and sent over
// the interaction webhook; one without goes in the answer as it is.
func TestInlineAnswerDefersFiles(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		reply     middleware.Response
		wantTypes []discordgo.InteractionResponseType
		wantFiles int
	}{
		{name: "text", reply: middleware.Response{Content: "Done."},
			wantTypes: []discordgo.InteractionResponseType{discordgo.InteractionResponseChannelMessageWithSource}},
		{name: "file", reply: middleware.Response{Content: "Your export.", Ephemeral: true, Files: []view.File{{Name: "export.json", ContentType: "application/json", Reader: strings.NewReader("{}")}}},
			wantTypes: []discordgo.InteractionResponseType{discordgo.InteractionResponseDeferredChannelMessageWithSource}, wantFiles: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			sim := discordsim.NewTest(t, discordsim.Options{})
			member := sim.SeedSandbox().MemberByName("alice")
			var mu sync.Mutex
			var types []discordgo.InteractionResponseType
			done := make(chan error, 1)
			startSimSession(t, sim, func(s *discordgo.Session, i *discordgo.InteractionCreate) {
				// The HTTP answer, as the interactions endpoint writes it:
				// recorded, then handed to Discord (here: the callback route).
				answer := func(ctx context.Context, resp *discordgo.InteractionResponse) error {
					mu.Lock()
					types = append(types, resp.Type)
					mu.Unlock()
					if resp.Data != nil && len(resp.Data.Files) > 0 {
						t.Errorf("files in the HTTP answer")
					}
					return discordhttp.Respond(ctx, s, i.Interaction, resp)
				}
				r := newResponder(s, i.Interaction, false, initial{send: answer, inline: true})
				defer r.stop()
				done <- r.Respond(ctx, c.reply)
			})
			ix, err := sim.Run(ctx, member, "/slow")
			if err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatalf("responder: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff(c.wantTypes, types); diff != "" {
				t.Errorf("initial responses mismatch (-want +got):\n%s", diff)
			}
			if got := []any{ix.Content(), ix.Ephemeral(), len(ix.Files())}; !cmp.Equal(got, []any{c.reply.Content, c.reply.Ephemeral, c.wantFiles}) {
				t.Errorf("member sees %v, want [%q %v %d]", got, c.reply.Content, c.reply.Ephemeral, c.wantFiles)
			}
		})
	}
}
