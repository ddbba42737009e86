package backup

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/embodied-community/embodied/internal/storetest"
)

// Cancel (the bot shutting down) ends a dump in progress without a final
// file, and refuses the backups asked for afterwards.
func TestCancelEndsTheRunningBackup(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	rec := t.TempDir()
	body := fmt.Sprintf(`[ "$1" = --version ] && exec '%[2]s' "$@"
'%[2]s' "$@"; echo $$ > '%[1]s/started'; exec sleep 60
`, rec, realPgDump(t))
	e := newEngine(t, db, func(o *Options) { o.PgDumpPath = script(t, "pg_dump", body) })
	errc := make(chan error, 1)
	go func() {
		_, err := e.Run(context.Background(), Request{})
		errc <- err
	}()
	waitFile(t, filepath.Join(rec, "started"))
	e.Cancel()
	if err := <-errc; !errors.Is(err, ErrCancelled) || err.Error() != "backup cancelled: the bot is shutting down" {
		t.Fatalf("Run = %v, want it cancelled because the bot is shutting down", err)
	}
	if got := dirNames(t, e.Dir()); len(got) != 0 {
		t.Errorf("the cancelled backup left %v", got)
	}
	if _, err := e.Run(context.Background(), Request{}); !errors.Is(err, ErrCancelled) {
		t.Errorf("Run after Cancel = %v, want ErrCancelled", err)
	}
	e.Cancel() // idempotent, nothing running
}
