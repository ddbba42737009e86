package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/loadgen"
	"github.com/embodied-community/embodied/internal/middleware/permission"
	"github.com/embodied-community/embodied/internal/tcpproxy"
)

// fullServiceWithin is how soon after the database returns every command
// must work again (issue 16).
const fullServiceWithin = 5 * time.Second

// Database down under load (issue 16): PostgreSQL cut by a proxy — stopped
// (connections closed, new ones refused) or partitioned (connections open
// and silent) — for a few seconds (60 s in the long form) while members keep
// running commands. While it is down every member gets an answer within
// 3 s: the normal one when the command needs no database (a refusal), or
// middleware.MsgDatabaseUnavailable; /readyz fails. After it returns, full
// service within 5 s, and every audit and security event the bot accepted
// is in the database exactly once, the chain intact.
func TestDrillDatabaseDown(t *testing.T) {
	cuts := []struct {
		name string
		cut  func(*tcpproxy.Proxy)
	}{
		{"stopped", (*tcpproxy.Proxy).Refuse},
		{"partitioned", (*tcpproxy.Proxy).Blackhole},
	}
	d := startDrill(t)
	ctx := context.Background()
	const rate = 10.0
	mix := drillMix(d.World)
	var all []*discordsim.Interaction
	next := 0
	step := func(t *testing.T, name string, length time.Duration) []*discordsim.Interaction {
		t.Helper()
		r := loadgen.RunFrom(ctx, d.Sim, rate, length, next, mix)
		next += r.Sent
		all = append(all, r.Interactions...)
		t.Logf("%s: %s answers=%v", name, r, tally(r.Interactions))
		if r.Late > 0 {
			t.Errorf("%s: %d interactions without an answer within 3 s", name, r.Late)
		}
		return r.Interactions
	}
	before := step(t, "before", drillLength(time.Second, 5*time.Second))
	if n := tally(before); n[answerOK] != len(before) {
		t.Fatalf("before the cuts: answers %v, e.g. %q", n, examples(before, answerError))
	}
	for _, cut := range cuts {
		t.Run(cut.name, func(t *testing.T) {
			if s := d.ready(); s != http.StatusOK {
				t.Fatalf("/readyz before the cut: %d", s)
			}

			cut.cut(d.Proxy)
			down := step(t, "down", drillLength(4*time.Second, 60*time.Second))
			n := tally(down)
			if n[answerOK]+n[answerDBDown] != len(down) {
				t.Errorf("while down: answers %v, want only normal ones and the outage message; errors %q, none %q",
					n, examples(down, answerError), examples(down, answerNone))
			}
			if n[answerDBDown] == 0 {
				t.Errorf("while down nobody was told the database is unreachable: %v", n)
			}
			if s := d.ready(); s == http.StatusOK {
				t.Errorf("/readyz answered %d while the database was down", s)
			}

			d.Proxy.Restore()
			restored := time.Now()
			recovered := d.waitFullService(t, restored.Add(3*fullServiceWithin))
			t.Logf("full service %v after the database returned (goal ≤ %v)", recovered.Sub(restored).Round(time.Millisecond), fullServiceWithin)
			if took := recovered.Sub(restored); took > fullServiceWithin {
				t.Errorf("full service came back %v after the database, want ≤ %v", took, fullServiceWithin)
			}
			d.Eventually("the audit fallback backlog to drain", func() bool { return d.App.Audit.Backlog() == 0 })
			t.Logf("audit fallback backlog replayed %v after the database returned", time.Since(restored).Round(time.Millisecond))
			after := step(t, "after", drillLength(2*time.Second, 10*time.Second))
			if n := tally(after); n[answerOK] != len(after) {
				t.Errorf("after the database returned: answers %v, e.g. %q %q", n, examples(after, answerDBDown), examples(after, answerError))
			}
			if s := d.ready(); s != http.StatusOK {
				t.Errorf("/readyz after the database returned: %d", s)
			}
			d.checkEvents(t, all)
		})
	}
}

// waitFullService probes until a command that needs the database (a
// /profile, a fresh member each time) is answered normally, and returns
// when that probe was sent.
func (d *drill) waitFullService(t *testing.T, deadline time.Time) time.Time {
	t.Helper()
	for i := 0; ; i++ {
		sent := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		ix, _ := d.Sim.Run(ctx, d.World.Plain[(i*31+11)%len(d.World.Plain)], "/profile")
		cancel()
		if answer(ix) == answerOK {
			return sent
		}
		if time.Now().After(deadline) {
			t.Fatalf("no full service by %v: last answer %q", deadline, ix.Content())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkEvents waits for the audit writer's fallback backlog to drain, then
// checks that no audit or security event was lost or written twice: every
// denied warn has its security event, every warn the member was told about
// its audit record (and no other warn one), no event id twice, and the
// chain verifies.
func (d *drill) checkEvents(t *testing.T, ixs []*discordsim.Interaction) {
	t.Helper()
	ctx := context.Background()
	d.Eventually("the audit fallback backlog to drain", func() bool { return d.App.Audit.Backlog() == 0 })
	if err := d.App.Audit.Flush(ctx); err != nil {
		t.Fatalf("flush the audit writer: %v", err)
	}
	wantDenied := map[string]int{}
	warns := 0
	for _, ix := range ixs {
		if ix == nil || ix.Command != "/security warn" {
			continue
		}
		if ix.Content() == permission.DeniedMessage {
			wantDenied[ix.User.ID]++
			continue
		}
		warns++
		// A warn's audit record is written in the warning's own
		// transaction: one for a warn the member was told about, none for
		// one the outage stopped.
		records := d.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'warn' AND details->>'interactionId' = $1`, ix.ID)
		want := 0
		if answer(ix) == answerOK {
			want = 1
		}
		if records != want {
			t.Errorf("warn %s answered %q: %d audit records, want %d", ix.ID, ix.Content(), records, want)
		}
	}
	gotDenied := map[string]int{}
	rows, err := d.DB.App.Query(ctx, `SELECT actor_id, count(*) FROM security_audit_logs
		WHERE event_type = 'permission_denied' AND guild_id = $1 GROUP BY actor_id`, d.World.Guild.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var actor string
		var n int
		if err := rows.Scan(&actor, &n); err != nil {
			t.Fatal(err)
		}
		gotDenied[actor] = n
	}
	if rows.Close(); rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	if diff := cmp.Diff(wantDenied, gotDenied); diff != "" {
		t.Errorf("permission_denied security events per member mismatch (-want +got):\n%s", diff)
	}
	for _, table := range []string{"audit_log", "security_audit_logs"} {
		if dup := d.Count(`SELECT count(*) - count(DISTINCT event_id) FROM ` + table); dup != 0 {
			t.Errorf("%s: %d event ids written twice", table, dup)
		}
	}
	res, err := audit.Verify(ctx, d.DB.App)
	if err != nil || !res.OK() {
		t.Errorf("audit chain: %+v, %v", res, err)
	}
	denied := 0
	for _, n := range wantDenied {
		denied += n
	}
	t.Logf("events: %d warns checked, %d denied warns, audit_log %d rows, security_audit_logs %d rows", warns,
		denied, d.Count(`SELECT count(*) FROM audit_log`), d.Count(`SELECT count(*) FROM security_audit_logs`))
}
