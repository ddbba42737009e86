package loadgen_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/discordhttp"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/loadgen"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
	os.Exit(0)
}

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var out []time.Duration
		for _, x := range v {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i
	}
	tests := []struct {
		name string
		ds   []time.Duration
		q    float64
		want time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one", ms(7), 0.99, 7 * time.Millisecond},
		{"median of odd count", ms(3, 1, 2), 0.5, 2 * time.Millisecond},
		{"median of even count is the lower", ms(4, 1, 3, 2), 0.5, 2 * time.Millisecond},
		{"p99 of 100 is the 99th", ms(hundred...), 0.99, 99 * time.Millisecond},
		{"p100 is the max", ms(hundred...), 1, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := loadgen.Percentile(tt.ds, tt.q); got != tt.want {
				t.Errorf("Percentile(%v, %g) = %s, want %s", tt.ds, tt.q, got, tt.want)
			}
		})
	}
}

// newSim starts an emulator on the wall clock. Not NewTest: the late answers
// these tests provoke are protocol violations on purpose.
func newSim(t *testing.T) *discordsim.Server {
	t.Helper()
	sim, err := discordsim.New(discordsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	return sim
}

// pingBot is a bare bot for the driver's own tests: /ping answers at once,
// /slow after 3.5 s (too late for Discord), /oops with an error reply.
func pingBot(t *testing.T, sim *discordsim.Server) {
	t.Helper()
	s, err := discordhttp.NewSession(sim.Token(), sim.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	s.AddHandler(func(s *discordgo.Session, i *discordgo.InteractionCreate) {
		answer := func(text string) {
			_ = s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Content: text, Flags: discordgo.MessageFlagsEphemeral}})
		}
		switch i.ApplicationCommandData().Name {
		case "slow":
			wg.Add(1)
			go func() {
				defer wg.Done()
				select {
				case <-time.After(3500 * time.Millisecond):
					answer("finally")
				case <-done:
				}
			}()
		case "oops":
			answer("❌ Something went wrong.")
		default:
			answer("pong")
		}
	})
	for _, name := range []string{"ping", "slow", "oops"} {
		if _, err := s.ApplicationCommandCreate(sim.ApplicationID(), "", &discordgo.ApplicationCommand{Name: name, Description: "test command"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		close(done)
		wg.Wait()
		_ = s.Close()
	})
}

func TestRunCountsEachFate(t *testing.T) {
	t.Parallel()
	sim := newSim(t)
	w := loadgen.Seed(sim, 30)
	pingBot(t, sim)

	// Of every ten calls: seven pings, one error reply, two too slow.
	mix := func(i int) loadgen.Call {
		cmd := "/ping"
		switch i % 10 {
		case 3:
			cmd = "/oops"
		case 5, 8:
			cmd = "/slow"
		}
		return loadgen.Call{Member: w.Plain[i%len(w.Plain)], Command: cmd}
	}
	start := time.Now()
	r := loadgen.Run(context.Background(), sim, 40, time.Second, mix)
	elapsed := time.Since(start)

	got := map[string]int{"sent": r.Sent, "answered": r.Answered, "late": r.Late, "failed": r.Failed}
	want := map[string]int{"sent": 40, "answered": 32, "late": 8, "failed": 4}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("counts mismatch (-want +got):\n%s\n%s", diff, r)
	}
	if diff := cmp.Diff(map[string]int{loadgen.ErrKindNoResponse: 8, loadgen.ErrKindErrorReply: 4}, r.Errors); diff != "" {
		t.Errorf("errors mismatch (-want +got):\n%s", diff)
	}
	if len(r.Interactions) != r.Sent || len(r.SentAt) != r.Sent {
		t.Errorf("%d interactions and %d send times recorded for %d sent", len(r.Interactions), len(r.SentAt), r.Sent)
	}
	for i := 1; i < len(r.SentAt); i++ {
		if gap := r.SentAt[i].Sub(r.SentAt[0]); gap < time.Duration(i)*time.Second/40-5*time.Millisecond {
			t.Errorf("call %d left %s after the first, ahead of its schedule", i, gap)
			break
		}
	}
	// Open loop: eight 3-second stalls did not hold the sending back (closed
	// loop would take 8 × 3 s).
	if elapsed > 10*time.Second {
		t.Errorf("Run took %s: the slow calls held the schedule back", elapsed)
	}
	if r.P99 < loadgen.AckDeadline {
		t.Errorf("p99 = %s; the unanswered 20%% should count as at least 3 s", r.P99)
	}
	if !strings.Contains(r.String(), "late=8") {
		t.Errorf("summary %q does not say late=8", r.String())
	}
}

func TestRunStopsWithTheContext(t *testing.T) {
	t.Parallel()
	sim := newSim(t)
	w := loadgen.Seed(sim, 5)
	pingBot(t, sim)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	r := loadgen.Run(ctx, sim, 20, time.Minute, loadgen.ProfileMix(w))
	if r.Sent == 0 || r.Sent >= 20*60 {
		t.Errorf("sent %d: want some, fewer than the minute's schedule", r.Sent)
	}
}

func TestSeed(t *testing.T) {
	t.Parallel()
	sim := newSim(t)
	w := loadgen.Seed(sim, 2000)
	got := map[string]int{"members": len(w.Members), "admins": len(w.Admins), "moderators": len(w.Moderators), "plain": len(w.Plain),
		"guild": len(w.Guild.Members())}
	want := map[string]int{"members": 2000, "admins": 200, "moderators": 200, "plain": 1600, "guild": 2002} // + owner and bot
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	if w.Admins[0].Permissions()&discordgo.PermissionAdministrator == 0 {
		t.Errorf("an admin lacks Administrator")
	}
	if w.Moderators[0].Permissions()&discordgo.PermissionModerateMembers == 0 {
		t.Errorf("a moderator lacks Moderate Members")
	}
}

// The standard mix is traffic the real bot accepts: every call is answered
// in time, none with an error or a rate-limit refusal.
func TestStandardMixAgainstTheBot(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := loadgen.Seed(h.Sim, 50)
	mix := loadgen.StandardMix(w)

	seen := map[string]bool{}
	for i := range 10 {
		c := mix(i)
		seen[c.Command] = true
		ix := h.Run(c.Member, c.Command, c.Opts...)
		if c := ix.Content(); strings.HasPrefix(c, "❌") || strings.HasPrefix(c, "⏳") {
			t.Errorf("call %d (%s by %s) answered %q", i, ix.Command, ix.User.Username, c)
		}
	}
	wantCmds := map[string]bool{"/profile": true, "/submit-stats": true, "/barbie add": true, "/security audit": true, "/security warn": true}
	if diff := cmp.Diff(wantCmds, seen); diff != "" {
		t.Errorf("commands mismatch (-want +got):\n%s", diff)
	}

	r := loadgen.RunFrom(context.Background(), h.Sim, 10, time.Second, 10, mix)
	if r.Sent != 10 || r.Answered != r.Sent || r.Failed != 0 {
		t.Errorf("open loop against the bot: %s", r)
	}
}
