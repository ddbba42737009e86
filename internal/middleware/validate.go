package middleware

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/config"
)

// Validate checks a command's options against its declaration (in.Spec): required
// options, text lengths, number ranges, choices, and user targets (a real id,
// a member of this guild, not a bot). A bad option gets a clear message and
// changes nothing. Discord's client enforces the declared limits, so a value
// outside them, a malformed id or a target outside the guild comes from a
// modified client or a probe: it is also recorded as a security event.
func Validate() Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, in *Interaction) error {
			if in.Kind != KindCommand {
				return next(ctx, in)
			}
			spec := in.Spec
			if spec == nil {
				return Errorf(MsgUnknown)
			}
			for _, o := range spec.Options {
				if err := check(in, o); err != nil {
					return err
				}
			}
			if spec.Check != nil {
				if err := spec.Check(ctx, in); err != nil {
					return err
				}
			}
			return next(ctx, in)
		}
	}
}

func check(in *Interaction, o Option) error {
	v, present := in.Options[o.Name]
	if !present {
		if o.Required {
			return Refuse("option_out_of_range", audit.Medium, "", "❌ `%s` is required.", o.Name)
		}
		return nil
	}
	switch o.Type {
	case String:
		s, ok := v.(string)
		if !ok {
			return Refuse("malformed_option", audit.Medium, "", "❌ `%s` must be text.", o.Name)
		}
		n := utf8.RuneCountInString(s)
		limit := o.MaxLength
		if limit == 0 {
			limit = 6000
		}
		if n > limit {
			return Refuse("option_out_of_range", audit.Medium, "", "❌ `%s` is too long: %d characters, the limit is %d.", o.Name, n, limit)
		}
		if n < o.MinLength || (o.Required && n == 0) {
			return Refuse("option_out_of_range", audit.Medium, "", "❌ `%s` is too short: at least %d characters.", o.Name, max(o.MinLength, 1))
		}
		if len(o.Choices) > 0 && !slices.Contains(o.Choices, s) {
			return Refuse("option_out_of_range", audit.Medium, "", "❌ `%s` must be one of: %s.", o.Name, strings.Join(o.Choices, ", "))
		}
	case Integer:
		n, ok := v.(int64)
		if !ok {
			return Refuse("malformed_option", audit.Medium, "", "❌ `%s` must be a whole number.", o.Name)
		}
		if o.HasRange && (n < o.Min || n > o.Max) {
			return Refuse("option_out_of_range", audit.Medium, "", "❌ `%s` must be between %d and %d.", o.Name, o.Min, o.Max)
		}
	case Boolean:
		if _, ok := v.(bool); !ok {
			return Refuse("malformed_option", audit.Medium, "", "❌ `%s` must be true or false.", o.Name)
		}
	case UserOption:
		id, ok := v.(string)
		if !ok || !config.IsSnowflake(id) {
			return Refuse("malformed_id", audit.Medium, "", "❌ `%s` is not a valid Discord user.", o.Name)
		}
		u, known := in.Resolved[id]
		if known && u.Bot && !o.AllowBot {
			return Errorf("❌ Bots cannot be the target of this command.")
		}
		if !o.AllowNonMember && (!known || u.Member == nil) {
			return Refuse("target_not_member", audit.Low, id, "❌ <@%s> is not a member of this server.", id)
		}
	case Role:
		if id, ok := v.(string); !ok || !config.IsSnowflake(id) {
			return Errorf("❌ `%s` is not a valid role.", o.Name)
		}
	case Channel:
		if id, ok := v.(string); !ok || !config.IsSnowflake(id) {
			return Errorf("❌ `%s` is not a valid channel.", o.Name)
		}
	}
	return nil
}
