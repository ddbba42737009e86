// Package systemd holds the bot's systemd units, the single one and the
// template that runs one gateway shard per instance; this test checks them
// with systemd-analyze verify against a freshly built binary.
package systemd

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/config"
)

const (
	unitFile     = "embodied-dating-bot.service"
	templateFile = "embodied-dating-bot@.service"
	targetFile   = "embodied-dating-bot.target"
	shardsEnv    = "shards.env"
)

// directives parses the unit into key → values, ignoring sections.
func directives(t *testing.T, data []byte) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		out[k] = append(out[k], v)
	}
	return out
}

func TestUnitDirectives(t *testing.T) {
	data, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	d := directives(t, data)
	want := map[string]string{
		"Type":             "notify",
		"Restart":          "on-failure",
		"EnvironmentFile":  "/etc/embodied/embodied.env",
		"User":             "embodied",
		"NoNewPrivileges":  "yes",
		"ProtectSystem":    "strict",
		"PrivateTmp":       "yes",
		"ReadWritePaths":   "/var/lib/embodied/backups /var/lib/embodied/logs /var/lib/embodied/exports /var/lib/embodied/keys",
		"WorkingDirectory": "/var/lib/embodied",
		"ExecStart":        "/usr/local/bin/embodied run",
	}
	got := map[string]string{}
	for k := range want {
		got[k] = strings.Join(d[k], "\n")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("directives mismatch (-want +got):\n%s", diff)
	}
	if len(d["WatchdogSec"]) != 1 {
		t.Error("no WatchdogSec")
	}
	stop, err := time.ParseDuration(strings.Join(d["TimeoutStopSec"], ""))
	if err != nil {
		t.Fatalf("TimeoutStopSec: %v", err)
	}
	if grace := shutdownDefault(t); stop <= grace {
		t.Errorf("TimeoutStopSec %s is not longer than the graceful shutdown (%s)", stop, grace)
	}
}

func shutdownDefault(t *testing.T) time.Duration {
	m := regexp.MustCompile(`(?m)^\s*SECOPS_SHUTDOWN_TIMEOUT\s+(\S+)`).FindStringSubmatch(config.Usage())
	if m == nil {
		t.Fatal("SECOPS_SHUTDOWN_TIMEOUT not in config.Usage()")
	}
	d, err := time.ParseDuration(m[1])
	if err != nil {
		t.Fatalf("SECOPS_SHUTDOWN_TIMEOUT default: %v", err)
	}
	return d
}

// TestVerify runs systemd-analyze verify on copies of the units whose
// ExecStart points at a binary built now (verify needs it to exist), and
// fails on any warning as well as on errors. The template is verified as
// an instance (shard 0), which systemd loads from the template beside it.
func TestVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("systemd-analyze not found")
		}
		t.Skip("systemd-analyze not found")
	}
	if testing.Short() {
		t.Skip("builds the bot")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "embodied")
	build := exec.Command("go", "build", "-o", bin, "github.com/embodied-community/embodied/cmd/embodied")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	execStart := regexp.MustCompile(`(?m)^ExecStart=\S+`)
	for _, file := range []string{unitFile, templateFile, targetFile} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if file != targetFile && !execStart.Match(data) {
			t.Fatalf("%s: no ExecStart", file)
		}
		if err := os.WriteFile(filepath.Join(dir, file), execStart.ReplaceAll(data, []byte("ExecStart="+bin)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, unit := range []string{unitFile, "embodied-dating-bot@0.service", "embodied-dating-bot@15.service", targetFile} {
		t.Run(unit, func(t *testing.T) {
			out, err := runVerify(analyze, filepath.Join(dir, unit))
			if err != nil || strings.TrimSpace(out) != "" {
				t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
			}
		})
	}
}

func runVerify(analyze, unit string) (string, error) {
	cmd := exec.Command(analyze, "verify", unit)
	cmd.Env = append(os.Environ(), "SYSTEMD_LOG_COLOR=0")
	out, err := cmd.CombinedOutput()
	return string(out), err
}
