package sandbox_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/sandbox"
	"github.com/embodied-community/embodied/internal/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
	os.Exit(0)
}

func start(t *testing.T, configure ...func(*config.Config)) *sandbox.World {
	t.Helper()
	db := storetest.New(t)
	cfg := &config.Config{
		Env: config.EnvDev, HealthcheckInterval: 5 * time.Minute, BackupCron: "0 3 * * *",
		BackupDir: filepath.Join(t.TempDir(), "backups"), BackupRetention: 30 * 24 * time.Hour,
		ShutdownTimeout: 10 * time.Second, AuditFallbackFile: filepath.Join(t.TempDir(), "fallback.jsonl"),
		ExportDir: filepath.Join(t.TempDir(), "exports"), ExportRetention: 24 * time.Hour,
		StrikeWindow: 30 * 24 * time.Hour, StrikeTimeout: 24 * time.Hour, StrikeLadder: []config.Rung{config.RungWarning, config.RungTimeout, config.RungBan},
		DatabaseURL: db.AppURL, MigrationURL: db.OwnerURL, LogLevel: "info", LogFormat: "text",
	}
	for _, c := range configure {
		c(cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w, err := sandbox.Start(ctx, cfg, sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := w.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	return w
}

// A person's session, fed on stdin: the transcript shows replies, embeds,
// buttons, refusals and what happened elsewhere.
func TestConsoleTranscript(t *testing.T) {
	w := start(t)
	var out bytes.Buffer
	c := sandbox.NewConsole(w, &out)
	c.Banner()
	script := strings.Join([]string{
		`help`,
		`/barbie add name:"Test Contact" notes:"This bitch deserves to be ignored"`,
		`as bob /security audit`,
		`as moderator`,
		`/security flags`,
		`click 1`,
		`as admin /admin adjust-xp user:@alice amount:100`,
		`/profile user:nobody`,
		`/nosuch`,
		`users`,
		`quit`,
		`/never-run`,
	}, "\n")
	if err := c.Run(context.Background(), strings.NewReader(script)); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"Nothing reaches Discord",
		"Slash commands: ", "/barbie add", "Members: owner, admin, moderator, alice, bob",
		"alice> /barbie add name:\"Test Contact\"",
		"bot (only alice sees this): ✅ Added **Test Contact** to your list",
		"⚠️ Your submission was flagged for moderator review.",
		"alice> as bob /security audit\nbot (only bob sees this): ❌ You do not have permission to use this command.",
		"Now acting as moderator.",
		"moderator> /security flags\nbot (only moderator sees this):",
		"  │   > This bitch deserves to be ignored",
		"[1] ", "(click N)",
		"moderator> click 1\n",
		"dismissed",
		"bot (only admin sees this): ✅ Adjusted @alice's XP by +100",
		"✗ /profile: user: no member \"nobody\"",
		"✗ Discord does not know /nosuch",
		"  alice      ",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
	if strings.Contains(got, "never-run") {
		t.Error("lines after quit were run")
	}
	if t.Failed() {
		t.Logf("transcript:\n%s", got)
	}
}

// Warnings show the DM the member received.
func TestConsoleShowsDMs(t *testing.T) {
	w := start(t)
	if !w.HasCommand("/security warn") {
		t.Fatal("the warning system is not registered")
	}
	var out bytes.Buffer
	c := sandbox.NewConsole(w, &out)
	if err := c.Run(context.Background(), strings.NewReader(`as moderator /security warn user:bob reason:"Test warning" severity:medium`+"\ntimeouts\nbans\n")); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"User warned. Total warnings: 1. Action: warning", "📨 DM to bob: ⚠️ Warning - Strike 1/3", "Nobody is timed out.", "Nobody is banned."} {
		if !strings.Contains(got, want) {
			t.Errorf("transcript lacks %q:\n%s", want, got)
		}
	}
}

func TestComplete(t *testing.T) {
	w := start(t)
	c := sandbox.NewConsole(w, &bytes.Buffer{})
	tests := []struct {
		line string
		want []string
	}{
		{"/bar", []string{"/barbie"}},
		{"as a", []string{"admin", "alice"}},
		{"as alice /barbie ", []string{"add", "list", "remove"}},
		{"/barbie add ", []string{"name:", "notes:"}},
		{"/barbie add name:x ", []string{"notes:"}},
		{"/admin adjust-xp user:b", []string{"user:bob"}},
		{"/admin adjust-xp user:@al", []string{"user:alice"}},
		{"cl", []string{"click"}},
		{"dms m", []string{"moderator"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, c.Complete(tt.line)); diff != "" {
			t.Errorf("Complete(%q) mismatch (-want +got):\n%s", tt.line, diff)
		}
	}
	line, cands := c.CompleteLine("as al")
	if line != "as alice " || cands != nil {
		t.Errorf("CompleteLine(as al) = %q, %q", line, cands)
	}
	line, cands = c.CompleteLine("as a")
	if line != "as a" || len(cands) != 2 {
		t.Errorf("CompleteLine(as a) = %q, %q", line, cands)
	}
	if !regexp.MustCompile(`^alice> $`).MatchString(c.Prompt()) {
		t.Errorf("prompt %q", c.Prompt())
	}
}

// A reply the bot edits after the first response shows each version as it
// comes, before the next prompt: /security backup answers "Starting database
// backup..." and then edits it to "Backup completed!".
func TestConsoleShowsEdits(t *testing.T) {
	w := start(t)
	var out bytes.Buffer
	c := sandbox.NewConsole(w, &out)
	if err := c.Run(context.Background(), strings.NewReader("as owner /security backup\nusers\n")); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	starting := strings.Index(got, "bot (only owner sees this): Starting database backup...")
	done := regexp.MustCompile(`bot \(edited, only owner sees this\): Backup completed!\n  File: backup-[0-9T-]+\.sql\.gz\n  Size: `).FindStringIndex(got)
	next := strings.Index(got, "alice> users")
	if starting < 0 || done == nil || next < 0 || !(starting < done[0] && done[0] < next) {
		t.Errorf("want the start, then the edit to \"Backup completed!\", then the next prompt:\n%s", got)
	}
}

// A follow-up the bot sends and a message it deletes after the console
// moved on show before the next command's output.
func TestConsoleShowsFollowupsAndDeletions(t *testing.T) {
	w := start(t)
	var mu sync.Mutex
	var ic *discordgo.Interaction
	remove := w.App.Session.AddHandler(func(_ *discordgo.Session, e *discordgo.InteractionCreate) {
		mu.Lock()
		defer mu.Unlock()
		ic = e.Interaction
	})
	defer remove()
	var out bytes.Buffer
	c := sandbox.NewConsole(w, &out)
	c.Exec(context.Background(), "/barbie list")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		got := ic
		mu.Unlock()
		if got != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the interaction never reached the bot's handlers")
		}
	}
	// Later, the bot follows up and deletes its first reply.
	if _, err := w.App.Session.FollowupMessageCreate(ic, true, &discordgo.WebhookParams{Content: "One more thing.", Flags: discordgo.MessageFlagsEphemeral}); err != nil {
		t.Fatal(err)
	}
	if err := w.App.Session.InteractionResponseDelete(ic); err != nil {
		t.Fatal(err)
	}
	c.Exec(context.Background(), "bans")
	got := out.String()
	followup := strings.Index(got, "bot (only alice sees this): One more thing.")
	deleted := strings.Index(got, "bot deleted its message: ")
	bans := strings.Index(got, "Nobody is banned.")
	if followup < 0 || deleted < 0 || bans < 0 || followup > bans || deleted > bans {
		t.Errorf("want the follow-up and the deletion before the next command's output:\n%s", got)
	}
}
