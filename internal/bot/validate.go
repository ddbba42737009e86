package bot

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/middleware"
)

// Validate checks a command's options against its declaration: required
// options, text lengths, number ranges, choices, and user targets (a real id,
// a member of this guild, not a bot). A bad option gets a clear message and
// changes nothing.
func Validate(reg *Registry) middleware.Middleware {
	return func(next middleware.Handler) middleware.Handler {
		return func(ctx context.Context, in *middleware.Interaction) error {
			if in.Kind != middleware.KindCommand {
				return next(ctx, in)
			}
			spec, ok := reg.Spec(in.Command)
			if !ok {
				return middleware.Errorf(MsgUnknown)
			}
			for _, o := range spec.Options {
				if err := check(in, o); err != nil {
					return err
				}
			}
			return next(ctx, in)
		}
	}
}

func check(in *middleware.Interaction, o Option) error {
	v, present := in.Options[o.Name]
	if !present {
		if o.Required {
			return middleware.Errorf("❌ `%s` is required.", o.Name)
		}
		return nil
	}
	switch o.Type {
	case String:
		s, ok := v.(string)
		if !ok {
			return middleware.Errorf("❌ `%s` must be text.", o.Name)
		}
		n := utf8.RuneCountInString(s)
		limit := o.MaxLength
		if limit == 0 {
			limit = 6000
		}
		if n > limit {
			return middleware.Errorf("❌ `%s` is too long: %d characters, the limit is %d.", o.Name, n, limit)
		}
		if n < o.MinLength || (o.Required && n == 0) {
			return middleware.Errorf("❌ `%s` is too short: at least %d characters.", o.Name, max(o.MinLength, 1))
		}
		if len(o.Choices) > 0 && !slices.Contains(o.Choices, s) {
			return middleware.Errorf("❌ `%s` must be one of: %s.", o.Name, strings.Join(o.Choices, ", "))
		}
	case Integer:
		n, ok := v.(int64)
		if !ok {
			return middleware.Errorf("❌ `%s` must be a whole number.", o.Name)
		}
		if o.HasRange && (n < o.Min || n > o.Max) {
			return middleware.Errorf("❌ `%s` must be between %d and %d.", o.Name, o.Min, o.Max)
		}
	case Boolean:
		if _, ok := v.(bool); !ok {
			return middleware.Errorf("❌ `%s` must be true or false.", o.Name)
		}
	case UserOption:
		id, ok := v.(string)
		if !ok || !config.IsSnowflake(id) {
			return middleware.Errorf("❌ `%s` is not a valid Discord user.", o.Name)
		}
		u, known := in.Resolved[id]
		if known && u.Bot && !o.AllowBot {
			return middleware.Errorf("❌ Bots cannot be the target of this command.")
		}
		if !o.AllowNonMember && (!known || u.Member == nil) {
			return middleware.Errorf("❌ <@%s> is not a member of this server.", id)
		}
	case Role:
		if id, ok := v.(string); !ok || !config.IsSnowflake(id) {
			return middleware.Errorf("❌ `%s` is not a valid role.", o.Name)
		}
	}
	return nil
}
