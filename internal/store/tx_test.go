package store_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
	os.Exit(0)
}

// Transactions that take the same lock run one after the other: the
// lock is never held by two at once.
func TestInTxLockSerialises(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	var (
		mu     sync.Mutex
		inside int
		most   int
		wg     sync.WaitGroup
	)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.Store.InTx(ctx, func(tx store.Tx) error {
				if err := tx.Lock(ctx, "strike", "g1", "u1"); err != nil {
					return err
				}
				mu.Lock()
				inside++
				most = max(most, inside)
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
				mu.Lock()
				inside--
				mu.Unlock()
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if most != 1 {
		t.Errorf("%d transactions held the lock at once, want 1", most)
	}
}

// fn's error comes back as is, and what fn wrote, its audit record
// included, is rolled back; on success the record is committed.
func TestInTxAuditCommitsWithTheAction(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	errStop := errors.New("stop")
	entry := audit.Entry{GuildID: "100000000000000001", ActionType: "adjust_xp", ActorID: "200000000000000002", Reason: "tx test"}
	err := db.Store.InTx(ctx, func(tx store.Tx) error {
		if err := tx.Audit(ctx, entry); err != nil {
			return err
		}
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Errorf("InTx error = %v, want %v", err, errStop)
	}
	count := func() int {
		var n int
		if err := db.App.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE reason = 'tx test'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 0 {
		t.Errorf("%d audit records after a rolled-back transaction, want 0", n)
	}
	if err := db.Store.InTx(ctx, func(tx store.Tx) error { return tx.Audit(ctx, entry) }); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Errorf("%d audit records after a committed transaction, want 1", n)
	}
}
