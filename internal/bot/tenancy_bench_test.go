package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/middleware"
)

// BenchmarkTenancy measures what guild isolation adds to an interaction:
// verifying a button's signed custom id and its guild, and checking that a
// command's target is a real id and a member of the guild — against the
// same path trusting the id and the target as they come.
func BenchmarkTenancy(b *testing.B) {
	signer := bot.NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	const guild = "111111111111111111"
	customID := signer.MustSign("flag-dismiss", guild, "42")
	reg := bot.NewRegistry()
	reg.Group(middleware.Group{Name: "admin", Description: "admin"})
	handler := func(context.Context, *middleware.Interaction) error { return nil }
	reg.Add(middleware.Spec{Name: "admin adjust-xp", Description: "x", Handle: handler,
		Options: []middleware.Option{{Name: "user", Description: "u", Type: middleware.UserOption, Required: true},
			{Name: "amount", Description: "a", Type: middleware.Integer, Required: true, HasRange: true, Min: -100, Max: 100}}})
	spec, _ := reg.Spec("admin adjust-xp")
	validate := middleware.Validate()(handler)
	target := "333333333333333333"
	in := &middleware.Interaction{Kind: middleware.KindCommand, GuildID: guild, Command: "admin adjust-xp", Spec: spec,
		Options:  map[string]any{"user": target, "amount": int64(5)},
		Resolved: map[string]middleware.User{target: {ID: target, Member: &middleware.Membership{}}}}
	ctx := context.Background()
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			action, g, args, err := signer.Verify(customID)
			if err != nil || g != guild || action != "flag-dismiss" || len(args) != 1 {
				b.Fatal("verify failed")
			}
			if err := validate(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-unchecked", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			parts := strings.Split(customID, "|")
			if parts[0] != "flag-dismiss" {
				b.Fatal("split failed")
			}
			if err := handler(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
