package middleware

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/embodied-community/embodied/internal/store"
)

// WaitForDatabase hands the rest of the pipeline a context whose database
// waits are bounded: a wait on it ends after d with store.WaitOver true.
func TestWaitForDatabase(t *testing.T) {
	const d = 20 * time.Millisecond
	var over bool
	var took time.Duration
	h := Chain(func(ctx context.Context, _ *Interaction) error {
		wctx, cancel := store.Wait(ctx)
		defer cancel()
		start := time.Now()
		<-wctx.Done()
		took, over = time.Since(start), store.WaitOver(wctx)
		return nil
	}, WaitForDatabase(d))
	if err := h(context.Background(), &Interaction{}); err != nil {
		t.Fatal(err)
	}
	if !over || took > time.Second {
		t.Errorf("wait over %v after %v, want true after about %v", over, took, d)
	}
	if err := Chain(func(ctx context.Context, _ *Interaction) error {
		wctx, cancel := store.Wait(ctx)
		defer cancel()
		if _, ok := wctx.Deadline(); ok {
			return errors.New("a deadline without WaitForDatabase")
		}
		return nil
	})(context.Background(), &Interaction{}); err != nil {
		t.Error(err)
	}
}
