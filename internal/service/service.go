// Package service gives the bot's background parts one lifecycle: a Service
// starts once, runs until it is stopped, and Stop waits for it to end. The
// App holds its services in start order and stops them in reverse.
//
// A service embeds StartStop (the shape of River's startstop): Start calls
// StartInit, launches its goroutine with the context it returns and has the
// goroutine call the returned stopped function when it ends; the embedded
// Stop cancels that context and waits. Each service keeps its work in an
// unexported runOnce with its own timeout, which tests call directly.
package service

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Service is a background part of the bot.
type Service interface {
	// Start begins the work and returns once it runs; an error means it
	// does not. A service starts at most once.
	Start(ctx context.Context) error
	// Stop ends the work and waits for it, at most until ctx ends. Stopping
	// a service that never started, or twice, does nothing.
	Stop(ctx context.Context) error
}

// ErrStarted is Start's error for a service that was already started.
var ErrStarted = errors.New("already started")

// StartStop is the embeddable half of a Service: it keeps the started
// state, the cancel function and the stopped signal, so that each service
// writes only its loop.
type StartStop struct {
	mu      sync.Mutex
	started bool
	cancel  context.CancelFunc
	done    chan struct{}
}

// StartInit marks the service started and returns the context its
// goroutine runs with (cancelled by Stop, or when ctx ends) and the function
// the goroutine calls once, when it ends. It returns ErrStarted on a second
// call, even after Stop. A Start that fails after StartInit calls stopped
// before returning its error.
func (s *StartStop) StartInit(ctx context.Context) (context.Context, func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return nil, nil, ErrStarted
	}
	s.started = true
	ctx, s.cancel = context.WithCancel(ctx)
	done := make(chan struct{})
	s.done = done
	var once sync.Once
	return ctx, func() { once.Do(func() { close(done) }) }, nil
}

// Started reports whether StartInit has been called.
func (s *StartStop) Started() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started
}

// Stop cancels the service's context and waits until its goroutine has
// called stopped, or until ctx ends.
func (s *StartStop) Stop(ctx context.Context) error {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for the service to stop: %w", context.Cause(ctx))
	}
}

// Every calls f every interval until ctx ends: the loop of a periodic
// service, the first call one interval after the start.
func Every(ctx context.Context, interval time.Duration, f func(ctx context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f(ctx)
		}
	}
}

// Go returns a Service that runs run in its own goroutine from Start until
// Stop: the shape for a loop that a package exposes as
// Run(ctx, interval) rather than as a Service.
func Go(run func(ctx context.Context)) Service {
	return &goService{run: run}
}

type goService struct {
	StartStop
	run func(ctx context.Context)
}

func (g *goService) Start(ctx context.Context) error {
	ctx, stopped, err := g.StartInit(ctx)
	if err != nil {
		return err
	}
	go func() {
		defer stopped()
		g.run(ctx)
	}()
	return nil
}

// Funcs adapts a component whose start and stop have other shapes (a
// session's Open and Close, a writer's Start without an error); a nil
// function does nothing.
type Funcs struct {
	OnStart func(ctx context.Context) error
	OnStop  func(ctx context.Context) error
}

// Start calls OnStart.
func (f Funcs) Start(ctx context.Context) error {
	if f.OnStart == nil {
		return nil
	}
	return f.OnStart(ctx)
}

// Stop calls OnStop.
func (f Funcs) Stop(ctx context.Context) error {
	if f.OnStop == nil {
		return nil
	}
	return f.OnStop(ctx)
}

// Group starts services in order and stops them in reverse.
type Group struct {
	mu      sync.Mutex
	started []Service
}

// Start starts each service in turn and stops at the first error, which it
// returns; the services started until then stay in the group for Stop.
func (g *Group) Start(ctx context.Context, services ...Service) error {
	for _, s := range services {
		if err := s.Start(ctx); err != nil {
			return err
		}
		g.mu.Lock()
		g.started = append(g.started, s)
		g.mu.Unlock()
	}
	return nil
}

// Stop stops the started services in reverse order, each bounded by ctx,
// and returns their errors joined.
func (g *Group) Stop(ctx context.Context) error {
	g.mu.Lock()
	started := g.started
	g.started = nil
	g.mu.Unlock()
	var errs []error
	for i := len(started) - 1; i >= 0; i-- {
		if err := started[i].Stop(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
