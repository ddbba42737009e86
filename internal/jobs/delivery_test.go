package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/riverqueue/river"

	"github.com/embodied-community/embodied/internal/jobs"
	"github.com/embodied-community/embodied/internal/storetest"
)

// outcomes records the settled deliveries by what they are.
type outcomes struct {
	mu  sync.Mutex
	got map[string][]string // What -> each settled outcome ("ok" and the message, or the error)
}

func (o *outcomes) settled(_ context.Context, d jobs.Delivery, out jobs.Outcome) {
	o.mu.Lock()
	defer o.mu.Unlock()
	got := "ok " + out.MessageID
	if out.Err != nil {
		got = out.Err.Error()
	}
	key := fmt.Sprintf("%s warning %d", d.What, d.WarningID)
	o.got[key] = append(o.got[key], got)
}

func (o *outcomes) len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.got)
}

// A delivery's final outcome is reported once: delivered, refused for good,
// or failed on its last attempt; a failure with attempts left is not.
func TestDeliverySettledOnce(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	refused := fmt.Errorf("%w: DM closed", jobs.ErrFinal)
	sends := map[string]error{"sent": nil, "refused": refused, "down": errors.New("503")}
	o := &outcomes{got: map[string][]string{}}
	r := jobs.New(db.App, jobs.Options{PollInterval: 100 * time.Millisecond})
	r.Deliveries(func(_ context.Context, d jobs.Delivery) (string, error) {
		if err := sends[d.What]; err != nil {
			return "", err
		}
		return "message of " + d.What, nil
	}, o.settled)
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})

	ctx := context.Background()
	for i, what := range []string{"sent", "refused"} {
		if err := r.Deliver(ctx, jobs.Delivery{What: what, GuildID: "1", WarningID: int64(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	// Down on its only attempt: given up at once. Down with attempts left:
	// retried later, not settled.
	if err := r.Enqueue(ctx, jobs.Delivery{What: "down", WarningID: 3}, &river.InsertOpts{MaxAttempts: 1}); err != nil {
		t.Fatal(err)
	}
	if err := r.Deliver(ctx, jobs.Delivery{What: "down", WarningID: 4}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "three outcomes", func() bool { return o.len() >= 3 })
	time.Sleep(300 * time.Millisecond)

	want := map[string][]string{
		"sent warning 1":    {"ok message of sent"},
		"refused warning 2": {refused.Error()},
		"down warning 3":    {"503"},
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if diff := cmp.Diff(want, o.got); diff != "" {
		t.Errorf("settled outcomes mismatch (-want +got):\n%s", diff)
	}
}
