package discordsim_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/discordsim"
)

func TestMain(m *testing.M) {
	// discordgo v0.29.0's reconnect loop reads ShouldReconnectOnError once
	// and then retries Open, with backoff, until one succeeds: a client
	// whose heartbeat timed out just before its test closed it keeps
	// dialling the closed emulator. That is discordgo's goroutine, not a
	// leak of the emulator's; the process exits with it.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/bwmarrin/discordgo.(*Session).reconnect"))
}

func ptr[T any](v T) *T { return &v }

// commands is a small command set shaped like the bot's.
func commands() []*discordgo.ApplicationCommand {
	return []*discordgo.ApplicationCommand{
		{
			Name: "security", Description: "Moderation tools",
			DefaultMemberPermissions: ptr(int64(discordgo.PermissionModerateMembers)),
			Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "warn", Description: "Warn a member", Options: []*discordgo.ApplicationCommandOption{
					{Type: discordgo.ApplicationCommandOptionUser, Name: "user", Description: "Who", Required: true},
					{Type: discordgo.ApplicationCommandOptionString, Name: "reason", Description: "Why", MaxLength: 200},
				}},
				{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "timeout", Description: "Time a member out", Options: []*discordgo.ApplicationCommandOption{
					{Type: discordgo.ApplicationCommandOptionUser, Name: "user", Description: "Who", Required: true},
					{Type: discordgo.ApplicationCommandOptionInteger, Name: "minutes", Description: "How long", Required: true, MinValue: ptr(1.0), MaxValue: 40320},
				}},
			},
		},
		{Name: "ping", Description: "Replies pong"},
		{Name: "submit-stats", Description: "Upload stats", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionAttachment, Name: "file", Description: "CSV", Required: true},
			{Type: discordgo.ApplicationCommandOptionInteger, Name: "amount", Description: "Amount", Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "hundred", Value: 100}, {Name: "ten", Value: 10}}},
		}},
	}
}

// bot is a real discordgo Session connected to the emulator with a handler.
type bot struct {
	*discordgo.Session
	mu   sync.Mutex
	seen map[string]int // interaction id -> deliveries
}

func startBot(t *testing.T, sim *discordsim.Server, handle func(s *discordgo.Session, i *discordgo.InteractionCreate)) *bot {
	t.Helper()
	return startBotWith(t, sim, handle, nil)
}

func startBotWith(t *testing.T, sim *discordsim.Server, handle func(s *discordgo.Session, i *discordgo.InteractionCreate), configure func(*discordgo.Session)) *bot {
	t.Helper()
	s := restSession(t, sim)
	b := &bot{Session: s, seen: map[string]int{}}
	s.AddHandler(func(s *discordgo.Session, i *discordgo.InteractionCreate) {
		b.mu.Lock()
		b.seen[i.ID]++
		b.mu.Unlock()
		if handle != nil {
			handle(s, i)
		}
	})
	if _, err := s.ApplicationCommandBulkOverwrite(sim.ApplicationID(), "", commands()); err != nil {
		t.Fatalf("bulk overwrite: %v", err)
	}
	if configure != nil {
		configure(s)
	}
	if err := s.Open(); err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return b
}

func (b *bot) deliveries() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string]int{}
	for k, v := range b.seen {
		out[k] = v
	}
	return out
}

// echo answers every command with its path and options, ephemeral for /security.
func echo(s *discordgo.Session, i *discordgo.InteractionCreate) {
	if i.Type != discordgo.InteractionApplicationCommand {
		return
	}
	d := i.ApplicationCommandData()
	parts := []string{d.Name}
	opts := d.Options
	for len(opts) == 1 && opts[0].Type == discordgo.ApplicationCommandOptionSubCommand {
		parts = append(parts, opts[0].Name)
		opts = opts[0].Options
	}
	for _, o := range opts {
		parts = append(parts, fmt.Sprintf("%s=%v", o.Name, o.Value))
	}
	var flags discordgo.MessageFlags
	if d.Name == "security" {
		flags = discordgo.MessageFlagsEphemeral
	}
	_ = s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: strings.Join(parts, " "), Flags: flags},
	})
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestSessionConnectsRegistersAndAnswers(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	var got *discordgo.InteractionCreate
	var mu sync.Mutex
	b := startBot(t, sim, func(s *discordgo.Session, i *discordgo.InteractionCreate) {
		mu.Lock()
		got = i
		mu.Unlock()
		echo(s, i)
	})
	if n := len(sim.Commands("")); n != 3 {
		t.Fatalf("registered %d global commands, want 3", n)
	}
	mod, alice := g.MemberByName("moderator"), g.MemberByName("alice")
	ix, err := sim.Run(ctx(t), mod, "/security warn", discordsim.User("user", alice), discordsim.String("reason", "spam"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("security warn user="+alice.ID()+" reason=spam", ix.Content()); diff != "" {
		t.Errorf("reply mismatch (-want +got):\n%s", diff)
	}
	if !ix.Ephemeral() {
		t.Error("reply not ephemeral")
	}
	if r := ix.Response(); r == nil || r.Type != discordgo.InteractionResponseChannelMessageWithSource {
		t.Errorf("response = %+v, want type 4", r)
	}
	mu.Lock()
	defer mu.Unlock()
	if got.GuildID != g.ID || got.Member == nil || got.Member.User.ID != mod.ID() {
		t.Errorf("interaction guild/member = %s/%+v", got.GuildID, got.Member)
	}
	if got.Member.Permissions&discordgo.PermissionModerateMembers == 0 {
		t.Errorf("member permissions %d lack MODERATE_MEMBERS", got.Member.Permissions)
	}
	res := got.ApplicationCommandData().Resolved
	if res == nil || res.Users[alice.ID()] == nil || res.Members[alice.ID()] == nil {
		t.Errorf("resolved = %+v, want alice as user and member", res)
	}
	if got.AppPermissions&discordgo.PermissionBanMembers == 0 {
		t.Errorf("app_permissions = %d", got.AppPermissions)
	}
	if b.State == nil || len(b.State.Guilds) != 1 {
		t.Errorf("state guilds = %v, want the sandbox from GUILD_CREATE", b.State.Guilds)
	}
}

func TestCommandVisibilityAndOptions(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	startBot(t, sim, echo)
	alice := g.MemberByName("alice")
	tests := []struct {
		name    string
		member  *discordsim.Member
		command string
		opts    []discordsim.Option
		want    error
	}{
		{"hidden without permission", alice, "/security warn", []discordsim.Option{discordsim.User("user", alice)}, discordsim.ErrCommandHidden},
		{"unknown command", alice, "/nope", nil, discordsim.ErrUnknownCommand},
		{"unknown subcommand", g.MemberByName("admin"), "/security nope", nil, discordsim.ErrUnknownCommand},
		{"missing required", g.MemberByName("admin"), "/security warn", nil, discordsim.ErrInvalidOption},
		{"wrong type", g.MemberByName("admin"), "/security timeout", []discordsim.Option{discordsim.User("user", alice), discordsim.String("minutes", "5")}, discordsim.ErrInvalidOption},
		{"out of range", g.MemberByName("admin"), "/security timeout", []discordsim.Option{discordsim.User("user", alice), discordsim.Int("minutes", 0)}, discordsim.ErrInvalidOption},
		{"not a choice", alice, "/submit-stats", []discordsim.Option{discordsim.Attachment("file", "a.csv", []byte("x")), discordsim.Int("amount", 7)}, discordsim.ErrInvalidOption},
		{"owner sees everything", g.Owner(), "/security warn", []discordsim.Option{discordsim.User("user", alice)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sim.Run(ctx(t), tt.member, tt.command, tt.opts...)
			if !errors.Is(err, tt.want) {
				t.Errorf("Run error = %v, want %v", err, tt.want)
			}
		})
	}
	sim.SetCommandPermissionOverride(g.ID, "security", true)
	if _, err := sim.Run(ctx(t), alice, "/security warn", discordsim.User("user", alice)); err != nil {
		t.Errorf("with override: %v", err)
	}
	sim.SetCommandPermissionOverride(g.ID, "security", false)
	if _, err := sim.Run(ctx(t), g.MemberByName("moderator"), "/security warn", discordsim.User("user", alice)); !errors.Is(err, discordsim.ErrCommandHidden) {
		t.Errorf("override false: err = %v", err)
	}
}

func TestListenAndServe(t *testing.T) {
	c, cancel := context.WithCancel(context.Background())
	var url string
	err := discordsim.ListenAndServe(c, discordsim.Options{}, func(s *discordsim.Server) {
		url = s.URL()
		cancel()
	})
	if err != nil || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Errorf("ListenAndServe = %v, url %q", err, url)
	}
	if _, err := discordsim.New(discordsim.Options{Addr: "0.0.0.0:0"}); err == nil {
		t.Error("non-loopback address accepted")
	}
}

// restSession is a discordgo session with the bot's token, for REST calls
// to sim (no gateway).
func restSession(t *testing.T, sim *discordsim.Server) *discordgo.Session {
	t.Helper()
	s, err := discordhttp.NewSession(sim.Token(), sim.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
