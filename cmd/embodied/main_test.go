package main

import (
	"bufio"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/schema"
	"github.com/embodied-community/embodied/internal/storetest"
)

// Canaries: secrets that must never be printed.
const (
	canaryToken    = "CanaryToken.ZZ9-plural-z-alpha"
	canaryPassword = "CanaryPassword-7f3a9c"
)

// env returns a clean environment for the binary: no variable of the
// developer's, DATABASE_URL split into URL and DB_PASSWORD.
func env(t *testing.T, dbURL string, extra ...string) []string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	u.User = url.User(u.User.Username())
	return append([]string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
		"DATABASE_URL=" + u.String(), "DB_PASSWORD=" + pw,
		"SECOPS_AUDIT_FALLBACK_FILE=" + filepath.Join(t.TempDir(), "fallback.jsonl"),
	}, extra...)
}

var binary string

func build(t *testing.T) string {
	t.Helper()
	if binary != "" {
		return binary
	}
	dir, err := os.MkdirTemp("", "embodied-bin")
	if err != nil {
		t.Fatal(err)
	}
	binary = filepath.Join(dir, "embodied")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return binary
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary != "" {
		os.RemoveAll(filepath.Dir(binary))
	}
	os.Exit(code)
}

func run(t *testing.T, environ []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(build(t), args...)
	cmd.Env = environ
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

func TestExitCodesAndUsage(t *testing.T) {
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	tests := []struct {
		args     []string
		env      []string
		wantCode int
		want     string
	}{
		{[]string{"run"}, base, 2, "DISCORD_TOKEN: is required to run the bot"},
		{[]string{"frobnicate"}, base, 2, `unknown command "frobnicate"`},
		{[]string{"migrate"}, base, 2, "missing action"},
		{[]string{"migrate", "sideways"}, base, 2, `unknown action "sideways"`},
		{[]string{"migrate", "--help"}, base, 0, "Usage: embodied migrate up|down [N]|status|verify"},
		{[]string{"--help"}, base, 0, "Usage: embodied [command]"},
		{[]string{"version"}, base, 0, "embodied "},
		{[]string{"migrate", "status"}, append(base, "SECOPS_BACKUP_CRON=0 3 * *", "ADMIN_USER_ID=nope"), 2,
			"invalid configuration:\n  SECOPS_BACKUP_CRON"},
	}
	for _, tt := range tests {
		out, code := run(t, tt.env, tt.args...)
		if code != tt.wantCode || !strings.Contains(out, tt.want) {
			t.Errorf("embodied %v: exit %d, output:\n%s\nwant exit %d and %q", tt.args, code, out, tt.wantCode, tt.want)
		}
	}
}

func TestMigrateVerifyAndAuditVerify(t *testing.T) {
	db := storetest.Empty(t)
	e := env(t, db)
	out, code := run(t, e, "migrate", "up")
	if code != 0 || !strings.Contains(out, "applied 10/u add_security_audit") {
		t.Fatalf("migrate up: exit %d\n%s", code, out)
	}
	out, code = run(t, e, "migrate", "verify")
	if code != 0 || strings.Contains(out, "FAIL ") || !strings.Contains(out, "PASS table audit_log") {
		t.Errorf("migrate verify: exit %d\n%s", code, out)
	}
	out, code = run(t, e, "migrate", "status")
	if code != 0 || !strings.Contains(out, "010_add_security_audit") {
		t.Errorf("migrate status: exit %d\n%s", code, out)
	}
	out, code = run(t, e, "audit", "verify")
	if code != 0 || !strings.HasPrefix(out, "Audit chain OK: 0 rows verified") {
		t.Errorf("audit verify: exit %d\n%s", code, out)
	}
}

// The bot starts, answers, and stops cleanly on SIGTERM with exit 0; the
// canary token and password never appear in its output or in any process's
// arguments.
func TestRunLifecycleKeepsSecrets(t *testing.T) {
	db := storetest.New(t)
	sim := discordsim.NewTest(t, discordsim.Options{Token: canaryToken})
	g := sim.SeedSandbox()

	// The application role's real password travels as DB_PASSWORD; the
	// canary is the bot token.
	e := env(t, db.AppURL, "DISCORD_TOKEN="+canaryToken, "DISCORD_API_URL="+sim.URL(),
		"ADMIN_USER_ID="+g.Owner().ID(), "SECOPS_HTTP_ADDR=127.0.0.1:0", "LOG_FORMAT=json")
	cmd := exec.Command(build(t), "run")
	cmd.Env = e
	cmd.Dir = t.TempDir()
	out := &logging.Capture{}
	pr, pw, _ := os.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	ready, scanned := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			out.Write([]byte(sc.Text() + "\n"))
			if strings.Contains(sc.Text(), "Connected to Discord") {
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the bot did not connect:\n%s", out.String())
	}
	cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/cmdline")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ix, err := sim.Run(ctx, g.MemberByName("alice"), "/profile")
	if err != nil || !strings.Contains(ix.Content(), "no XP yet") {
		t.Errorf("/profile: %v %q", err, ix.Content())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		<-scanned
		if err != nil {
			t.Errorf("exit after SIGTERM: %v, want status 0\n%s", err, out.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the bot did not stop within 20 s of SIGTERM")
	}
	appURL, _ := url.Parse(db.AppURL)
	dbPassword, _ := appURL.User.Password()
	for _, secret := range []string{canaryToken, dbPassword} {
		if strings.Contains(out.String(), secret) || strings.Contains(string(cmdline), secret) {
			t.Errorf("a secret leaked into the output or argv:\n%s", out.String())
		}
	}
	if !strings.Contains(out.String(), `"msg":"Stopped"`) {
		t.Errorf("no clean shutdown line:\n%s", out.String())
	}
}

func TestSecretsStayOutOfErrors(t *testing.T) {
	// A wrong password and an unreachable server: the errors say what
	// failed, never the password or the token.
	e := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
		"DATABASE_URL=postgres://botuser:" + canaryPassword + "@127.0.0.1:1/embodied?connect_timeout=2",
		"DISCORD_TOKEN=" + canaryToken, "ADMIN_USER_ID=123456789012345678"}
	for _, args := range [][]string{{"migrate", "up"}, {"migrate", "verify"}, {"audit", "verify"}, {"run"}} {
		out, code := run(t, e, args...)
		if code == 0 {
			t.Errorf("embodied %v succeeded against a closed port", args)
		}
		if strings.Contains(out, canaryPassword) || strings.Contains(out, canaryToken) {
			t.Errorf("embodied %v leaked a secret:\n%s", args, out)
		}
	}
}

// A migration that failed leaves only golang-migrate's dirty mark (each runs
// in one transaction). status names the version to force; migrate up refuses
// until then; force records it; migrate up then applies the migration.
func TestMigrateForceAfterAFailedMigration(t *testing.T) {
	db := storetest.Empty(t)
	e := env(t, db)
	if out, code := run(t, e, "migrate", "up"); code != 0 {
		t.Fatalf("migrate up: exit %d\n%s", code, out)
	}
	if out, code := run(t, e, "migrate", "down", "1"); code != 0 {
		t.Fatalf("migrate down 1: exit %d\n%s", code, out)
	}
	latest, before := schema.Latest(), schema.Before(schema.Latest())
	// What golang-migrate records when the latest migration fails.
	pool := storetest.Pool(t, db)
	if _, err := pool.Exec(context.Background(), `UPDATE schema_migrations SET version = $1, dirty = true`, latest); err != nil {
		t.Fatal(err)
	}
	force := fmt.Sprintf("`embodied migrate force %03d`", before)
	steps := []struct {
		args     []string
		wantCode int
		want     string
	}{
		{[]string{"migrate", "status"}, 1, "DIRTY (failed; nothing of it was applied: fix the cause, then " + force},
		{[]string{"migrate", "up"}, 1, "Dirty database version"},
		{[]string{"migrate", "force", "999"}, 2, "there is no migration 999"},
		{[]string{"migrate", "force"}, 2, "migrate force takes one version"},
		{[]string{"migrate", "force", fmt.Sprint(before)}, 0, fmt.Sprintf("Schema recorded at version %03d", before)},
		{[]string{"migrate", "up"}, 0, fmt.Sprintf("Schema at version %03d", latest)},
		{[]string{"migrate", "verify"}, 0, "0 failed"},
	}
	for _, s := range steps {
		out, code := run(t, e, s.args...)
		if code != s.wantCode || !strings.Contains(out, s.want) {
			t.Errorf("embodied %v: exit %d, output:\n%s\nwant exit %d and %q", s.args, code, out, s.wantCode, s.want)
		}
	}
}
