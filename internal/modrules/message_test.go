package modrules_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/moderation"
	"github.com/embodied-community/embodied/internal/modrules"
	"github.com/embodied-community/embodied/internal/storetest"
)

// A guild chooses per category what a channel message gets (flag by
// default, delete, strike) and which channels are not checked; the choices
// are stored, audited and in force at once.
func TestMessageSettings(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	s := modrules.New(db.Store, modrules.Options{})
	ctx := context.Background()
	const channel = "400000000000000004"
	steps := []struct {
		change  *modrules.Change
		wantErr string
	}{
		{change: modrules.SetMessageAction(moderation.CategoryInsult, modrules.MessageDelete)},
		{change: modrules.SetMessageAction(moderation.CategorySlur, modrules.MessageStrike)},
		{change: modrules.SetCategory(moderation.CategorySlur, true, modrules.ActionRefuse)}, // keeps the message action
		{change: modrules.SetMessageAction(moderation.CategorySpam, "ban"), wantErr: `unknown message action "ban"`},
		{change: modrules.SetMessageAction("gossip", modrules.MessageFlag), wantErr: `unknown category "gossip"`},
		{change: modrules.ExemptChannel(channel)},
		{change: modrules.ExemptChannel(channel), wantErr: "already exempt"},
		{change: modrules.UnexemptChannel("400000000000000005"), wantErr: "is not exempt"},
	}
	for i, st := range steps {
		_, err := s.Apply(ctx, guild, st.change, entry("moderation-test"))
		var ie *modrules.InputError
		switch {
		case st.wantErr == "" && err != nil:
			t.Fatalf("step %d: %v", i, err)
		case st.wantErr != "" && (!errors.As(err, &ie) || !strings.Contains(ie.Message, st.wantErr)):
			t.Fatalf("step %d: error %v, want an InputError containing %q", i, err, st.wantErr)
		}
	}
	r, err := s.Rules(ctx, guild)
	if err != nil {
		t.Fatal(err)
	}
	wantCats := []modrules.CategorySetting{
		{Category: moderation.CategoryInsult, Enabled: true, Action: modrules.ActionDefault, Message: modrules.MessageDelete},
		{Category: moderation.CategorySlur, Enabled: true, Action: modrules.ActionRefuse, Message: modrules.MessageStrike},
	}
	if diff := cmp.Diff(wantCats, r.Categories); diff != "" {
		t.Errorf("categories mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{channel}, r.ExemptChannels); diff != "" {
		t.Errorf("exempt channels mismatch (-want +got):\n%s", diff)
	}
	g, err := s.Guild(ctx, guild)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want modrules.MessageAction
	}{
		{"you idiot", modrules.MessageDelete},
		{"this shit", modrules.MessageFlag},
		{"shit, you idiot", modrules.MessageDelete}, // the strongest choice of the categories matched
	}
	for _, tt := range tests {
		v := g.Check(tt.text)
		if !v.Flagged {
			t.Fatalf("%q not flagged", tt.text)
		}
		if got := g.MessageAction(v); got != tt.want {
			t.Errorf("MessageAction(%q) = %s, want %s (verdict %+v)", tt.text, got, tt.want, v)
		}
	}
	if !g.ChannelExempt(channel) || g.ChannelExempt("400000000000000005") {
		t.Error("ChannelExempt does not follow the rules")
	}
	if _, err := s.Apply(ctx, guild, modrules.UnexemptChannel(channel), entry("moderation-test")); err != nil {
		t.Fatal(err)
	}
	if g, _ := s.Guild(ctx, guild); g.ChannelExempt(channel) {
		t.Error("channel still exempt after unexempt")
	}
}
