package middleware

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	const member, outsider, bot = "100000000000000001", "100000000000000002", "100000000000000003"
	spec := &Spec{Name: "security warn", Options: []Option{
		{Name: "user", Type: UserOption, Required: true},
		{Name: "reason", Type: String, Required: true, MinLength: 3, MaxLength: 10},
		{Name: "severity", Type: String, Choices: []string{"low", "high"}},
		{Name: "days", Type: Integer, HasRange: true, Min: 1, Max: 7},
		{Name: "public", Type: Boolean},
		{Name: "role", Type: Role},
	}}
	resolved := map[string]User{
		member: {ID: member, Member: &Membership{}},
		bot:    {ID: bot, Bot: true, Member: &Membership{}},
	}
	tests := []struct {
		name      string
		options   map[string]any
		check     func(context.Context, *Interaction) error
		wantReply string // "" when the handler runs
		wantEvent string // the security event type, "" for none
	}{
		{"valid", map[string]any{"user": member, "reason": "spam", "severity": "low", "days": int64(3), "public": true, "role": member}, nil, "", ""},
		{"required", map[string]any{"reason": "spam"}, nil, "❌ `user` is required.", "option_out_of_range"},
		{"too long", map[string]any{"user": member, "reason": "spam spam spam"}, nil,
			"❌ `reason` is too long: 14 characters, the limit is 10.", "option_out_of_range"},
		{"too short", map[string]any{"user": member, "reason": "ab"}, nil, "❌ `reason` is too short: at least 3 characters.", "option_out_of_range"},
		{"not a choice", map[string]any{"user": member, "reason": "spam", "severity": "huge"}, nil,
			"❌ `severity` must be one of: low, high.", "option_out_of_range"},
		{"not text", map[string]any{"user": member, "reason": int64(5)}, nil, "❌ `reason` must be text.", "malformed_option"},
		{"out of range", map[string]any{"user": member, "reason": "spam", "days": int64(8)}, nil,
			"❌ `days` must be between 1 and 7.", "option_out_of_range"},
		{"not a number", map[string]any{"user": member, "reason": "spam", "days": "3"}, nil,
			"❌ `days` must be a whole number.", "malformed_option"},
		{"not a bool", map[string]any{"user": member, "reason": "spam", "public": "yes"}, nil,
			"❌ `public` must be true or false.", "malformed_option"},
		{"malformed id", map[string]any{"user": "alice", "reason": "spam"}, nil,
			"❌ `user` is not a valid Discord user.", "malformed_id"},
		{"a bot", map[string]any{"user": bot, "reason": "spam"}, nil, "❌ Bots cannot be the target of this command.", ""},
		{"not a member", map[string]any{"user": outsider, "reason": "spam"}, nil,
			"❌ <@" + outsider + "> is not a member of this server.", "target_not_member"},
		{"bad role", map[string]any{"user": member, "reason": "spam", "role": "admins"}, nil, "❌ `role` is not a valid role.", ""},
		{"check refuses", map[string]any{"user": member, "reason": "spam"},
			func(context.Context, *Interaction) error { return Errorf("❌ Only the owner may.") }, "❌ Only the owner may.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := *spec
			s.Check = tt.check
			ran := false
			h := Validate()(func(context.Context, *Interaction) error { ran = true; return nil })
			in := &Interaction{Kind: KindCommand, Command: s.Name, Spec: &s, Options: tt.options, Resolved: resolved}
			err := h(context.Background(), in)
			var reply, event string
			var ue *UserError
			if errors.As(err, &ue) {
				reply = ue.Message
				if ue.Event != nil {
					event = ue.Event.EventType
				}
			} else if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if diff := cmp.Diff(tt.wantReply, reply); diff != "" {
				t.Errorf("refusal mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantEvent, event); diff != "" {
				t.Errorf("security event mismatch (-want +got):\n%s", diff)
			}
			if ran != (tt.wantReply == "") {
				t.Errorf("handler ran = %v, want %v", ran, tt.wantReply == "")
			}
		})
	}
}

// Components carry no options to validate: they pass through.
func TestValidateSkipsComponents(t *testing.T) {
	t.Parallel()
	ran := false
	h := Validate()(func(context.Context, *Interaction) error { ran = true; return nil })
	if err := h(context.Background(), &Interaction{Kind: KindComponent, CustomID: "x"}); err != nil || !ran {
		t.Errorf("component: err %v, ran %v", err, ran)
	}
}
