package smoke_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/health"
	"github.com/embodied-community/embodied/internal/smoke"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
	os.Exit(0)
}

// `embodied smoke` in-process against a throwaway database: all eight pass,
// the run is recorded, and what the tests did in their emulated guilds
// raises no health alert count.
func TestSmokeRun(t *testing.T) {
	db := storetest.New(t)
	cfg := &config.Config{
		Env: config.EnvDev, HealthcheckInterval: 5 * time.Minute, BackupCron: "0 3 * * *",
		BackupDir: filepath.Join(t.TempDir(), "backups"), BackupRetention: 30 * 24 * time.Hour,
		ShutdownTimeout: 10 * time.Second, AuditFallbackFile: filepath.Join(t.TempDir(), "fallback.jsonl"),
		ExportDir: filepath.Join(t.TempDir(), "exports"), ExportRetention: 24 * time.Hour,
		StrikeWindow: 30 * 24 * time.Hour, StrikeTimeout: 24 * time.Hour, StrikeLadder: []config.Rung{config.RungWarning, config.RungTimeout, config.RungBan},
		DatabaseURL: db.AppURL, MigrationURL: db.OwnerURL, LogLevel: "info", LogFormat: "text",
	}
	var out bytes.Buffer
	run, err := smoke.Run(context.Background(), cfg, &out, smoke.Options{HealthInterval: 300 * time.Millisecond})
	if err != nil {
		t.Fatalf("smoke: %v\n%s", err, out.String())
	}
	if run.Total != 8 {
		t.Errorf("%d tests ran, want 8", run.Total)
	}
	for i, r := range run.Results {
		if !r.Passed {
			t.Errorf("%s failed: %s", r.Name, r.Seen)
		}
		if !strings.HasPrefix(r.Name, "Test "+string(rune('1'+i))+": ") {
			t.Errorf("test %d is %q: not in the guide's order", i+1, r.Name)
		}
	}
	for _, want := range []string{"PASS  Test 1: Rate limiting", "PASS  Test 8: Health check monitoring  (SECOPS_ENABLE_HEALTHCHECKS=true SECOPS_ENABLE_AUTOBACKUP=false SECOPS_ENFORCE_MODERATION=false SECOPS_HEALTHCHECK_INTERVAL=300ms)",
		"expected: ", "seen: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	last, err := store.New(db.App).LastSmokeRun(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if last.Total != run.Total || last.Passed != run.Passed || len(last.Results) != 8 {
		t.Errorf("recorded %+v", last)
	}
	counts, err := store.New(db.App).SecurityCounts(context.Background(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if counts != (health.Counts{}) {
		t.Errorf("smoke runs count towards the health alerts: %+v", counts)
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("output:\n%s", out.String())
	}
}
