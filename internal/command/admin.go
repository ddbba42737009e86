package command

import (
	"context"

	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/middleware/auditlog"
)

func registerAdmin(reg Registry, d Deps) {
	reg.Group(middleware.Group{Name: "admin", Description: "Admin tools"})
	reg.Add(middleware.Spec{
		Name: "admin adjust-xp", Description: "Add or remove a member's XP",
		Options: []middleware.Option{
			{Name: "user", Description: "Member", Type: middleware.UserOption, Required: true},
			{Name: "amount", Description: "XP to add (negative to remove)", Type: middleware.Integer, Required: true,
				HasRange: true, Min: -100000, Max: 100000},
			{Name: "reason", Description: "Why", Type: middleware.String, MaxLength: 500},
		},
		Policy: middleware.Policy{Level: middleware.Admin, GuildOnly: true, Ephemeral: true,
			ActionType: "adjust-xp", Effect: middleware.DatabaseOnly},
		Handle: func(ctx context.Context, in *middleware.Interaction) error {
			target, _ := in.Target("user")
			amount, _ := in.Int("amount")
			if amount == 0 {
				return middleware.Errorf("❌ `amount` must not be 0.")
			}
			p, err := d.Store.AdjustXP(ctx, in.GuildID, target.ID, amount,
				auditlog.Entry(in, target.ID, in.String("reason")))
			if err != nil {
				return err
			}
			return in.Say(ctx, "✅ Adjusted <@%s>'s XP by %+d (now %d XP, level %d).", target.ID, amount, p.XP, p.Level)
		},
	})
}
