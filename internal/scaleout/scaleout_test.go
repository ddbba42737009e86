package scaleout

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/backup"
	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/interactions"
	"github.com/embodied-community/embodied/internal/middleware/ratelimit"
	"github.com/embodied-community/embodied/internal/proctest"
)

// Issue 19's "Verified by", with real processes: two gateway shard
// processes (A: shard 0, B: shard 1) and one HTTP-mode process (H) on one
// database against the emulator. The steps share the processes and run in
// order: the gateway phase, then the HTTP phase (Interactions Endpoint URL
// set), then the gateway again for the kill.
func TestScaleOut(t *testing.T) {
	c := newCluster(t)
	steps := []struct {
		name string
		run  func(*testing.T, *cluster)
	}{
		{"gateway: each guild answered once by its shard's process", gatewayOwnership},
		{"DMs arrive on shard 0", dmsOnShardZero},
		{"a user's rate limit is exact across processes", sharedRateLimit},
		{"http: every interaction answered once by H", httpOwnership},
		{"a rule changed through H reaches A and B by NOTIFY, before their version check", ruleChangeSeenAtOnce},
		{"a forged signature is refused", forgedSignature},
		{"one scheduled backup per tick across the processes", backupOncePerTick},
		{"B killed: its guild stops, A goes on, and B comes back", killShard},
	}
	for _, st := range steps {
		if !t.Run(st.name, func(t *testing.T) { st.run(t, c) }) && st.name == steps[0].name {
			return // nothing after it means anything
		}
	}
	for i, p := range []*proctest.Child{c.a, c.b, c.h} {
		if lines := p.Logs.Lines(logError); len(lines) > 0 {
			t.Errorf("%s logged errors:\n%s", name(i), strings.Join(lines, "\n"))
		}
	}
	for _, v := range c.sim.TakeViolations() {
		t.Errorf("Discord protocol violation: %s", v)
	}
}

// logError marks an error line in a child's log (LOG_FORMAT=text).
const logError = " ERROR ["

// Commands in guild 0 go to A's connection and are answered by A, those in
// guild 1 by B, each with exactly one callback.
func gatewayOwnership(t *testing.T, c *cluster) {
	before, routedBefore := c.served(t), len(c.routed())
	var want []discordsim.ShardEvent
	for round := range 2 {
		for _, g := range c.guilds {
			c.addBarbie(t, g.alice, fmt.Sprintf("Gateway %d-%d", g.shard, round), 1)
			want = append(want, discordsim.ShardEvent{Shard: g.shard, Name: "INTERACTION_CREATE", GuildID: g.ID})
		}
	}
	// The count follows the answer: wait for it.
	eventually(t, "two interactions served by A and two by B", func() bool {
		return diffServed(before, c.served(t), [3]int{2, 2, 0}) == ""
	})
	if diff := cmp.Diff(want, c.routed()[routedBefore:]); diff != "" {
		t.Errorf("INTERACTION_CREATE by shard mismatch (-want +got):\n%s", diff)
	}
}

// A DM command is dispatched on shard 0 and answered by A, never B.
func dmsOnShardZero(t *testing.T, c *cluster) {
	before, routedBefore := c.served(t), len(c.routed())
	for range 2 {
		ix := c.mustRunDM(t, c.guilds[1].carol, "/security audit")
		if ix.Content() != bot.MsgGuildOnly {
			t.Errorf("DM answer %q, want %q", ix.Content(), bot.MsgGuildOnly)
		}
		if n := c.callbacks(ix); n != 1 {
			t.Errorf("DM answered with %d callbacks, want 1", n)
		}
	}
	eventually(t, "both DMs served by A", func() bool { return diffServed(before, c.served(t), [3]int{2, 0, 0}) == "" })
	want := []discordsim.ShardEvent{{Shard: 0, Name: "INTERACTION_CREATE"}, {Shard: 0, Name: "INTERACTION_CREATE"}}
	if diff := cmp.Diff(want, c.routed()[routedBefore:]); diff != "" {
		t.Errorf("DM dispatches mismatch (-want +got):\n%s", diff)
	}
}

// /submit-stats' limit: 3 per hour, one token back every 1200 s.
const (
	submitStatsBurst    = 3
	submitStatsInterval = 1200 * time.Second
)

// Bob runs /submit-stats alternately in guild 0 (A) and guild 1 (B): three
// pass between them, the fourth (B) and fifth (A) get the rate-limit
// message, one refusal counted by each process, and one bucket row.
func sharedRateLimit(t *testing.T, c *cluster) {
	c.bobFirst = time.Now()
	var got, want []string
	for i := range submitStatsBurst + 2 {
		g := c.guilds[i%2]
		content := c.mustRun(t, g.bob, "/submit-stats", discordsim.Int("approaches", 1)).Content()
		if strings.HasPrefix(content, "📊 Stats saved") {
			content = "saved"
		}
		got = append(got, content)
		if i < submitStatsBurst {
			want = append(want, "saved")
		} else {
			want = append(want, limitedMessage(content, time.Since(c.bobFirst)))
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replies in guild 0, 1, 0, 1, 0 (-want +got):\n%s", diff)
	}
	for i, proc := range []*proctest.Child{c.a, c.b} {
		checkRefusedOnce(t, c, i, proc)
	}
	if n := c.count(t, `SELECT count(*) FROM rate_limit_buckets WHERE user_id = $1 AND command_name = 'submit-stats'`, c.guilds[0].bob.ID()); n != 1 {
		t.Errorf("shared bucket rows: %d, want 1", n)
	}
}

// checkRefusedOnce checks that process i refused bob's /submit-stats
// once: its /metrics count it and its log says it.
func checkRefusedOnce(t *testing.T, c *cluster, i int, proc *proctest.Child) {
	t.Helper()
	if n := metric(t, proc, "embodied_rate_limit_hits_total", "command=submit-stats"); n != 1 {
		t.Errorf("%s counted %v refusals, want 1", name(i), n)
	}
	if lines := proc.Logs.Lines("Rate limit exceeded", "userId="+c.guilds[0].bob.ID(), "commandName=submit-stats"); len(lines) != 1 {
		t.Errorf("%s logged %d refusals of bob, want 1: %q", name(i), len(lines), lines)
	}
}

// limitedMessage is ratelimit.Message for the wait the bucket gives back
// after the burst, elapsed into it on the wall clock: got when it is one
// of the texts the wait can round to, else the text for no time elapsed
// (so that the diff shows the expected form).
func limitedMessage(got string, elapsed time.Duration) string {
	lo := int(submitStatsInterval.Seconds()) - int(math.Ceil(elapsed.Seconds())) - 1
	for s := int(submitStatsInterval.Seconds()); s >= lo; s-- {
		if m := ratelimit.Message(time.Duration(s) * time.Second); m == got {
			return m
		}
	}
	return ratelimit.Message(submitStatsInterval)
}

// With the Interactions Endpoint URL set to H, every interaction of both
// guilds is POSTed to H and answered in its HTTP response; A and B get
// none. Bob's bucket, emptied through A and B, refuses him through H too.
func httpOwnership(t *testing.T, c *cluster) {
	c.sim.SetInteractionsEndpoint("http://" + c.interactions)
	if err := c.sim.ValidateEndpoint(t.Context()); err != nil {
		t.Fatalf("Discord would not save the endpoint: %v", err)
	}
	before, routedBefore := c.served(t), len(c.routed())
	for round := range 2 {
		for _, g := range c.guilds {
			c.addBarbie(t, g.moderator, fmt.Sprintf("HTTP %d-%d", g.shard, round), 0)
		}
	}
	ix := c.mustRun(t, c.guilds[1].bob, "/submit-stats", discordsim.Int("approaches", 1))
	if want := limitedMessage(ix.Content(), time.Since(c.bobFirst)); ix.Content() != want {
		t.Errorf("bob through H answered %q, want %q", ix.Content(), want)
	}
	eventually(t, "five interactions served by H", func() bool { return diffServed(before, c.served(t), [3]int{0, 0, 5}) == "" })
	checkRefusedOnce(t, c, 2, c.h)
	if routed := c.routed()[routedBefore:]; len(routed) != 0 {
		t.Errorf("interactions went over the gateway with the endpoint set: %v", routed)
	}
}

// recheck is how long a process uses its compiled rules before checking
// their version (modrules.Options.Recheck's default): a change seen
// sooner came through LISTEN/NOTIFY.
const recheck = 5 * time.Second

// With message moderation deleting insults, a keyword added through H is
// enforced by the guild's gateway process (A or B) on the first message
// it checks after the change has reached it, before its rules' version
// check could have seen it: the change came by NOTIFY. The messages sent
// after H's answer until one is deleted show how soon (logged).
//
// The anchor: after an idle spell longer than the version check, the
// first message (an insult, deleted) makes the process validate its rules,
// so its next version check is at least recheck after that message was
// sent. A deletion observed sooner cannot come from the version check. A
// machine stalled past it makes the attempt inconclusive; it is repeated.
func ruleChangeSeenAtOnce(t *testing.T, c *cluster) {
	words := []string{"melon", "papaya", "quince"}
	for _, g := range c.guilds {
		t.Run(name(g.shard), func(t *testing.T) {
			t.Parallel()
			set := c.mustRun(t, g.admin, "/security moderation message-action", discordsim.String("category", "insult"), discordsim.String("action", "delete"))
			if strings.HasPrefix(set.Content(), "❌") {
				t.Fatalf("message-action: %q", set.Content())
			}
			for attempt, word := range words {
				time.Sleep(recheck + 100*time.Millisecond) // idle: not a deadline
				anchor := time.Now()
				warm := c.sim.Say(g.alice, g.ChannelID, "you are an idiot")
				eventually(t, "the insult deleted", func() bool { return c.deleted(g, warm.ID) })
				ix := c.mustRun(t, g.admin, "/security moderation keyword-add", discordsim.String("pattern", word), discordsim.String("category", "insult"))
				if strings.HasPrefix(ix.Content(), "❌") {
					t.Fatalf("keyword-add: %q", ix.Content())
				}
				answered := time.Now()
				before, sentAt, seen := c.probe(t, g, word)
				if seen.Sub(anchor) < recheck {
					t.Logf("the change reached %s by NOTIFY: %d message(s) sent after H's answer went through before it; the first deleted was sent %v after the answer",
						name(g.shard), before, sentAt.Sub(answered).Round(time.Millisecond))
					break
				}
				t.Logf("attempt %d inconclusive: the deletion came %v after the anchor", attempt+1, seen.Sub(anchor).Round(time.Millisecond))
				if attempt == len(words)-1 {
					t.Fatal("no conclusive attempt: the change was only ever seen after the version check")
				}
			}
			var moderated []int
			for _, e := range c.sim.ShardEvents() {
				if e.Name == "MESSAGE_CREATE" && e.GuildID == g.ID {
					moderated = append(moderated, e.Shard)
				}
			}
			if slices.ContainsFunc(moderated, func(s int) bool { return s != g.shard }) || len(moderated) == 0 {
				t.Errorf("guild %d's messages went to shards %v, want %d only", g.shard, moderated, g.shard)
			}
		})
	}
}

// probe has alice post messages with word in g every 50 ms until one is
// deleted, and returns how many sent before it went through, when it was
// sent, and when its deletion was seen.
func (c *cluster) probe(t *testing.T, g *guild, word string) (before int, sentAt, seen time.Time) {
	t.Helper()
	type sent struct {
		id string
		at time.Time
	}
	var probes []sent
	for deadline := time.Now().Add(3 * recheck); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		m := c.sim.Say(g.alice, g.ChannelID, fmt.Sprintf("I like %s (%d)", word, len(probes)+1))
		probes = append(probes, sent{m.ID, time.Now()})
		if i := slices.IndexFunc(probes, func(p sent) bool { return c.deleted(g, p.id) }); i >= 0 {
			return i, probes[i].at, time.Now()
		}
	}
	t.Fatalf("none of %d messages with %q deleted", len(probes), word)
	return 0, time.Time{}, time.Time{}
}

// A request signed with another key gets 401 "invalid request signature"
// from H, counted on its /metrics; the command does not run.
func forgedSignature(t *testing.T, c *cluster) {
	reason := "reason=" + interactions.ReasonInvalid
	before := metric(t, c.h, "embodied_interactions_endpoint_rejected_total", reason)
	served := c.served(t)
	body := []byte(`{"id":"1","application_id":"1","type":2,"token":"t","version":1,"data":{"id":"1","name":"security","type":1,"options":[{"name":"backup","type":1}]}}`)
	a, err := c.sim.PostForged(t.Context(), body)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != 401 || a.Body != interactions.MsgInvalidSignature+"\n" {
		t.Errorf("forged request answered %d %q, want 401 %q", a.Status, a.Body, interactions.MsgInvalidSignature+"\n")
	}
	if got := metric(t, c.h, "embodied_interactions_endpoint_rejected_total", reason); got != before+1 {
		t.Errorf("H counted %v refusals, want %v", got, before+1)
	}
	if d := diffServed(served, c.served(t), [3]int{}); d != "" {
		t.Errorf("the forged request was handled: %s", d)
	}
}

// backupTicks counts the scheduled backup ticks River has completed.
const backupTicks = `SELECT count(*) FROM river_job WHERE kind = 'periodic' AND args->>'name' = 'backup' AND state = 'completed'`

// With a backup every 3 s in all three processes, each tick is one job and
// one backup: one audit record and one file per completed tick.
func backupOncePerTick(t *testing.T, c *cluster) {
	eventually(t, "3 backup ticks", func() bool { return c.count(t, backupTicks) >= 3 })
	if dup := c.count(t, `SELECT count(*) FROM (SELECT args->>'tick' FROM river_job WHERE kind = 'periodic'
		AND args->>'name' = 'backup' GROUP BY 1 HAVING count(*) > 1) d`); dup != 0 {
		t.Errorf("%d ticks have more than one job", dup)
	}
	done := c.count(t, backupTicks)
	const scheduled = `FROM audit_log WHERE action_type = 'backup' AND details->>'trigger' = 'scheduled'`
	eventually(t, "an audit record per completed tick", func() bool { return c.count(t, `SELECT count(*) `+scheduled) >= done })
	// Records first: every backup audited by now belongs to a tick counted
	// after.
	rows, err := c.db.App.Query(context.Background(), `SELECT details->>'file', (details->>'ok')::bool `+scheduled)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	records := 0
	for rows.Next() {
		var file *string
		var ok bool
		if err := rows.Scan(&file, &ok); err != nil {
			t.Fatal(err)
		}
		records++
		if !ok || file == nil {
			t.Errorf("a scheduled backup failed")
			continue
		}
		files = append(files, filepath.Base(*file))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	ticks := c.count(t, `SELECT count(*) FROM river_job WHERE kind = 'periodic' AND args->>'name' = 'backup' AND state IN ('completed', 'running')`)
	if records > ticks {
		t.Errorf("%d scheduled backups for %d ticks", records, ticks)
	}
	onDisk, err := os.ReadDir(filepath.Join(c.env.Dir, "backups"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range onDisk {
		if _, _, ok := backup.ParseFileName(e.Name()); ok {
			names = append(names, e.Name())
		}
	}
	for _, f := range files {
		if !slices.Contains(names, f) {
			t.Errorf("audited backup %s is not in the shared directory %v", f, names)
		}
	}
	slices.Sort(files)
	if len(slices.Compact(slices.Clone(files))) != len(files) {
		t.Errorf("two audit records name one file: %v", files)
	}
	t.Logf("%d ticks, %d scheduled backups, %d files", ticks, records, len(names))
}

// B is killed with SIGKILL: guild 1's commands go unanswered (Discord's
// "The application did not respond"), guild 0 goes on with nothing in A's
// log; B started again identifies within the limits and serves guild 1.
func killShard(t *testing.T, c *cluster) {
	c.sim.SetInteractionsEndpoint("") // back to the gateway
	g0, g1 := c.guilds[0], c.guilds[1]
	c.addBarbie(t, g1.carol, "Before the kill", 1)
	errorsBefore := len(c.a.Logs.Lines(logError))

	c.b.Kill()
	eventually(t, "shard 1 disconnected", func() bool { return slices.Equal(c.sim.ConnectedShards(), []int{0}) })
	// "The application did not respond": no initial response within 3 s.
	ix, err := c.run(g1.carol, "/barbie add", discordsim.String("name", "While B is down"))
	if !errors.Is(err, discordsim.ErrNoResponse) || ix == nil || ix.Response() != nil {
		t.Errorf("guild 1 with B killed: %v, want %v and no response", err, discordsim.ErrNoResponse)
	}
	c.addBarbie(t, g0.carol, "While B is down", 1)
	if lines := c.a.Logs.Lines(logError)[errorsBefore:]; len(lines) != 0 {
		t.Errorf("A logged errors after B's kill:\n%s", strings.Join(lines, "\n"))
	}

	killed := c.b
	c.b = killed.Restart(t, c.sim, "security")
	t.Cleanup(func() { c.env.CheckNoSecrets(t, c.b.Logs.String()) })
	eventually(t, "shard 1 connected again", func() bool { return slices.Equal(c.sim.ConnectedShards(), []int{0, 1}) })
	c.addBarbie(t, g1.carol, "After the restart", 1)
	eventually(t, "the restarted B serves guild 1", func() bool { return metric(t, c.b, "embodied_interactions_total") == 1 })
	var shard1 int
	var gaps []string
	ids := c.sim.Identifies()
	for i, id := range ids {
		if i > 0 {
			gaps = append(gaps, fmt.Sprintf("shard %d %v after shard %d", id.Shard, id.Time.Sub(ids[i-1].Time).Round(time.Millisecond), ids[i-1].Shard))
		}
		if id.Refused != "" {
			t.Errorf("shard %d: identify refused (%s)", id.Shard, id.Refused)
		}
		if id.Shard == 1 && id.Refused == "" {
			shard1++
		}
	}
	t.Logf("identifies (max_concurrency 1, one bucket): %s", strings.Join(gaps, ", "))
	if shard1 != 2 {
		t.Errorf("shard 1 identified %d times, want 2 (start and restart)", shard1)
	}
	if lines := c.a.Logs.Lines(logError)[errorsBefore:]; len(lines) != 0 {
		t.Errorf("A logged errors while B was away:\n%s", strings.Join(lines, "\n"))
	}
}
