package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/command"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/store"
)

// reportMessage has member use "Report message" on msg and, when the bot
// opens the modal, submit reason; it returns what the member saw last.
func reportMessage(h *apptest.Harness, member *discordsim.Member, msg *discordgo.Message, reason string) *discordsim.Interaction {
	h.T.Helper()
	ix := openReport(h, member, msg)
	if ix.Modal() == nil {
		return ix
	}
	return submitReport(h, member, ix, reason)
}

func openReport(h *apptest.Harness, member *discordsim.Member, msg *discordgo.Message) *discordsim.Interaction {
	h.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ix, err := h.Sim.RunMessageCommand(ctx, member, "Report message", msg.ChannelID, msg.ID)
	if err != nil {
		h.T.Fatalf("%s reports message %s: %v", member.User.Username, msg.ID, err)
	}
	return ix
}

func submitReport(h *apptest.Harness, member *discordsim.Member, ix *discordsim.Interaction, reason string) *discordsim.Interaction {
	h.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sub, err := h.Sim.SubmitModal(ctx, member, ix.Modal(), map[string]string{"reason": reason})
	if err != nil {
		h.T.Fatalf("%s submits the report: %v", member.User.Username, err)
	}
	return sub
}

// queue is the review queue as the moderator sees it: the embed's fields.
func queue(h *apptest.Harness) (*discordsim.Interaction, []*discordgo.MessageEmbedField) {
	h.T.Helper()
	h.Clock.Advance(time.Minute) // below /security flags' rate limit
	ix := h.Run(h.Moderator, "/security flags")
	if len(ix.Embeds()) == 0 {
		h.T.Fatalf("no queue: %q", ix.Content())
	}
	return ix, ix.Embeds()[0].Fields
}

// Alice reports Bob's message with a reason: it lands in the review queue
// with the message, the reporter, the reason and jump links, Alice is
// thanked privately, and Bob learns nothing: no DM, no message, not in his
// data export.
func TestReportMessage(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	if h.App.Session.Identify.Intents&discordgo.IntentMessageContent != 0 {
		t.Fatal("the bot asks for the Message Content intent: this test shows reports work without it")
	}
	channel := h.Guild.AddChannel("off-topic")
	msg := h.Sim.Say(h.Bob, channel, "you are a clown and everyone knows it")

	ix := openReport(h, h.Alice, msg)
	m := ix.Modal()
	if m == nil {
		t.Fatalf("no modal: %q", ix.Content())
	}
	input := m.Components[0].(*discordgo.ActionsRow).Components[0].(*discordgo.TextInput)
	got := []any{m.Title, input.Label, input.Required, input.MinLength, input.MaxLength}
	if diff := cmp.Diff([]any{"Report a message", "Why are you reporting this?", true, 5, 1000}, got); diff != "" {
		t.Errorf("modal mismatch (-want +got):\n%s", diff)
	}
	sub := submitReport(h, h.Alice, ix, "He keeps insulting people here")
	if diff := cmp.Diff(command.MsgReportThanks, sub.Content()); diff != "" || !sub.Ephemeral() {
		t.Errorf("thank-you mismatch (ephemeral %v) (-want +got):\n%s", sub.Ephemeral(), diff)
	}

	var row [6]string
	if err := h.DB.App.QueryRow(context.Background(), `SELECT user_id, content_type, excerpt, channel_id || '/' || message_id,
		reporter_id, report_reason FROM content_flags`).Scan(&row[0], &row[1], &row[2], &row[3], &row[4], &row[5]); err != nil {
		t.Fatal(err)
	}
	want := [6]string{h.Bob.ID(), "message_report", "you are a clown and everyone knows it", channel + "/" + msg.ID, h.Alice.ID(), "He keeps insulting people here"}
	if diff := cmp.Diff(want, row); diff != "" {
		t.Errorf("flag mismatch (-want +got):\n%s", diff)
	}
	if n := h.Count(`SELECT count(*) FROM report_drafts`); n != 0 {
		t.Errorf("%d drafts left after the submit", n)
	}

	_, fields := queue(h)
	jump := fmt.Sprintf("[jump to message](https://discord.com/channels/%s/%s/%s) in <#%s> ([channel](https://discord.com/channels/%s/%s))",
		h.Guild.ID, channel, msg.ID, channel, h.Guild.ID, channel)
	for _, part := range []string{"report on a message"} {
		if !strings.Contains(fields[0].Name, part) {
			t.Errorf("queue entry name %q lacks %q", fields[0].Name, part)
		}
	}
	for _, part := range []string{"User: <@" + h.Bob.ID() + ">", jump, "deleted by the bot: no", "Reported by: <@" + h.Alice.ID() + ">",
		"Report: He keeps insulting people here", "> you are a clown and everyone knows it"} {
		if !strings.Contains(fields[0].Value, part) {
			t.Errorf("queue entry lacks %q:\n%s", part, fields[0].Value)
		}
	}

	// Bob sees nothing: no DM, nothing posted, nothing naming Alice.
	if dms := h.Sim.DMs(h.Bob.ID()); len(dms) != 0 {
		t.Errorf("Bob got DMs: %+v", dms)
	}
	if msgs := h.Sim.ChannelMessages(channel); len(msgs) != 1 {
		t.Errorf("%d messages in the channel, want Bob's alone", len(msgs))
	}
	h.Clock.Advance(time.Minute)
	export := string(exportFile(t, h.Run(h.Admin, "/security export-data", discordsim.User("user", h.Bob))).Data)
	for _, secret := range []string{h.Alice.ID(), "He keeps insulting people here"} {
		if strings.Contains(export, secret) {
			t.Errorf("Bob's export contains %q:\n%s", secret, export)
		}
	}
	h.Clock.Advance(time.Minute)
	own := string(exportFile(t, h.Run(h.Admin, "/security export-data", discordsim.User("user", h.Alice))).Data)
	if !strings.Contains(own, `"reportsFiled": [`) || !strings.Contains(own, "He keeps insulting people here") {
		t.Errorf("Alice's export does not list her report:\n%s", own)
	}
	if n := h.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'member-report' AND actor_id = $1 AND target_id IS NULL
		AND details->>'contentType' = 'message_report' AND NOT details::text LIKE '%insulting%'`, h.Alice.ID()); n != 1 {
		t.Errorf("%d audit records of the report without its reason, want 1", n)
	}
}

// Five reports in ten minutes are allowed; the sixth is refused, at the
// submit when the modals were opened before, and at once afterwards.
func TestReportRateLimit(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	var opened []*discordsim.Interaction
	for i := range command.ReportLimit + 1 {
		opened = append(opened, openReport(h, h.Alice, h.Sim.Say(h.Bob, "", fmt.Sprintf("spam %d", i))))
	}
	for i, ix := range opened {
		got := submitReport(h, h.Alice, ix, "spamming the channel").Content()
		want := command.MsgReportThanks
		if i == command.ReportLimit {
			want = command.MsgReportLimit
		}
		if got != want {
			t.Errorf("report %d: reply %q, want %q", i+1, got, want)
		}
	}
	if got := openReport(h, h.Alice, h.Sim.Say(h.Bob, "", "more spam")).Content(); got != command.MsgReportLimit {
		t.Errorf("a report after the limit: reply %q, want %q", got, command.MsgReportLimit)
	}
	if n := h.Count(`SELECT count(*) FROM content_flags WHERE reporter_id = $1`, h.Alice.ID()); n != command.ReportLimit {
		t.Errorf("%d reports filed, want %d", n, command.ReportLimit)
	}
	// Bob's limit is his own.
	if got := reportMessage(h, h.Bob, h.Sim.Say(h.Alice, "", "bob smells"), "rude to me").Content(); got != command.MsgReportThanks {
		t.Errorf("another member's report: %q", got)
	}
}

// A reporter whose reports moderators keep dismissing is marked in the
// queue, for the moderators only.
func TestReportOftenDismissedReporter(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	for i := range command.DismissedMark {
		reportMessage(h, h.Alice, h.Sim.Say(h.Bob, "", fmt.Sprintf("hello %d", i)), "I do not like him")
		ix, _ := queue(h)
		h.Clock.Advance(time.Minute)
		h.Click(h.Moderator, ix.Original(), apptest.CustomIDs(ix.Original())[0]) // Dismiss
	}
	reportMessage(h, h.Alice, h.Sim.Say(h.Bob, "", "good morning"), "again")
	reportMessage(h, h.Bob, h.Sim.Say(h.Alice, "", "you are a clown"), "insult")
	_, fields := queue(h)
	if len(fields) != 2 {
		t.Fatalf("%d entries in the queue, want 2", len(fields))
	}
	mark := fmt.Sprintf("Reported by: <@%s> ⚠️ often dismissed: %d of their last %d reviewed reports", h.Alice.ID(), command.DismissedMark, command.DismissedMark)
	if !strings.Contains(fields[0].Value, mark) {
		t.Errorf("Alice's report is not marked %q:\n%s", mark, fields[0].Value)
	}
	if strings.Contains(fields[1].Value, "often dismissed") {
		t.Errorf("Bob's report is marked:\n%s", fields[1].Value)
	}
}

// "Report user" reports a member without a message; reporting oneself, a
// bot or the bot's own message is refused with a clear message.
func TestReportUser(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ix, err := h.Sim.RunUserCommand(ctx, h.Alice, "Report user", h.Bob)
	if err != nil {
		t.Fatal(err)
	}
	if m := ix.Modal(); m == nil || m.Title != "Report bob" {
		t.Fatalf("modal %+v, reply %q", m, ix.Content())
	}
	if got := submitReport(h, h.Alice, ix, "sends me threats in DMs").Content(); got != command.MsgReportThanks {
		t.Errorf("reply %q", got)
	}
	var user, contentType, reporter string
	var channel *string
	if err := h.DB.App.QueryRow(ctx, `SELECT user_id, content_type, reporter_id, channel_id FROM content_flags`).
		Scan(&user, &contentType, &reporter, &channel); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{h.Bob.ID(), "user_report", h.Alice.ID()}, []string{user, contentType, reporter}); diff != "" || channel != nil {
		t.Errorf("flag mismatch (channel %v) (-want +got):\n%s", channel, diff)
	}
	_, fields := queue(h)
	if !strings.Contains(fields[0].Name, "report on a member") || !strings.Contains(fields[0].Value, "Report: sends me threats in DMs") {
		t.Errorf("queue entry %q: %q", fields[0].Name, fields[0].Value)
	}

	other := h.Guild.AddMember(discordsim.UserSpec{Username: "otherbot", Bot: true})
	refusals := []struct {
		name string
		run  func() (*discordsim.Interaction, error)
		want string
	}{
		{"oneself", func() (*discordsim.Interaction, error) {
			return h.Sim.RunUserCommand(ctx, h.Alice, "Report user", h.Alice)
		},
			command.MsgReportSelf},
		{"a member already reported", func() (*discordsim.Interaction, error) {
			return h.Sim.RunUserCommand(ctx, h.Alice, "Report user", h.Bob)
		}, command.MsgReportPending},
		{"a bot", func() (*discordsim.Interaction, error) {
			return h.Sim.RunUserCommand(ctx, h.Alice, "Report user", other)
		},
			command.MsgReportBot},
		{"one's own message", func() (*discordsim.Interaction, error) {
			m := h.Sim.Say(h.Alice, "", "my own words")
			return h.Sim.RunMessageCommand(ctx, h.Alice, "Report message", m.ChannelID, m.ID)
		}, command.MsgReportSelf},
		{"the bot's message", func() (*discordsim.Interaction, error) {
			m := h.Sim.Say(h.Guild.Bot(), "", "Welcome to the server!")
			return h.Sim.RunMessageCommand(ctx, h.Alice, "Report message", m.ChannelID, m.ID)
		}, command.MsgReportOwnMessage},
	}
	for _, r := range refusals {
		ix, err := r.run()
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if ix.Modal() != nil || ix.Content() != r.want || !ix.Ephemeral() {
			t.Errorf("reporting %s: reply %q (ephemeral %v, modal %v), want %q", r.name, ix.Content(), ix.Ephemeral(), ix.Modal() != nil, r.want)
		}
	}
	if n := h.Count(`SELECT count(*) FROM content_flags`); n != 1 {
		t.Errorf("%d flags, want the one report", n)
	}
}

// Flags from the server's channels (a message the bot deleted, an AutoMod
// action) show their source, jump links to the message and the channel,
// and whether the bot deleted the message.
func TestQueueJumpLinks(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	channel := h.Guild.AddChannel("general-2")
	for i, src := range []struct {
		contentType string
		deleted     bool
	}{{"message", true}, {"automod", false}} {
		ch, msg := channel, fmt.Sprintf("90000000000000000%d", i)
		if err := h.App.Store.AddFlag(context.Background(), store.ContentFlag{GuildID: h.Guild.ID, UserID: h.Bob.ID(), ContentType: src.contentType,
			FlagReason: "toxic_language", Severity: "high", Excerpt: "bad words", ChannelID: &ch, MessageID: &msg, MessageDeleted: src.deleted}); err != nil {
			t.Fatal(err)
		}
	}
	_, fields := queue(h)
	link := func(msg string) string {
		return fmt.Sprintf("[jump to message](https://discord.com/channels/%s/%s/%s) in <#%s> ([channel](https://discord.com/channels/%s/%s))",
			h.Guild.ID, channel, msg, channel, h.Guild.ID, channel)
	}
	want := [][2]string{
		{"message", link("900000000000000000") + " · deleted by the bot: yes"},
		{"AutoMod", link("900000000000000001") + " · deleted by the bot: no"},
	}
	for i, w := range want {
		if !strings.Contains(fields[i].Name, " "+w[0]+" - ") || !strings.Contains(fields[i].Value, w[1]) {
			t.Errorf("entry %d: %q\n%s\nwant source %q and %q", i, fields[i].Name, fields[i].Value, w[0], w[1])
		}
	}
}
