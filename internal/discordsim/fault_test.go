package discordsim_test

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/embodied-community/embodied/internal/discordsim"
)

func TestGatewayFaultsLoseNoInteraction(t *testing.T) {
	// discordgo identifies again at once after a non-resumable op 9.
	sim := discordsim.NewTest(t, discordsim.Options{IdentifyInterval: time.Millisecond})
	g := sim.SeedSandbox()
	b := startBot(t, sim, echo)
	alice := g.MemberByName("alice")
	faults := []struct {
		name  string
		fault func()
	}{
		{"drop (RESUME with replay)", sim.DropConnections},
		{"op 7 reconnect", sim.SendReconnect},
		{"op 9 invalid session, not resumable", func() { sim.SendInvalidSession(false) }},
		{"op 9 invalid session, resumable", func() { sim.SendInvalidSession(true) }},
	}
	var ids []string
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			f.fault()
			// Delivered right away, possibly while the bot is disconnected.
			ix, err := sim.Run(ctx(t), alice, "/ping")
			if err != nil {
				t.Fatal(err)
			}
			if ix.Content() != "ping" {
				t.Errorf("content = %q, want %q", ix.Content(), "ping")
			}
			ids = append(ids, ix.ID)
		})
	}
	got := b.deliveries()
	for _, id := range ids {
		if got[id] != 1 {
			t.Errorf("interaction %s delivered %d times, want once", id, got[id])
		}
	}
}

func TestZombieConnectionResumes(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{HeartbeatInterval: 40 * time.Millisecond})
	g := sim.SeedSandbox()
	startBot(t, sim, echo)
	before := sim.GatewayConnects()
	sim.StopHeartbeatACKs(true)
	// The connection that replaces the zombie gets Discord's usual interval, so
	// a loaded machine cannot zombie it again before the test ends.
	sim.SetHeartbeatInterval(41250 * time.Millisecond)
	deadline := time.Now().Add(10 * time.Second)
	for sim.GatewayConnects() == before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	sim.StopHeartbeatACKs(false)
	if sim.GatewayConnects() == before {
		t.Fatal("client never reconnected without heartbeat ACKs")
	}
	if _, err := sim.Run(ctx(t), g.MemberByName("bob"), "/ping"); err != nil {
		t.Fatal(err)
	}
}

func TestRateLimitedCallbackIsRetriedInTime(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	startBot(t, sim, echo)
	const callback = "/interactions/{interaction_id}/{interaction_token}/callback"
	sim.FailRoute("POST", callback, discordsim.Fault{Status: 429, RetryAfter: 0.25, Count: 1})
	ix, err := sim.Run(ctx(t), g.MemberByName("alice"), "/ping")
	if err != nil {
		t.Fatal(err)
	}
	if l := ix.AckLatency(); l < 250*time.Millisecond || l > 3*time.Second {
		t.Errorf("ack latency %v, want between retry_after and 3s", l)
	}
	var statuses []int
	for _, r := range sim.Requests() {
		if r.Route == "POST "+callback {
			statuses = append(statuses, r.Status)
		}
	}
	if diff := cmp.Diff([]int{429, 204}, statuses); diff != "" {
		t.Errorf("callback statuses mismatch (-want +got):\n%s", diff)
	}
}

func TestBadGatewayIsRetried(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	b := startBot(t, sim, nil)
	sim.FailRoute("POST", "/channels/*/messages", discordsim.Fault{Status: 502, Count: 1})
	if _, err := b.ChannelMessageSend(g.ChannelID, "hello"); err != nil {
		t.Fatal(err)
	}
	if msgs := sim.ChannelMessages(g.ChannelID); len(msgs) != 1 || msgs[0].Content != "hello" {
		t.Errorf("channel messages = %+v", msgs)
	}
}

func TestRefusedDMs(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	b := startBot(t, sim, nil)
	alice, bob := g.MemberByName("alice"), g.MemberByName("bob")
	sim.RefuseDMs(alice.ID())
	for _, m := range []*discordsim.Member{alice, bob} {
		ch, err := b.UserChannelCreate(m.ID())
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.ChannelMessageSend(ch.ID, "You have been warned")
		var re *discordgo.RESTError
		switch {
		case m == alice && !(errors.As(err, &re) && re.Message != nil && re.Message.Code == discordgo.ErrCodeCannotSendMessagesToThisUser):
			t.Errorf("DM to alice: err = %v, want RESTError 50007", err)
		case m == bob && err != nil:
			t.Errorf("DM to bob: %v", err)
		}
	}
	if dms := sim.DMs(bob.ID()); len(dms) != 1 || dms[0].Content != "You have been warned" {
		t.Errorf("bob's DMs = %+v", dms)
	}
	if dms := sim.DMs(alice.ID()); len(dms) != 0 {
		t.Errorf("alice's DMs = %+v, want none", dms)
	}
}

func TestMalformedRequestsAreReported(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	respondErr := make(chan error, 1)
	b := startBot(t, sim, func(s *discordgo.Session, i *discordgo.InteractionCreate) {
		big := strings.Repeat("x", 3500)
		respondErr <- s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Embeds: []*discordgo.MessageEmbed{{Description: big}, {Description: big}}},
		})
	})
	_, err := b.RequestWithBucketID("POST", discordgo.EndpointChannelMessages(g.ChannelID), map[string]any{"content": 5}, "")
	assertCode(t, "wrong type", err, discordsim.CodeInvalidFormBody)
	_, err = b.RequestWithBucketID("GET", discordgo.EndpointGuild(g.ID)+"/no-such-thing", nil, "")
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Response.StatusCode != 404 {
		t.Errorf("unknown route: err = %v, want 404", err)
	}
	_, runErr := sim.Run(ctx(t), g.MemberByName("alice"), "/ping")
	assertCode(t, "embed over 6000", <-respondErr, discordsim.CodeInvalidFormBody)
	if !errors.Is(runErr, discordsim.ErrNoResponse) {
		t.Errorf("Run error = %v, want ErrNoResponse", runErr)
	}

	want := []discordsim.Violation{
		{Route: "POST /channels/{channel_id}/messages", Rule: "schema", SchemaPath: "#/components/schemas/MessageCreateRequest/properties/content/type", InstancePath: "/content", Status: 400, Code: 50035},
		{Route: "GET /guilds/" + g.ID + "/no-such-thing", Rule: "unknown-route", Status: 404, Code: 0},
		{Route: "POST /interactions/{interaction_id}/{interaction_token}/callback", Rule: "limit", SchemaPath: "#/x-discord-limits/embeds/total-6000", InstancePath: "/embeds", Status: 400, Code: 50035},
	}
	got := sim.TakeViolations()
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(discordsim.Violation{}, "Path", "Message", "Time")); diff != "" {
		t.Errorf("violations mismatch (-want +got):\n%s", diff)
	}
}

func assertCode(t *testing.T, what string, err error, code int) {
	t.Helper()
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Message == nil || re.Message.Code != code {
		t.Errorf("%s: err = %v, want Discord error code %d", what, err, code)
	}
}

func TestClockRules(t *testing.T) {
	clk := discordsim.NewManualClock(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	sim := discordsim.NewTest(t, discordsim.Options{Clock: clk})
	g := sim.SeedSandbox()
	started, proceed := make(chan struct{}), make(chan struct{})
	errs := make(chan error, 4)
	var mode atomic.Value
	mode.Store("late")
	startBot(t, sim, func(s *discordgo.Session, i *discordgo.InteractionCreate) {
		reply := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Content: "ok"}}
		switch mode.Load() {
		case "late":
			started <- struct{}{}
			<-proceed
			errs <- s.InteractionRespond(i.Interaction, reply)
		case "expired":
			errs <- s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
			started <- struct{}{}
			<-proceed
			_, err := s.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: "too late"})
			errs <- err
		case "double":
			errs <- s.InteractionRespond(i.Interaction, reply)
			errs <- s.InteractionRespond(i.Interaction, reply)
		}
	})
	alice := g.MemberByName("alice")

	// Late: the clock passes 3 s before the bot answers.
	runErr := make(chan error, 1)
	go func() { _, err := sim.Run(ctx(t), alice, "/ping"); runErr <- err }()
	<-started
	clk.Advance(3*time.Second + time.Millisecond)
	proceed <- struct{}{}
	assertCode(t, "late ack", <-errs, discordsim.CodeUnknownInteraction)
	if err := <-runErr; !errors.Is(err, discordsim.ErrFailed) {
		t.Errorf("late: Run error = %v, want ErrFailed", err)
	}

	// Expired: a follow-up 15 minutes after the interaction.
	mode.Store("expired")
	go func() { _, err := sim.Run(ctx(t), alice, "/ping"); runErr <- err }()
	<-started
	if err := <-errs; err != nil {
		t.Fatalf("defer: %v", err)
	}
	clk.Advance(15*time.Minute + time.Second)
	proceed <- struct{}{}
	assertCode(t, "expired token", <-errs, discordsim.CodeInvalidWebhookToken)
	if err := <-runErr; !errors.Is(err, discordsim.ErrFailed) {
		t.Errorf("expired: Run error = %v, want ErrFailed", err)
	}

	// Double: a second acknowledgement.
	mode.Store("double")
	if _, err := sim.Run(ctx(t), alice, "/ping"); err != nil {
		t.Fatal(err)
	}
	if err := <-errs; err != nil {
		t.Fatalf("first ack: %v", err)
	}
	assertCode(t, "double ack", <-errs, discordsim.CodeAlreadyAcknowledged)

	var rules []string
	for _, v := range sim.TakeViolations() {
		rules = append(rules, v.Rule)
	}
	if diff := cmp.Diff([]string{"late-ack", "token-expired", "double-ack"}, rules); diff != "" {
		t.Errorf("violation rules mismatch (-want +got):\n%s", diff)
	}
}
