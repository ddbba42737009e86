package app_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/embodied-community/embodied/internal/apptest"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/discordsim"
	"github.com/embodied-community/embodied/internal/middleware/permission"
)

// Seed smoke test 6: /security backup, with SECOPS_ENABLE_AUTOBACKUP=true
// temporarily (and it works with it off too: rollback scenario C).
func TestSmokeManualBackup(t *testing.T) {
	t.Parallel()
	for _, autobackup := range []bool{true, false} {
		h := apptest.New(t, func(c *config.Config) { c.EnableAutobackup = autobackup })
		h.Run(h.Alice, "/barbie add", discordsim.String("name", "Sam"))

		if ix := h.Run(h.Admin, "/security backup"); ix.Content() != permission.DeniedMessage {
			t.Errorf("a guild admin (not the bot owner) got %q", ix.Content())
		}
		ix := h.Run(h.Owner, "/security backup")
		if !ix.Ephemeral() {
			t.Errorf("the reply is public")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		if err := ix.Wait(ctx, func(ix *discordsim.Interaction) bool { return strings.HasPrefix(ix.Content(), "Backup completed!") }); err != nil {
			cancel()
			t.Fatalf("no completion: %v (content %q)", err, ix.Content())
		}
		cancel()
		m := regexp.MustCompile(`^Backup completed!\nFile: (backup-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.sql\.gz)\nSize: \d+\.\d\d MB$`).FindStringSubmatch(ix.Content())
		if m == nil {
			t.Fatalf("final reply: %q", ix.Content())
		}
		// The reply's versions, oldest first: "Starting database backup..."
		// (after the "thinking…" placeholder if it was deferred), progress
		// edits, then the completion.
		reply := ix.Messages()[0]
		versions := append(slices.Clone(reply.History), reply.Content)
		if versions[0] == "" && len(versions) > 1 {
			versions = versions[1:]
		}
		if versions[0] != "Starting database backup..." || versions[len(versions)-1] != ix.Content() {
			t.Errorf("reply versions %q: want \"Starting database backup...\" first and the completion last", versions)
		}
		info, err := os.Stat(filepath.Join(h.Cfg.BackupDir, m[1]))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("backup file: %v %v", info, err)
		}
		// The outcome is recorded once the handler has answered.
		h.Eventually("the intent and outcome records", func() bool {
			return h.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'backup' AND actor_id = $1
				AND details->>'phase' IN ('intent', 'outcome')`, h.Owner.ID()) == 2
		})
		if n := h.Count(`SELECT count(*) FROM audit_log WHERE action_type = 'backup' AND details->>'phase' = 'outcome'
			AND details->>'file' = $1 AND (details->>'ok')::boolean`, m[1]); n != 1 {
			t.Errorf("the outcome record does not name the file")
		}
	}
}
