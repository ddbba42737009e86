package discordsim_test

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/discordsim"
)

// A test starts the emulator, connects the bot's real Session to it, and has a member
// run a slash command. In tests use discordsim.NewTest(t, opts) instead of New.
func Example() {
	sim, _ := discordsim.New(discordsim.Options{})
	defer sim.Close()
	alice := sim.SeedSandbox().MemberByName("alice")

	s, _ := discordhttp.NewSession(sim.Token(), sim.URL(), nil)
	s.AddHandler(func(s *discordgo.Session, i *discordgo.InteractionCreate) {
		_ = s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Content: "pong", Flags: discordgo.MessageFlagsEphemeral}})
	})
	_, _ = s.ApplicationCommandCreate(sim.ApplicationID(), "", &discordgo.ApplicationCommand{Name: "ping", Description: "Replies pong"})
	_ = s.Open()
	defer s.Close()

	ix, err := sim.Run(context.Background(), alice, "/ping")
	fmt.Println(ix.Content(), ix.Ephemeral(), err, len(sim.Violations()))
	// Output: pong true <nil> 0
}
