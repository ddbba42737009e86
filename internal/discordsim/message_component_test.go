package discordsim_test

import (
	"errors"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordsim"
)

// A button on a message the bot posted in a channel (not an interaction
// response) sends a component interaction that carries the message, in its
// channel; an update response, or an edit of @original after a deferred
// update, edits the posted message itself.
func TestClickMessage(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	seen := make(chan string, 2)
	b := startBot(t, sim, func(s *discordgo.Session, i *discordgo.InteractionCreate) {
		if i.Type != discordgo.InteractionMessageComponent {
			return
		}
		seen <- i.Message.ID + " " + i.ChannelID + " " + i.Member.User.ID
		none := []discordgo.MessageComponent{}
		switch i.MessageComponentData().CustomID {
		case "now":
			_ = s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage,
				Data: &discordgo.InteractionResponseData{Content: "done now", Components: none}})
		case "later":
			_ = s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate})
			content := "done later"
			_, _ = s.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: &content, Components: &none})
		}
	})
	post := func(id string) *discordgo.Message {
		m, err := b.ChannelMessageSendComplex(g.ChannelID, &discordgo.MessageSend{Content: "pending",
			Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
				discordgo.Button{CustomID: id, Label: "Go", Style: discordgo.DangerButton}}}}})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	admin := g.MemberByName("admin")
	for _, id := range []string{"now", "later"} {
		m := post(id)
		if _, err := sim.ClickMessage(ctx(t), admin, g.ChannelID, m.ID, id); err != nil {
			t.Fatalf("click %s: %v", id, err)
		}
		if got, want := <-seen, m.ID+" "+g.ChannelID+" "+admin.ID(); got != want {
			t.Errorf("%s: interaction %q, want message, channel and clicker %q", id, got, want)
		}
		var got []string
		for _, x := range sim.ChannelMessages(g.ChannelID) {
			if x.ID == m.ID {
				got = append(got, x.Content)
				if len(x.Components) != 0 {
					t.Errorf("%s: the button is still there", id)
				}
			}
		}
		if diff := cmp.Diff([]string{"done " + id}, got); diff != "" {
			t.Errorf("%s: posted message mismatch (-want +got):\n%s", id, diff)
		}
		// The button is gone: a member cannot click it again.
		if _, err := sim.ClickMessage(ctx(t), admin, g.ChannelID, m.ID, id); !errors.Is(err, discordsim.ErrNoComponent) {
			t.Errorf("%s: second click: %v, want ErrNoComponent", id, err)
		}
	}
}
