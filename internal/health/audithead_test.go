package health

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
)

// Each database-wide run logs the audit chain's head, so that the log
// (shipped off the database host) holds anchors for `embodied audit verify --anchor`.
func TestRunLogsAuditHead(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	for range 3 {
		if _, err := e.db.App.Exec(ctx, `INSERT INTO audit_log (guild_id, action_type, actor_id) VALUES ('111111111111111111', 'warn', '222222222222222222')`); err != nil {
			t.Fatal(err)
		}
	}
	want, err := audit.Head(ctx, e.db.App)
	if err != nil {
		t.Fatal(err)
	}
	e.checker.RunDatabase(ctx, time.Now())
	line := regexp.MustCompile(`(?m)^\S+ INFO \[HealthCheck\] Audit chain head: auditHeadSeq=3 auditHeadHash=` + want.Hash + `$`)
	if want.Seq != 3 || !line.MatchString(e.logs.String()) {
		t.Errorf("no line matching %s (head %v) in:\n%s", line, want, e.logs.String())
	}
}
