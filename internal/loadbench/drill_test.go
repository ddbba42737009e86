package loadbench

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/loadgen"
	"github.com/embodied-community/embodied/internal/middleware/permission"
	"github.com/embodied-community/embodied/internal/proctest"
	"github.com/embodied-community/embodied/internal/storetest"
	"github.com/embodied-community/embodied/internal/tcpproxy"
)

// long reports whether the drills run in their long forms (make drills).
func long() bool { return os.Getenv("EMBODIED_DRILL_LONG") == "1" }

// drillLoad is the drills' traffic: rate per second, and how long it runs
// before the drill acts.
func drillLoad() (rate float64, before time.Duration) {
	if long() {
		return 40, 20 * time.Second
	}
	return 20, time.Second
}

// drillMix interleaves, in thirds: a warn with a reason unique to the call
// (its audit_log row is found by it), a plain member's refused attempt at
// /security audit from a tampered client (a security event through the
// batching audit writer), and the standard mix.
func drillMix(w *loadgen.World) loadgen.Mix {
	std := loadgen.StandardMix(w)
	return func(i int) loadgen.Call {
		n := i / 3
		switch i % 3 {
		case 0:
			return loadgen.Call{Member: w.Moderators[n%len(w.Moderators)], Command: "/security warn", Opts: []discordsim.Option{
				discordsim.User("user", w.Plain[(n*13+1)%len(w.Plain)]), discordsim.String("reason", drillReason(i))}}
		case 1:
			return loadgen.Call{Member: w.Plain[(n*7+2)%len(w.Plain)], Command: "/security audit", Opts: []discordsim.Option{discordsim.Hostile()}}
		default:
			return std(n)
		}
	}
}

func drillReason(i int) string { return fmt.Sprintf("drill warn %d", i) }

// accepted lists what the bot acknowledged before at: the reasons of warns it
// confirmed and, per member, the refusals it answered.
type accepted struct {
	warns   []string
	refused map[string]int
}

func acceptedBefore(res loadgen.Result, at time.Time) accepted {
	a := accepted{refused: map[string]int{}}
	for i, ix := range res.Interactions {
		if ix == nil {
			continue
		}
		r := ix.Response()
		if r == nil || r.At.After(at) {
			continue
		}
		switch {
		case i%3 == 0 && !strings.HasPrefix(ix.Content(), "❌") && ix.Content() != "":
			a.warns = append(a.warns, drillReason(i))
		case i%3 == 1 && ix.Content() == permission.DeniedMessage:
			a.refused[ix.User.ID]++
		}
	}
	return a
}

// checkRecorded fails t unless every accepted warn has exactly one audit_log
// row and every answered refusal its security event, exactly once.
func checkRecorded(t *testing.T, db *pgxpool.Pool, guildID string, a accepted) {
	t.Helper()
	ctx := context.Background()
	var missing []string
	for _, reason := range a.warns {
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE guild_id = $1 AND action_type = 'warn' AND reason = $2`, guildID, reason).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			missing = append(missing, fmt.Sprintf("%q: %d rows", reason, n))
		}
	}
	for user, want := range a.refused {
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM security_audit_logs WHERE guild_id = $1 AND actor_id = $2 AND event_type = 'permission_denied'`, guildID, user).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n < want {
			missing = append(missing, fmt.Sprintf("refusals of %s: %d answered, %d recorded", user, want, n))
		}
	}
	if len(missing) > 0 {
		t.Errorf("accepted events not recorded exactly once (%d of %d warns, %d members refused):\n%s",
			len(missing), len(a.warns), len(a.refused), strings.Join(missing, "\n"))
	}
	t.Logf("%d warns and %d members' refusals accepted before the signal, all recorded", len(a.warns), len(a.refused))
}

// startBot starts `embodied run` on r with extra environment and waits until
// it is ready.
func startBot(t *testing.T, r *rig, extra ...string) *proctest.Child {
	t.Helper()
	return r.env.StartBot(t, r.sim, "security", extra...)
}

// loadInBackground runs the drill mix at rate until stop is called, which
// returns the result.
func loadInBackground(r *rig, rate float64) (stop func() loadgen.Result) {
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan loadgen.Result, 1)
	go func() { out <- loadgen.Run(ctx, r.sim, rate, time.Hour, drillMix(r.world)) }()
	return func() loadgen.Result {
		cancel()
		return <-out
	}
}

// The bot is told to stop (SIGTERM) while busy and while a backup's pg_dump
// runs, stalled behind a lock: it exits within 10 s, leaves no incomplete
// backup under a final name, and has recorded every event it accepted.
func TestDrillSIGTERMUnderLoadDuringBackup(t *testing.T) {
	r := newRig(t, guildMembers)
	c := startBot(t, r)
	super := storetest.Pool(t, r.db.SuperuserURL(t))
	rate, before := drillLoad()
	stopLoad := loadInBackground(r, rate)
	time.Sleep(before)

	// Hold a lock pg_dump needs (on a table the load does not touch), so
	// the backup is still running when the signal comes.
	ctx := context.Background()
	lock, err := super.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback(ctx) //nolint:errcheck
	if _, err := lock.Exec(ctx, "LOCK TABLE course_progress IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	backupDone := make(chan *discordsim.Interaction, 1)
	go func() {
		ix, _ := r.sim.Run(ctx, r.world.Owner, "/security backup")
		backupDone <- ix
	}()
	waitFor(t, "pg_dump waiting on the lock", 20*time.Second, func() bool {
		var n int
		_ = super.QueryRow(ctx, `
			SELECT count(*) FROM pg_stat_activity
			WHERE application_name = 'embodied-backup' AND query LIKE 'LOCK TABLE %' AND wait_event_type = 'Lock'`).Scan(&n)
		return n > 0
	})
	time.Sleep(200 * time.Millisecond) // more interactions in flight

	signalAt := time.Now()
	took, err := c.Stop(syscall.SIGTERM, 10*time.Second)
	t.Logf("exit %s after SIGTERM (%v)", took.Round(time.Millisecond), c.WaitErr())
	if err != nil {
		t.Errorf("SIGTERM during a backup under load: %v", err)
		_ = c.Cmd.Process.Kill()
		<-c.Exited()
	}
	if c.WaitErr() != nil {
		t.Errorf("exit after SIGTERM: %v, want status 0", c.WaitErr())
	}
	res := stopLoad()
	_ = lock.Rollback(ctx)
	// The owner is told, before the process exits.
	const told = "❌ Backup failed: backup cancelled: the bot is shutting down"
	if ix := <-backupDone; ix == nil || ix.Content() != told {
		t.Errorf("the owner's backup reply: %q, want %q", ix.Content(), told)
	}

	checkAnsweredBefore(t, res, signalAt.Add(-inFlightGrace))
	checkBackupDir(t, filepath.Join(r.dir, "backups"))
	checkRecorded(t, super, r.world.Guild.ID, acceptedBefore(res, signalAt))
}

// inFlightGrace is how long before the signal an interaction must have been
// sent to be surely in the bot's hands when the signal arrives.
const inFlightGrace = 200 * time.Millisecond

// checkAnsweredBefore fails t unless every interaction sent before at was
// acknowledged within 3 s: a shutdown finishes what it took.
func checkAnsweredBefore(t *testing.T, res loadgen.Result, at time.Time) {
	t.Helper()
	n := 0
	for i, ix := range res.Interactions {
		if ix == nil || res.SentAt[i].After(at) {
			continue
		}
		n++
		if r := ix.Response(); r == nil || r.Latency > loadgen.AckDeadline {
			t.Errorf("%s by %s, sent %s before the signal, was not acknowledged in time", ix.Command, ix.User.Username, at.Sub(res.SentAt[i])+inFlightGrace)
		}
	}
	t.Logf("%d interactions sent before the signal, all acknowledged", n)
}

// checkBackupDir fails t for any backup under its final name that is not a
// complete dump: a gzip stream that ends cleanly with pg_dump's trailer.
func checkBackupDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasPrefix(name, ".tmp-"):
			t.Logf("temporary file left behind (removed by the next backup): %s", name)
		case strings.HasSuffix(name, ".sql.gz"):
			if err := completeDump(filepath.Join(dir, name)); err != nil {
				t.Errorf("backup %s has a final name but is incomplete: %v", name, err)
			}
		}
	}
}

func completeDump(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	var last bytes.Buffer
	buf := make([]byte, 64<<10)
	for {
		n, err := zr.Read(buf)
		last.Write(buf[:n])
		if last.Len() > 4096 {
			last.Next(last.Len() - 4096)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if !strings.Contains(last.String(), "PostgreSQL database dump complete") {
		return fmt.Errorf("no pg_dump completion trailer")
	}
	return nil
}

func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
	}
}

// The bot is killed (SIGKILL) under load while the database is cut off, so
// that refused attempts' security events sit in the audit fallback file;
// restarted with the database back, it replays each of them exactly once
// and the audit chain verifies.
func TestDrillKill9ThenRestart(t *testing.T) {
	r := newRig(t, guildMembers)
	proxy, dbURL := tcpproxy.ForURL(t, r.db.AppURL)
	viaProxy := "DATABASE_URL=" + dbURL // later in the environment: wins
	c := startBot(t, r, viaProxy)
	rate, before := drillLoad()
	stopLoad := loadInBackground(r, rate)
	time.Sleep(before)

	proxy.Refuse()
	fallback := filepath.Join(r.dir, "audit-fallback.jsonl")
	want := 5
	if long() {
		want = 50
	}
	waitFor(t, fmt.Sprintf("%d events in the fallback file", want), 30*time.Second, func() bool { return len(fallbackIDs(t, fallback)) >= want })
	killAt := time.Now()
	if err := c.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.Exited()
	res := stopLoad()
	ids := fallbackIDs(t, fallback)
	t.Logf("%d events in the fallback file at the kill", len(ids))

	proxy.Restore()
	startBot(t, r, viaProxy)
	super := storetest.Pool(t, r.db.SuperuserURL(t))
	count := func(id string) int {
		var n int
		if err := super.QueryRow(context.Background(), `
			SELECT (SELECT count(*) FROM audit_log WHERE event_id = $1::uuid) + (SELECT count(*) FROM security_audit_logs WHERE event_id = $1::uuid)`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor(t, "the fallback file replayed", 30*time.Second, func() bool {
		for _, id := range ids {
			if count(id) == 0 {
				return false
			}
		}
		return true
	})
	for _, id := range ids {
		if n := count(id); n != 1 {
			t.Errorf("event %s recorded %d times, want exactly once", id, n)
		}
	}
	// Not a requirement of this drill, a figure for the report: refusals
	// answered in the writer's last batching window before the kill were
	// only in memory.
	lost := 0
	for user, answered := range acceptedBefore(res, killAt).refused {
		var n int
		if err := super.QueryRow(context.Background(), `SELECT count(*) FROM security_audit_logs WHERE actor_id = $1`, user).Scan(&n); err != nil {
			t.Fatal(err)
		}
		lost += max(answered-n, 0)
	}
	t.Logf("refusals answered before the kill but never recorded: %d", lost)

	bin := proctest.Build(t, proctest.Embodied)
	verify := exec.Command(bin, "audit", "verify")
	verify.Env, verify.Dir = append(r.env.Base(), "DATABASE_URL="+r.db.AppURL, "APP_ENV=dev"), r.dir
	if out, err := verify.CombinedOutput(); err != nil {
		t.Errorf("embodied audit verify: %v\n%s", err, out)
	}
}

// fallbackIDs reads the event ids in the audit fallback file.
func fallbackIDs(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec struct {
			Audit    *struct{ EventID string } `json:"audit"`
			Security *struct{ EventID string } `json:"security"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) != nil {
			continue // a line torn by the kill
		}
		switch {
		case rec.Audit != nil:
			ids = append(ids, rec.Audit.EventID)
		case rec.Security != nil:
			ids = append(ids, rec.Security.EventID)
		}
	}
	return ids
}
