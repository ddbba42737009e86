// Package proctest runs the bot's real binary as child processes for tests
// and benchmarks: it builds cmd/embodied (or another main package) once per
// test binary, starts children with an environment of their own, waits for
// their readiness and reads their CPU and memory from /proc.
package proctest

import (
	"bytes"
	"context"
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
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/logging"
)

// clockTicks is the kernel's USER_HZ, the unit of utime and stime in
// /proc/<pid>/stat (100 on every Linux architecture Go supports).
const clockTicks = 100

// Embodied is the bot's main package, for Build.
const Embodied = "github.com/embodied-community/embodied/cmd/embodied"

var (
	buildMu sync.Mutex
	binDir  string
	built   = map[string]string{}
)

// Build builds the main package pkg (an import path, or a directory relative
// to the test's working directory) once per test binary, without the race
// detector (the figures are the production build's), and returns the
// binary's path.
func Build(tb testing.TB, pkg string) string {
	tb.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if bin, ok := built[pkg]; ok {
		return bin
	}
	if binDir == "" {
		dir, err := os.MkdirTemp("", "proctest-bin-")
		if err != nil {
			tb.Fatal(err)
		}
		binDir = dir
	}
	bin := filepath.Join(binDir, fmt.Sprintf("%d-%s", len(built), filepath.Base(pkg)))
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		tb.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	built[pkg] = bin
	return bin
}

// FreeAddr returns a 127.0.0.1 address nothing listens on right now.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Child is a process started by a test.
type Child struct {
	// Cmd is the running command.
	Cmd *exec.Cmd
	// Addr is its HTTP listener (/readyz).
	Addr string
	// Started is when it was started.
	Started time.Time
	// Logs holds its standard output and error.
	Logs *logging.Capture

	exited  chan struct{}
	exitAt  time.Time
	waitErr error
}

// Start runs bin with args and env in dir; addr is where it serves /readyz.
// The process is killed at cleanup if still running, and the tail of its
// logs is printed if the test failed.
func Start(tb testing.TB, bin string, env []string, dir, addr string, args ...string) *Child {
	tb.Helper()
	c := &Child{Cmd: exec.Command(bin, args...), Addr: addr, Logs: &logging.Capture{}, exited: make(chan struct{})}
	c.Cmd.Env, c.Cmd.Dir = env, dir
	c.Cmd.Stdout, c.Cmd.Stderr = c.Logs, c.Logs
	c.Started = time.Now()
	if err := c.Cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", filepath.Base(bin), err)
	}
	go func() {
		c.waitErr = c.Cmd.Wait()
		c.exitAt = time.Now()
		close(c.exited)
	}()
	tb.Cleanup(func() {
		_ = c.Cmd.Process.Kill()
		<-c.exited
		if tb.Failed() {
			tb.Logf("%s (%s) logs:\n%s", filepath.Base(bin), strings.Join(args, " "), Tail(c.Logs.String(), 8000))
		}
	})
	return c
}

// Exited is closed when the process has exited.
func (c *Child) Exited() <-chan struct{} { return c.exited }

// WaitErr is how the process exited; valid once Exited is closed.
func (c *Child) WaitErr() error { return c.waitErr }

// ExitAt is when the process exited; valid once Exited is closed.
func (c *Child) ExitAt() time.Time { return c.exitAt }

// Kill kills the process (SIGKILL: no shutdown of its own) and waits for it.
func (c *Child) Kill() {
	_ = c.Cmd.Process.Kill()
	<-c.exited
}

// Tail is the last n bytes of s.
func Tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// Ready reports whether the child's /readyz answers 200.
func (c *Child) Ready(client *http.Client) bool {
	resp, err := client.Get("http://" + c.Addr + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// WaitReady polls until the child's /readyz answers 200 and command is
// registered with the emulator (any command when empty), and returns the
// time since the process started.
func (c *Child) WaitReady(ctx context.Context, sim *discordsim.Server, command string) (time.Duration, error) {
	client := &http.Client{Timeout: time.Second}
	registered := func() bool {
		return command == "" || slices.ContainsFunc(sim.Commands(""), func(cmd *discordgo.ApplicationCommand) bool { return cmd.Name == command })
	}
	for {
		if c.Ready(client) && registered() {
			return time.Since(c.Started), nil
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

// CPU is the child's user+system CPU time so far (/proc/<pid>/stat).
func (c *Child) CPU() (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.Cmd.Process.Pid))
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

// MemMB reads a memory field of /proc/<pid>/status (VmRSS, VmHWM) in MB.
func (c *Child) MemMB(field string) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.Cmd.Process.Pid))
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

// Env is what a child bot needs to reach the emulator and the database,
// and the directory its files go to. MigrationURL, when set, is the schema
// owner's connection (MIGRATION_DATABASE_URL), which backups use.
type Env struct {
	Dir, Token, APIURL, DatabaseURL, AdminID string
	MigrationURL                             string
}

// Base is what every child gets: no inherited DATABASE_URL or token, only
// PATH (pg_dump) and a HOME of its own, the token and the emulator's URL.
func (e Env) Base() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + e.Dir, "DISCORD_TOKEN=" + e.Token, "DISCORD_API_URL=" + e.APIURL}
}

// Bot configures `embodied run`: safe mode (no enforcement), the ops
// listener on httpAddr, files under Dir, warnings and errors logged; extra
// comes last and so wins.
func (e Env) Bot(httpAddr string, extra ...string) []string {
	env := append(e.Base(),
		"APP_ENV=dev",
		"DATABASE_URL="+e.DatabaseURL,
		"ADMIN_USER_ID="+e.AdminID,
		"SECOPS_ENFORCE_MODERATION=false",
		"SECOPS_HTTP_ADDR="+httpAddr,
		"SECOPS_BACKUP_DIR="+filepath.Join(e.Dir, "backups"),
		"SECOPS_EXPORT_DIR="+filepath.Join(e.Dir, "exports"),
		"SECOPS_AUDIT_FALLBACK_FILE="+filepath.Join(e.Dir, "audit-fallback.jsonl"),
		"COMPONENT_SIGNING_KEY_FILE="+filepath.Join(e.Dir, "signing.key"),
		"LOG_LEVEL=warn",
		"LOG_FORMAT=text",
	)
	if e.MigrationURL != "" {
		env = append(env, "MIGRATION_DATABASE_URL="+e.MigrationURL)
	}
	return append(env, extra...)
}

// CheckNoSecrets fails tb if the bot token or a database password is in logs.
func (e Env) CheckNoSecrets(tb testing.TB, logs string) {
	tb.Helper()
	if strings.Contains(logs, e.Token) {
		tb.Errorf("the bot token appeared in the logs")
	}
	for _, conn := range []string{e.DatabaseURL, e.MigrationURL} {
		if u, err := url.Parse(conn); err == nil && u.User != nil {
			if pw, ok := u.User.Password(); ok && strings.Contains(logs, pw) {
				tb.Errorf("the password of database user %s appeared in the logs", u.User.Username())
			}
		}
	}
}

// Stop sends sig and waits up to limit for the process to exit; it returns
// how long the exit took.
func (c *Child) Stop(sig syscall.Signal, limit time.Duration) (time.Duration, error) {
	at := time.Now()
	if err := c.Cmd.Process.Signal(sig); err != nil {
		return 0, fmt.Errorf("signal %v: %w", sig, err)
	}
	select {
	case <-c.exited:
		return c.exitAt.Sub(at), nil
	case <-time.After(limit):
		return time.Since(at), fmt.Errorf("still running %s after %v", limit, sig)
	}
}

// RemoveBinaries deletes what Build built; TestMain calls it after m.Run.
func RemoveBinaries() {
	buildMu.Lock()
	defer buildMu.Unlock()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	binDir, built = "", map[string]string{}
}

// Main is TestMain for packages that start children: it runs the tests,
// removes what Build built and, when they passed, checks for leaked
// goroutines (go.uber.org/goleak).
func Main(m *testing.M) {
	code := m.Run()
	RemoveBinaries()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}
