package service_test

import (
	"context"
	"fmt"
	"time"

	"github.com/embodied-community/embodied/internal/service"
)

// sweeper is a background job in the bot's shape: StartStop embedded, a
// loop that ends with ctx (service.Every), and the work in runOnce with its
// own timeout.
type sweeper struct {
	service.StartStop
	every time.Duration
}

func (s *sweeper) Start(ctx context.Context) error {
	ctx, stopped, err := s.StartInit(ctx)
	if err != nil {
		return fmt.Errorf("sweeper: %w", err)
	}
	go func() {
		defer stopped()
		service.Every(ctx, s.every, s.runOnce)
	}()
	return nil
}

func (s *sweeper) runOnce(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_ = ctx // sweep
}

// A Group starts services in order and stops them in reverse.
func Example() {
	var g service.Group
	say := func(name string) service.Service {
		return service.Funcs{
			OnStart: func(context.Context) error { fmt.Println("start", name); return nil },
			OnStop:  func(context.Context) error { fmt.Println("stop", name); return nil },
		}
	}
	s := &sweeper{every: time.Hour}
	if err := g.Start(context.Background(), say("audit writer"), s, say("gateway")); err != nil {
		fmt.Println(err)
	}
	fmt.Println("second start:", s.Start(context.Background()))
	if err := g.Stop(context.Background()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// start audit writer
	// start gateway
	// second start: sweeper: already started
	// stop gateway
	// stop audit writer
}
