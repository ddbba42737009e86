package app_test

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/logging"
)

// With LOG_FORMAT=json every line names its component once: each
// constructor tags its own logger, and the wiring does not tag it again.
// The run covers the services that log at start-up (ops listener, health
// checks, backup scheduler, systemd watchdog, the Discord session), the
// audit writer (an unreadable fallback line set aside) and each layer and
// service a command logs from.
func TestJSONLogsNameTheComponentOnce(t *testing.T) {
	notifySocket(t)
	t.Setenv("WATCHDOG_USEC", "2000000")
	h := apptest.New(t, func(c *config.Config) {
		c.LogFormat = "json"
		c.EnableHealthchecks = true
		c.EnableAutobackup = true
		if err := os.WriteFile(c.AuditFallbackFile, []byte("not a record\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	})
	h.Run(h.Alice, "/barbie add", discordsim.String("name", "Sam"))
	h.Run(h.Alice, "/barbie add", discordsim.String("name", "Kim"), discordsim.String("notes", "This bitch deserves to be ignored"))
	h.Run(h.Alice, "/security audit")
	for range 4 {
		h.Run(h.Alice, "/submit-stats")
	}
	h.Run(h.Moderator, "/security warn", discordsim.User("user", h.Alice), discordsim.String("reason", "Test warning"))
	h.Run(h.Admin, "/security export-data", discordsim.User("user", h.Alice))
	h.Eventually("the watchdog line", func() bool { return strings.Contains(h.Logs(), "Systemd watchdog enabled") })

	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(h.Logs()), "\n") {
		keys, err := topLevelKeys(line)
		if err != nil {
			t.Fatalf("not a JSON line: %v\n%s", err, line)
		}
		count := map[string]int{}
		for _, k := range keys {
			count[k]++
		}
		if count[logging.ComponentKey] > 1 {
			t.Errorf("%q appears %d times: %s", logging.ComponentKey, count[logging.ComponentKey], line)
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err == nil {
			if c, ok := rec[logging.ComponentKey].(string); ok {
				seen[c] = true
			}
		}
	}
	for _, c := range []string{"Bot", "Ops", "HealthCheck", "Backup", "Watchdog", "Discord", "Audit", "RateLimiter",
		"PermissionGuard", "ContentModerator", "WarningSystem", "Privacy"} {
		if !seen[c] {
			t.Errorf("no %s line in the run; components seen: %v", c, seen)
		}
	}
}

// topLevelKeys returns the keys of a JSON object in order, repeats
// included (encoding/json keeps only the last of a repeated key).
func topLevelKeys(line string) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(line)))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, tok.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// notifySocket points NOTIFY_SOCKET at a socket that swallows the bot's
// systemd notifications, so that the watchdog runs as under systemd.
func notifySocket(t *testing.T) {
	t.Helper()
	dir, err := os.MkdirTemp("", "sdn")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("NOTIFY_SOCKET", path)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 512)
		for {
			if _, err := conn.Read(buf); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		conn.Close()
		<-done
		os.RemoveAll(dir)
	})
}
