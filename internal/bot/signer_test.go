package bot

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSigner(t *testing.T) {
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	id := s.MustSign("flag-dismiss", "111111111111111111", "42")
	action, guild, args, err := s.Verify(id)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{"flag-dismiss", "111111111111111111", []string{"42"}}, []any{action, guild, args}); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
	forgeries := []string{
		strings.Replace(id, "|42|", "|43|", 1),                             // another flag
		strings.Replace(id, "111111111111111111", "222222222222222222", 1), // another guild
		strings.Replace(id, "flag-dismiss", "flag-confirm", 1),             // another action
		id[:len(id)-1] + "A", // bad signature
		"flag-dismiss|42",    // too short
		NewSigner([]byte("another key of at least 32 chars!")).MustSign("flag-dismiss", "111111111111111111", "42"),
	}
	for _, f := range forgeries {
		if _, _, _, err := s.Verify(f); !errors.Is(err, ErrForged) {
			t.Errorf("Verify(%q) = %v, want ErrForged", f, err)
		}
	}
	if _, err := s.Sign("x", "1", strings.Repeat("a", 90)); err == nil {
		t.Error("an id over 100 characters was signed")
	}
}
