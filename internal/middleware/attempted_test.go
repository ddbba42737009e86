package middleware_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/middleware"
)

// Long options are cut in security events on a character boundary: half a
// character is refused by PostgreSQL, and the event with it.
func TestAttemptedCutsOnCharacters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		option string
		want   string
	}{
		{"Spam", "/security warn reason=Spam"},
		{strings.Repeat("Спам в каналах ссылками ", 16), "/security warn reason=Спам в каналах ссылка…"},
		{strings.Repeat("日本語", 20), "/security warn reason=" + strings.Repeat("日本語", 4) + "日…"},
		{strings.Repeat("x", 41), "/security warn reason=" + strings.Repeat("x", 40) + "…"},
	}
	for _, tt := range tests {
		in := &middleware.Interaction{Command: "security warn", Options: map[string]any{"reason": tt.option}}
		got := in.Attempted()
		if !utf8.ValidString(got) {
			t.Errorf("Attempted() = %q: invalid UTF-8", got)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Attempted() mismatch (-want +got):\n%s", diff)
		}
	}
}
