package store_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

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

// fn's error comes back as is, after a rollback.
func TestInTxReturnsFnError(t *testing.T) {
	db := storetest.New(t)
	errStop := errors.New("stop")
	err := db.Store.InTx(context.Background(), func(tx store.Tx) error { return errStop })
	if !errors.Is(err, errStop) {
		t.Errorf("InTx error = %v, want %v", err, errStop)
	}
}
