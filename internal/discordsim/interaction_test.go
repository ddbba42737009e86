package discordsim_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordsim"
)

// flow exercises deferral, follow-ups with files, edits, buttons, selects and modals.
func flow(s *discordgo.Session, i *discordgo.InteractionCreate) {
	respond := func(r *discordgo.InteractionResponse) { _ = s.InteractionRespond(i.Interaction, r) }
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		switch i.ApplicationCommandData().Name {
		case "ping":
			respond(&discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{
				Content: "pong",
				Components: []discordgo.MessageComponent{
					discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.Button{CustomID: "why", Label: "Why?", Style: discordgo.PrimaryButton}}},
					discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.SelectMenu{CustomID: "pick", Options: []discordgo.SelectMenuOption{{Label: "A", Value: "a"}, {Label: "B", Value: "b"}}}}},
				},
			}})
		case "submit-stats":
			respond(&discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}})
			d := i.ApplicationCommandData()
			att := d.Resolved.Attachments[d.Options[0].Value.(string)]
			resp, err := http.Get(att.URL)
			if err != nil {
				return
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			_, _ = s.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: "got " + string(data),
				Files: []*discordgo.File{{Name: "report.txt", Reader: bytes.NewReader([]byte("report:" + string(data)))}}})
			_, _ = s.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: "second"})
		}
	case discordgo.InteractionMessageComponent:
		d := i.MessageComponentData()
		switch d.CustomID {
		case "why":
			respond(&discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: &discordgo.InteractionResponseData{
				CustomID: "reason-modal", Title: "Tell us",
				Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
					discordgo.TextInput{CustomID: "reason", Label: "Reason", Style: discordgo.TextInputShort, Required: true, MaxLength: 100}}}},
			}})
		case "pick":
			respond(&discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage, Data: &discordgo.InteractionResponseData{Content: "picked " + strings.Join(d.Values, ","), Components: []discordgo.MessageComponent{}}})
		}
	case discordgo.InteractionModalSubmit:
		d := i.ModalSubmitData()
		value := d.Components[0].(*discordgo.ActionsRow).Components[0].(*discordgo.TextInput).Value
		respond(&discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
		content := "thanks: " + value
		_, _ = s.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: &content})
	}
}

func TestComponentsModalsAndFollowups(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	startBot(t, sim, flow)
	alice, bob := g.MemberByName("alice"), g.MemberByName("bob")

	ping, err := sim.Run(ctx(t), alice, "/ping")
	if err != nil {
		t.Fatal(err)
	}
	orig := ping.Original()
	why, err := sim.Click(ctx(t), bob, orig, "why")
	if err != nil {
		t.Fatal(err)
	}
	modal := why.Modal()
	if modal == nil || modal.Title != "Tell us" {
		t.Fatalf("modal = %+v", modal)
	}
	if _, err := sim.SubmitModal(ctx(t), bob, modal, map[string]string{"nope": "x"}); !errors.Is(err, discordsim.ErrInvalidOption) {
		t.Errorf("unknown input: err = %v", err)
	}
	sub, err := sim.SubmitModal(ctx(t), bob, modal, map[string]string{"reason": "because"})
	if err != nil {
		t.Fatal(err)
	}
	if sub.Content() != "thanks: because" {
		t.Errorf("modal reply = %q", sub.Content())
	}
	if _, err := sim.Click(ctx(t), bob, orig, "missing"); !errors.Is(err, discordsim.ErrNoComponent) {
		t.Errorf("missing button: err = %v", err)
	}
	if _, err := sim.Select(ctx(t), alice, orig, "pick", "z"); !errors.Is(err, discordsim.ErrInvalidOption) {
		t.Errorf("bad select value: err = %v", err)
	}
	pick, err := sim.Select(ctx(t), alice, orig, "pick", "b")
	if err != nil {
		t.Fatal(err)
	}
	if pick.Content() != "picked b" || ping.Content() != "picked b" {
		t.Errorf("after select: component reply %q, original %q", pick.Content(), ping.Content())
	}

	stats, err := sim.Run(ctx(t), alice, "/submit-stats", discordsim.Attachment("file", "stats.csv", []byte("a,b")), discordsim.Int("amount", 100), discordsim.WaitFollowups(2))
	if err != nil {
		t.Fatal(err)
	}
	if r := stats.Response(); r.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource || !stats.Ephemeral() {
		t.Errorf("response %+v ephemeral %v, want an ephemeral deferral", r, stats.Ephemeral())
	}
	var contents []string
	for _, m := range stats.Messages() {
		contents = append(contents, m.Content)
	}
	if diff := cmp.Diff([]string{"got a,b", "second"}, contents); diff != "" {
		t.Errorf("messages mismatch (-want +got):\n%s", diff)
	}
	files := stats.Files()
	if len(files) != 1 || files[0].Name != "report.txt" || string(files[0].Data) != "report:a,b" {
		t.Errorf("files = %+v", files)
	}
}

func TestDMInvocation(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	var gotUser, gotGuild string
	done := make(chan struct{}, 1)
	startBot(t, sim, func(s *discordgo.Session, i *discordgo.InteractionCreate) {
		if i.User != nil {
			gotUser = i.User.ID
		}
		gotGuild = i.GuildID
		done <- struct{}{}
		echo(s, i)
	})
	u := sim.User(discordsim.UserSpec{Username: "carol"})
	ix, err := sim.RunDM(ctx(t), u, "/ping")
	if err != nil {
		t.Fatal(err)
	}
	<-done
	if ix.Content() != "ping" || gotUser != u.ID() || gotGuild != "" {
		t.Errorf("content %q, user %q, guild %q", ix.Content(), gotUser, gotGuild)
	}
}

func TestShardRouting(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{Shards: 2, MaxConcurrency: 2})
	var guilds []*discordsim.Guild
	for _, name := range []string{"one", "two", "three", "four"} {
		guilds = append(guilds, sim.CreateGuild(name, discordsim.UserSpec{Username: name + "-owner"}))
	}
	bots := make([]*bot, 2)
	for shard := range bots {
		bots[shard] = startShard(t, sim, shard, 2)
	}
	for _, g := range guilds {
		ix, err := sim.Run(ctx(t), g.Owner(), "/ping")
		if err != nil {
			t.Fatal(err)
		}
		var id uint64
		for _, c := range g.ID {
			id = id*10 + uint64(c-'0')
		}
		want := int(id >> 22 % 2)
		for shard, b := range bots {
			if got := b.deliveries()[ix.ID]; (shard == want) != (got == 1) {
				t.Errorf("guild %s (shard %d): shard %d got %d deliveries", g.Name, want, shard, got)
			}
		}
	}
}

func startShard(t *testing.T, sim *discordsim.Server, shard, count int) *bot {
	t.Helper()
	b := startBotWith(t, sim, echo, func(s *discordgo.Session) { s.ShardID, s.ShardCount = shard, count })
	return b
}

func TestUploadLimit(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{AttachmentSizeLimit: 10})
	g := sim.SeedSandbox()
	errs := make(chan error, 1)
	startBot(t, sim, func(s *discordgo.Session, i *discordgo.InteractionCreate) {
		errs <- s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Content: "report", Files: []*discordgo.File{{Name: "big.bin", Reader: bytes.NewReader(make([]byte, 11))}}}})
	})
	_, err := sim.Run(ctx(t), g.MemberByName("alice"), "/ping")
	if !errors.Is(err, discordsim.ErrNoResponse) {
		t.Errorf("Run error = %v, want ErrNoResponse", err)
	}
	assertCode(t, "file over the limit", <-errs, discordsim.CodeRequestTooLarge)
	if v := sim.TakeViolations(); len(v) != 1 || v[0].Rule != "limit" || v[0].Status != 413 {
		t.Errorf("violations = %v", v)
	}
}
