package bot_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/middleware/auditlog"
	"github.com/embodied-community/embodied/internal/middleware/moderator"
	"github.com/embodied-community/embodied/internal/middleware/permission"
	"github.com/embodied-community/embodied/internal/middleware/ratelimit"
)

type nopResponder struct{}

func (nopResponder) Defer(context.Context, bool) error                   { return nil }
func (nopResponder) Respond(context.Context, middleware.Response) error  { return nil }
func (nopResponder) Followup(context.Context, middleware.Response) error { return nil }
func (nopResponder) Edit(context.Context, middleware.Response) error     { return nil }

type nopSink struct{}

func (nopSink) Security(audit.SecurityEvent) {}
func (nopSink) Audit(audit.Entry)            {}
func (nopSink) Flush(context.Context) error  { return nil }

// BenchmarkChain measures the SecOps layers' overhead on one interaction
// (a member adding a journal entry, moderated text included), without the
// database, against the bare handler.
func BenchmarkChain(b *testing.B) {
	logger := slog.New(slog.DiscardHandler)
	handler := func(ctx context.Context, in *middleware.Interaction) error {
		return in.Reply.Respond(ctx, middleware.Response{Content: "📓 Journal entry #1 saved."})
	}
	spec := middleware.Spec{
		Name: "journal add", Description: "Write a journal entry",
		Options: []middleware.Option{{Name: "entry", Description: "entry", Type: middleware.String, Required: true, MinLength: 1, MaxLength: 4000}},
		Policy: middleware.Policy{Level: middleware.Member, GuildOnly: true, Ephemeral: true,
			Limit:     middleware.Limit{Burst: 1 << 30, Per: time.Second},
			Moderated: []middleware.Moderated{{Option: "entry", ContentType: "journal_entry"}}},
		Handle: handler,
	}
	limiter := ratelimit.New(logger, ratelimit.Options{})
	guard := permission.New([]string{"100000000000000001"}, nopSink{}, logger, nil)
	mod := moderator.New(nil, logger, moderator.Options{})
	chain := middleware.Chain(middleware.Dispatch,
		middleware.Recover(logger, nopSink{}), limiter.Middleware(), guard.Middleware(), middleware.Validate(), mod.Middleware(),
		auditlog.Middleware(nopSink{}, logger))
	text := "Talked to three people at the climbing gym today, felt nervous at first but it went well."
	newInteraction := func(i int) *middleware.Interaction {
		return &middleware.Interaction{
			ID: "1", Kind: middleware.KindCommand, GuildID: "111111111111111111", ChannelID: "222222222222222222",
			User:    middleware.User{ID: "333333333333333333", Username: "alice", Member: &middleware.Membership{}},
			Command: "journal add", Options: map[string]any{"entry": text}, Spec: &spec, Policy: spec.Policy,
			Log: logger, Reply: nopResponder{},
		}
	}
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		h    middleware.Handler
	}{{"ours", chain}, {"baseline-bare", handler}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if err := bc.h(ctx, newInteraction(i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
