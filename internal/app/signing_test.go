package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/embodied-community/embodied/internal/app"
	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/backup"
	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
)

// oldKey is a component signing key as an earlier version kept it: hex in
// bot_settings.
const oldKey = "5f1c0a9be2d84f7761a3c0de99b1e45a0c7d3e2f1a8b6c4d2e0f9a7b5c3d1e0f"

// TestSigningKeyLeavesTheDatabase: the component signing key an earlier
// version stored in the database is moved to the key file (mode 0600) and
// gone from the database after start; a backup (which leaves the machine)
// does not hold it; buttons signed before the upgrade and before a restart
// still work.
func TestSigningKeyLeavesTheDatabase(t *testing.T) {
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "etc", "component-signing.key")
	h := apptest.New(t, func(c *config.Config) {
		c.ComponentSigningKeyFile = keyFile
		// What an earlier version left behind.
		conn, err := pgx.Connect(context.Background(), c.DatabaseURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), `INSERT INTO bot_settings (key, value) VALUES ('component_signing_key', $1)`, oldKey); err != nil {
			t.Fatal(err)
		}
	})
	if n := h.Count(`SELECT count(*) FROM bot_settings WHERE key = 'component_signing_key' OR value = $1`, oldKey); n != 0 {
		t.Errorf("%d rows of bot_settings hold the signing key after start", n)
	}
	st, err := os.Stat(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", st.Mode().Perm())
	}
	if data, _ := os.ReadFile(keyFile); strings.TrimSpace(string(data)) != oldKey {
		t.Error("the key file does not hold the key moved from the database")
	}
	if strings.Contains(h.Logs(), oldKey) {
		t.Error("the signing key appeared in the logs")
	}
	res, err := h.App.Backup.Run(ctx(), backup.Request{Trigger: backup.TriggerManual})
	if err != nil {
		t.Fatal(err)
	}
	if dump := gunzip(t, res.Path); strings.Contains(dump, oldKey) || strings.Contains(dump, "component_signing_key") {
		t.Errorf("the backup %s holds the component signing key", res.File)
	}

	// A button an earlier version posted, and the moderator's flag queue
	// posted now: both still work after a restart.
	old, err := hex.DecodeString(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	before := bot.NewSigner(old).MustSign("flag-dismiss", h.Guild.ID, "1")
	h.Run(h.Alice, "/barbie add", discordsim.String("name", "Sam"), discordsim.String("notes", "This bitch deserves to be ignored"))
	queue := h.Run(h.Moderator, "/security flags").Original()
	buttons := apptest.CustomIDs(queue)
	if len(buttons) == 0 {
		t.Fatal("no flag buttons")
	}
	stop, cancel := context.WithTimeout(ctx(), 15*time.Second)
	defer cancel()
	if err := h.App.Stop(stop); err != nil {
		t.Fatal(err)
	}
	start, cancel2 := context.WithTimeout(ctx(), 30*time.Second)
	defer cancel2()
	h.App, err = app.Start(start, h.Cfg, slog.New(slog.DiscardHandler), app.Options{Now: h.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := h.App.Bot.Signer().Verify(before); err != nil {
		t.Errorf("a button signed with the key from the database: %v", err)
	}
	if c := h.Click(h.Moderator, queue, buttons[0]).Content(); c == bot.MsgForged || c == "" {
		t.Errorf("the flag queue's button after a restart: %q", c)
	}
	if n := h.Count(`SELECT count(*) FROM bot_settings`); n != 0 {
		t.Errorf("%d rows in bot_settings after a restart", n)
	}
}

func gunzip(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	sql, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(sql)
}
