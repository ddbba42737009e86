package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/embodied-community/embodied/internal/service"
)

// Forgetter is the service that keeps the replay guard's memory bounded:
// from Start until Stop it drops, every interval, the remembered
// interaction ids older than maxAge.
type Forgetter struct {
	service.StartStop
	bot              *Bot
	maxAge, interval time.Duration
}

// NewForgetter returns the Forgetter of b.
func NewForgetter(b *Bot, maxAge, interval time.Duration) *Forgetter {
	return &Forgetter{bot: b, maxAge: maxAge, interval: interval}
}

// Start runs the Forgetter until Stop.
func (f *Forgetter) Start(ctx context.Context) error {
	ctx, stopped, err := f.StartInit(ctx)
	if err != nil {
		return fmt.Errorf("interaction id forgetter: %w", err)
	}
	go func() {
		defer stopped()
		service.Every(ctx, f.interval, f.runOnce)
	}()
	return nil
}

// runOnce drops the ids older than maxAge.
func (f *Forgetter) runOnce(context.Context) {
	f.bot.ForgetBefore(f.bot.opts.Now().Add(-f.maxAge))
}
