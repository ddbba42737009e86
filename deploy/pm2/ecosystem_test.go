// Package pm2 holds the bot's pm2 process file; this test loads it with node
// and checks it against the rollout guide's environment matrix.
package pm2

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/config"
)

type app struct {
	Name          string            `json:"name"`
	Script        string            `json:"script"`
	Args          string            `json:"args"`
	Interpreter   string            `json:"interpreter"`
	ExecMode      string            `json:"exec_mode"`
	Instances     int               `json:"instances"`
	KillTimeout   int64             `json:"kill_timeout"`
	LogFile       string            `json:"log_file"`
	OutFile       string            `json:"out_file"`
	ErrorFile     string            `json:"error_file"`
	Env           map[string]string `json:"env"`
	EnvStaging    map[string]string `json:"env_staging"`
	EnvProduction map[string]string `json:"env_production"`
}

func load(t *testing.T) app {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node not found")
		}
		t.Skip("node not found")
	}
	file, err := filepath.Abs("ecosystem.config.js")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, "-e", `process.stdout.write(JSON.stringify(require(process.argv[1])))`, file).Output()
	if err != nil {
		t.Fatalf("node cannot load ecosystem.config.js: %v", err)
	}
	var eco struct{ Apps []app }
	if err := json.Unmarshal(out, &eco); err != nil {
		t.Fatal(err)
	}
	if len(eco.Apps) != 1 {
		t.Fatalf("%d apps, want 1", len(eco.Apps))
	}
	return eco.Apps[0]
}

// shutdownDefault reads SECOPS_SHUTDOWN_TIMEOUT's default from the bot's
// own variable list.
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

func TestProcess(t *testing.T) {
	a := load(t)
	type process struct {
		Name, Args, Interpreter, ExecMode string
		Instances                         int
		LogFile                           string
		ScriptBase                        string
	}
	want := process{Name: "embodied-dating-bot", Args: "run", Interpreter: "none", ExecMode: "fork", Instances: 1,
		LogFile: "logs/bot.log", ScriptBase: "embodied"}
	got := process{Name: a.Name, Args: a.Args, Interpreter: a.Interpreter, ExecMode: a.ExecMode, Instances: a.Instances,
		LogFile: a.LogFile, ScriptBase: filepath.Base(a.Script)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("process mismatch (-want +got):\n%s", diff)
	}
	if kill, grace := time.Duration(a.KillTimeout)*time.Millisecond, shutdownDefault(t); kill <= grace {
		t.Errorf("kill_timeout %s is not longer than the graceful shutdown (%s)", kill, grace)
	}
	if a.OutFile == "" || a.ErrorFile == "" {
		t.Errorf("out_file %q, error_file %q: want both set", a.OutFile, a.ErrorFile)
	}
}

// TestEnvironmentMatrix is the rollout guide's table, row by row.
func TestEnvironmentMatrix(t *testing.T) {
	a := load(t)
	matrix := []struct {
		variable                 string
		dev, staging, production string // "" = not set (N/A)
	}{
		{"APP_ENV", "dev", "staging", "production"},
		{"SECOPS_ENABLE_HEALTHCHECKS", "false", "true", "true"},
		{"SECOPS_HEALTHCHECK_INTERVAL_MIN", "5", "5", "5"},
		{"SECOPS_ENABLE_AUTOBACKUP", "false", "true", "true"},
		{"SECOPS_BACKUP_CRON", "", "0 3 * * *", "0 3 * * *"},
		{"SECOPS_ENFORCE_MODERATION", "false", "false", "true"},
		{"DB_NAME", "embodied_dating_bot_dev", "embodied_dating_bot_staging", "embodied_dating_bot"},
	}
	envs := []struct {
		name string
		env  map[string]string
		pick func(dev, staging, production string) string
	}{
		{"env", a.Env, func(d, _, _ string) string { return d }},
		{"env_staging", a.EnvStaging, func(_, s, _ string) string { return s }},
		{"env_production", a.EnvProduction, func(_, _, p string) string { return p }},
	}
	for _, e := range envs {
		want, got := map[string]string{}, map[string]string{}
		for _, row := range matrix {
			if v := e.pick(row.dev, row.staging, row.production); v != "" {
				want[row.variable] = v
			}
			if v, ok := e.env[row.variable]; ok {
				got[row.variable] = v
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", e.name, diff)
		}
		for _, secret := range []string{"DISCORD_TOKEN", "DB_PASSWORD", "ADMIN_USER_ID"} {
			if _, ok := e.env[secret]; ok {
				t.Errorf("%s sets %s: secrets belong in .env", e.name, secret)
			}
		}
	}
}
