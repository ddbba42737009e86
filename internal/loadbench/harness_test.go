package loadbench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/loadgen"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/storetest"
)

// guildMembers is the guild size.
const guildMembers = 2000

// clockTicks is the kernel's USER_HZ, the unit of utime and stime in
// /proc/<pid>/stat (100 on every Linux architecture Go supports).
const clockTicks = 100

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binaries builds cmd/embodied and testdata/barebot once per test binary
// (without the race detector: the figures are the production build's).
func binaries(tb testing.TB) (embodied, barebot string) {
	tb.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "loadbench-bin-")
		if buildErr != nil {
			return
		}
		for name, pkg := range map[string]string{"embodied": "../../cmd/embodied", "barebot": "./testdata/barebot"} {
			out, err := exec.Command("go", "build", "-o", filepath.Join(binDir, name), pkg).CombinedOutput()
			if err != nil {
				buildErr = fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
				return
			}
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return filepath.Join(binDir, "embodied"), filepath.Join(binDir, "barebot")
}

// rig is one run's world: the emulator with a seeded guild and a fresh
// migrated database whose plain members have profiles.
type rig struct {
	sim   *discordsim.Server
	world *loadgen.World
	db    *storetest.DB
	dir   string
	token string
}

func newRig(tb testing.TB, members int) *rig {
	tb.Helper()
	token := "Load." + randomHex(12)
	// Not NewTest: past the knee late answers are expected protocol violations.
	sim, err := discordsim.New(discordsim.Options{Token: token})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(sim.Close)
	r := &rig{sim: sim, world: loadgen.Seed(sim, members), db: storetest.New(tb), dir: tb.TempDir(), token: token}
	ids := make([]string, len(r.world.Plain))
	for i, m := range r.world.Plain {
		ids[i] = m.ID()
	}
	if _, err := r.db.App.Exec(context.Background(), `
		INSERT INTO member_profiles (guild_id, user_id, xp) SELECT $1, u, 150 FROM unnest($2::text[]) AS u`,
		r.world.Guild.ID, ids); err != nil {
		tb.Fatalf("seed profiles: %v", err)
	}
	return r
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// freeAddr returns a 127.0.0.1 address nothing listens on right now.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// baseEnv is what every child gets: no inherited DATABASE_URL or token, only
// PATH (pg_dump) and a HOME of its own.
func (r *rig) baseEnv() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + r.dir, "DISCORD_TOKEN=" + r.token, "DISCORD_API_URL=" + r.sim.URL()}
}

// botEnv configures `embodied run` for the rig: safe mode (no enforcement),
// the ops listener on httpAddr, files under the rig's directory.
func (r *rig) botEnv(httpAddr string, extra ...string) []string {
	env := append(r.baseEnv(),
		"APP_ENV=dev",
		"DATABASE_URL="+r.db.AppURL,
		"ADMIN_USER_ID="+r.world.Owner.ID(),
		"SECOPS_ENFORCE_MODERATION=false",
		"SECOPS_HTTP_ADDR="+httpAddr,
		"SECOPS_BACKUP_DIR="+filepath.Join(r.dir, "backups"),
		"SECOPS_EXPORT_DIR="+filepath.Join(r.dir, "exports"),
		"SECOPS_AUDIT_FALLBACK_FILE="+filepath.Join(r.dir, "audit-fallback.jsonl"),
		"COMPONENT_SIGNING_KEY_FILE="+filepath.Join(r.dir, "signing.key"),
		"LOG_LEVEL=warn",
		"LOG_FORMAT=text",
	)
	return append(env, extra...)
}

// checkNoSecrets fails t if the bot token or the database password is in logs.
func (r *rig) checkNoSecrets(t testing.TB, logs string) {
	t.Helper()
	if strings.Contains(logs, r.token) {
		t.Errorf("the bot token appeared in the logs")
	}
	if u, err := url.Parse(r.db.AppURL); err == nil {
		if pw, ok := u.User.Password(); ok && strings.Contains(logs, pw) {
			t.Errorf("the database password appeared in the logs")
		}
	}
}

// child is a bot process started by a test.
type child struct {
	cmd     *exec.Cmd
	addr    string // its HTTP listener (/readyz)
	started time.Time
	logs    *logging.Capture
	exited  chan struct{}
	exitAt  time.Time
	waitErr error
}

// startChild runs bin with args and env in dir; addr is where it serves
// /readyz. The process is killed at cleanup if still running, and its logs
// are printed if the test failed.
func startChild(tb testing.TB, bin string, env []string, dir, addr string, args ...string) *child {
	tb.Helper()
	c := &child{cmd: exec.Command(bin, args...), addr: addr, logs: &logging.Capture{}, exited: make(chan struct{})}
	c.cmd.Env, c.cmd.Dir = env, dir
	c.cmd.Stdout, c.cmd.Stderr = c.logs, c.logs
	c.started = time.Now()
	if err := c.cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", filepath.Base(bin), err)
	}
	go func() {
		c.waitErr = c.cmd.Wait()
		c.exitAt = time.Now()
		close(c.exited)
	}()
	tb.Cleanup(func() {
		_ = c.cmd.Process.Kill()
		<-c.exited
		if tb.Failed() {
			tb.Logf("%s logs:\n%s", filepath.Base(bin), tail(c.logs.String(), 8000))
		}
	})
	return c
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// waitReady polls until the child's /readyz answers 200 and its commands are
// registered with the emulator, and returns the time since the process
// started.
func (c *child) waitReady(ctx context.Context, sim *discordsim.Server, command string) (time.Duration, error) {
	client := &http.Client{Timeout: time.Second}
	registered := func() bool {
		return slices.ContainsFunc(sim.Commands(""), func(cmd *discordgo.ApplicationCommand) bool { return cmd.Name == command })
	}
	for {
		if resp, err := client.Get("http://" + c.addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && registered() {
				return time.Since(c.started), nil
			}
		}
		select {
		case <-c.exited:
			return 0, fmt.Errorf("exited before ready: %v", c.waitErr)
		case <-ctx.Done():
			return 0, fmt.Errorf("not ready: %w", ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// cpu is the child's user+system CPU time so far (/proc/<pid>/stat).
func (c *child) cpu() (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("read stat: %w", err)
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("short stat line %q", data)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("parse stat: %w", err)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// memMB reads a memory field of /proc/<pid>/status (VmRSS, VmHWM) in MB.
func (c *child) memMB(field string) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("read status: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				return 0, fmt.Errorf("parse %s: %w", field, err)
			}
			return kb / 1024, nil
		}
	}
	return 0, fmt.Errorf("no %s in status", field)
}

// stop sends sig and waits up to limit for the process to exit; it returns
// how long the exit took.
func (c *child) stop(sig syscall.Signal, limit time.Duration) (time.Duration, error) {
	at := time.Now()
	if err := c.cmd.Process.Signal(sig); err != nil {
		return 0, fmt.Errorf("signal %v: %w", sig, err)
	}
	select {
	case <-c.exited:
		return c.exitAt.Sub(at), nil
	case <-time.After(limit):
		return time.Since(at), fmt.Errorf("still running %s after %v", limit, sig)
	}
}
