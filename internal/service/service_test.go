package service

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// ticker is a service written the way the bot's are: StartStop embedded, a
// loop that ends with ctx (Every), and runOnce for the work.
type ticker struct {
	StartStop
	mu   sync.Mutex
	runs int
}

func (t *ticker) Start(ctx context.Context) error {
	ctx, stopped, err := t.StartInit(ctx)
	if err != nil {
		return err
	}
	go func() {
		defer stopped()
		Every(ctx, time.Millisecond, func(context.Context) { t.runOnce() })
	}()
	return nil
}

func (t *ticker) runOnce() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.runs++
}

func (t *ticker) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.runs
}

func TestStartStop(t *testing.T) {
	var s ticker
	if err := s.Stop(t.Context()); err != nil {
		t.Fatalf("Stop before Start: %v", err)
	}
	if s.Started() {
		t.Fatal("Started before Start")
	}
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(t.Context()); !errors.Is(err, ErrStarted) {
		t.Fatalf("second Start: %v, want ErrStarted", err)
	}
	for s.count() < 3 {
		time.Sleep(time.Millisecond)
	}
	if err := s.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	after := s.count()
	time.Sleep(5 * time.Millisecond)
	if s.count() != after {
		t.Errorf("the loop ran after Stop returned")
	}
	if err := s.Stop(t.Context()); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if err := s.Start(t.Context()); !errors.Is(err, ErrStarted) {
		t.Errorf("Start after Stop: %v, want ErrStarted", err)
	}
}

func TestStartContextEndsTheLoop(t *testing.T) {
	var s ticker
	ctx, cancel := context.WithCancel(t.Context())
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := s.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestStopGivesUpWithItsContext(t *testing.T) {
	release := make(chan struct{})
	s := Go(func(ctx context.Context) {
		<-ctx.Done()
		<-release // a loop slow to end
	})
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	if err := s.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stop of a stuck service: %v, want DeadlineExceeded", err)
	}
	close(release)
	if err := s.Stop(t.Context()); err != nil {
		t.Errorf("Stop once it ends: %v", err)
	}
}

// journal records the order of starts and stops.
type journal struct {
	mu  sync.Mutex
	got []string
}

func (j *journal) service(name string, startErr error) Service {
	add := func(s string) {
		j.mu.Lock()
		defer j.mu.Unlock()
		j.got = append(j.got, s)
	}
	return Funcs{
		OnStart: func(context.Context) error { add("start " + name); return startErr },
		OnStop:  func(context.Context) error { add("stop " + name); return nil },
	}
}

func TestGroup(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		fail    string // the service whose start fails
		want    []string
		wantErr error
	}{
		{name: "starts in order, stops in reverse",
			want: []string{"start a", "start b", "start c", "stop c", "stop b", "stop a"}},
		{name: "a failed start stops only the started ones", fail: "b", wantErr: boom,
			want: []string{"start a", "start b", "stop a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var j journal
			var services []Service
			for _, name := range []string{"a", "b", "c"} {
				var err error
				if name == tt.fail {
					err = boom
				}
				services = append(services, j.service(name, err))
			}
			var g Group
			if err := g.Start(t.Context(), services...); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Start: %v, want %v", err, tt.wantErr)
			}
			if err := g.Stop(t.Context()); err != nil {
				t.Fatal(err)
			}
			if err := g.Stop(t.Context()); err != nil {
				t.Fatalf("second Stop: %v", err)
			}
			if diff := cmp.Diff(tt.want, j.got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGroupJoinsStopErrors(t *testing.T) {
	e1, e2 := errors.New("one"), errors.New("two")
	var g Group
	fail := func(err error) Service { return Funcs{OnStop: func(context.Context) error { return err }} }
	if err := g.Start(t.Context(), fail(e1), Funcs{}, fail(e2)); err != nil {
		t.Fatal(err)
	}
	err := g.Stop(t.Context())
	if !errors.Is(err, e1) || !errors.Is(err, e2) {
		t.Errorf("Stop: %v, want both errors", err)
	}
}
