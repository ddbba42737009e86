package discordsim_test

import (
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/discordsim"
)

// A message's components come back in every REST answer, as Discord's
// message object carries them: Create Message, Get Channel Message and Get
// Channel Messages.
func TestMessageComponentsOnTheWire(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	b := startBot(t, sim, func(*discordgo.Session, *discordgo.InteractionCreate) {})
	posted, err := b.ChannelMessageSendComplex(g.ChannelID, &discordgo.MessageSend{Content: "x",
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{CustomID: "a", Label: "Go", Style: discordgo.DangerButton}}}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.ChannelMessage(g.ChannelID, posted.ID)
	if err != nil {
		t.Fatal(err)
	}
	list, err := b.ChannelMessages(g.ChannelID, 10, "", "", "")
	if err != nil || len(list) == 0 {
		t.Fatalf("list messages: %v, %d", err, len(list))
	}
	for name, m := range map[string]*discordgo.Message{"create": posted, "get": got, "list": list[0]} {
		if len(m.Components) != 1 {
			t.Errorf("%s: %d component rows, want 1", name, len(m.Components))
			continue
		}
		row, ok := m.Components[0].(*discordgo.ActionsRow)
		if !ok || len(row.Components) != 1 {
			t.Errorf("%s: first row %#v", name, m.Components[0])
			continue
		}
		if btn, ok := row.Components[0].(*discordgo.Button); !ok || btn.CustomID != "a" || btn.Label != "Go" {
			t.Errorf("%s: button %#v", name, row.Components[0])
		}
	}
}
