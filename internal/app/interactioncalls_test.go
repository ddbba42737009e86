package app_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/discordsim"
)

// discordgo's RateLimiter keeps a bucket per bucket key for the life of the
// Session, and keys the interaction callback and some interaction webhook
// calls by their URL, which holds the interaction's id and token: at one
// interaction a second that was about 20 MB of heap a day (the soak drill's
// heap profile). The bot answers interactions without that limiter, so the
// number of buckets does not grow with the interactions answered: here a
// reply, a deferral edited with a file (/privacy export) and a deferral
// edited with an embed (/security status), round after round.
func TestInteractionsLeaveNoRateLimitBuckets(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	round := func(i int) {
		m := h.Guild.AddMember(discordsim.UserSpec{Username: fmt.Sprintf("member%d", i)})
		admin := h.Guild.AddMember(discordsim.UserSpec{Username: fmt.Sprintf("admin%d", i), Roles: []string{"Admin"}})
		for _, ix := range []*discordsim.Interaction{
			h.Run(m, "/profile"),
			h.Run(m, "/privacy export"),
			h.Run(admin, "/security status"),
		} {
			if ix.Content() == "" && len(ix.Embeds()) == 0 && len(ix.Files()) == 0 {
				t.Fatalf("%s: no answer", ix.Command)
			}
		}
	}
	round(0) // the routes every interaction shares get their buckets
	before := buckets(h.App.Session)
	const rounds = 10
	for i := 1; i <= rounds; i++ {
		round(i)
	}
	if after := buckets(h.App.Session); after != before {
		t.Errorf("discordgo rate-limit buckets: %d before %d rounds of interactions, %d after: they grow with the interactions", before, rounds, after)
	}
}

// buckets counts the buckets of s's discordgo RateLimiter. discordgo keeps
// them in an unexported map; reflect reads its length, under the limiter's
// own lock.
func buckets(s *discordgo.Session) int {
	s.Ratelimiter.Lock()
	defer s.Ratelimiter.Unlock()
	return reflect.ValueOf(s.Ratelimiter).Elem().FieldByName("buckets").Len()
}

// Discord answering a reply's callback with a server error: the warn has
// been recorded by then, so the bot resends the callback (README, "Discord's
// rate limits") and the moderator sees the warn's reply, not "❌ Something
// went wrong". The warned member's DM, a new message, is not resent on 500:
// Discord may have posted it.
func TestRefusedCallbackIsResent(t *testing.T) {
	t.Parallel()
	warned := []string{"User warned. Total warnings: 1. Action: warning", "Case #1"}
	tests := []struct {
		name         string
		method, path string
		fault        discordsim.Fault
		route        string
		want         []int // the statuses route answered, in order
		reply        []string
	}{
		{"callback 500 once", "POST", routeCallback, discordsim.Fault{Status: 500, Count: 1}, "POST " + routeCallback, []int{500, 204}, warned},
		{"callback 503 once", "POST", routeCallback, discordsim.Fault{Status: 503, Count: 1}, "POST " + routeCallback, []int{503, 204}, warned},
		// A 5xx on the DM queues it as a job, which sends it again.
		{"DM 500 once", "POST", routeMessage, discordsim.Fault{Status: 500, Count: 1}, "POST " + routeMessage, []int{500, 200}, warned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := apptest.New(t)
			h.Sim.FailRoute(tt.method, tt.path, tt.fault)
			got := warn(h, h.Moderator, h.Alice, "Spam")
			if diff := cmp.Diff(tt.reply, got); diff != "" {
				t.Errorf("reply mismatch (-want +got):\n%s", diff)
			}
			if n := h.Count(`SELECT count(*) FROM user_warnings WHERE user_id = $1`, h.Alice.ID()); n != 1 {
				t.Errorf("%d warnings recorded, want 1", n)
			}
			// The statuses each route answered, in order.
			answered := func() map[string][]int {
				m := map[string][]int{}
				for _, r := range h.Sim.Requests() {
					m[r.Route] = append(m[r.Route], r.Status)
				}
				return m
			}
			h.Eventually("the DM attempts", func() bool { return len(answered()[tt.route]) >= len(tt.want) })
			if diff := cmp.Diff(tt.want, answered()[tt.route]); diff != "" {
				t.Errorf("%s statuses mismatch (-want +got):\n%s", tt.route, diff)
			}
			if strings.Contains(h.Logs(), "Something went wrong") {
				t.Errorf("an error reply was sent")
			}
		})
	}
}
