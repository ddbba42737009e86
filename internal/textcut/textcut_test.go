package textcut_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/textcut"
)

func TestBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		max  int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 5, "hello"},
		{"hello", 3, "hel"},
		{"hello", 0, ""},
		{"hello", -1, ""},
		// "Спам в каналах ссылками": byte 40 falls inside "м".
		{"Спам в каналах ссылками", 40, "Спам в каналах ссылка"},
		{"Спам", 3, "С"},
		{"日本語", 8, "日本"},
		{"a😀b", 4, "a"},
		{"a😀b", 5, "a😀"},
		// Invalid input is cut before the first invalid sequence.
		{"ab\xffcd", 10, "ab"},
		{"Спам"[:3], 10, "С"},
	}
	for _, tt := range tests {
		got := textcut.Bytes(tt.s, tt.max)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Bytes(%q, %d) mismatch (-want +got):\n%s", tt.s, tt.max, diff)
		}
	}
}

// FuzzBytes checks what every caller relies on: the result is valid UTF-8,
// a prefix of the input, within the bound, and as long as it can be (the
// next character would not fit, or is invalid). The seeds run in every
// plain `go test`.
func FuzzBytes(f *testing.F) {
	for _, seed := range []string{"", "hello", "Спам в каналах ссылками", strings.Repeat("Спам в каналах ссылками ", 30),
		"日本語テキスト", "a😀b😀c", "ab\xffcd", "\xe2\x82", "bad\x00reason", "é\u0301"} {
		for _, max := range []int{-1, 0, 1, 2, 3, 40, 500} {
			f.Add(seed, max)
		}
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		got := textcut.Bytes(s, max)
		if !utf8.ValidString(got) {
			t.Fatalf("Bytes(%q, %d) = %q: invalid UTF-8", s, max, got)
		}
		if !strings.HasPrefix(s, got) {
			t.Fatalf("Bytes(%q, %d) = %q: not a prefix", s, max, got)
		}
		if len(got) > max && len(got) > 0 {
			t.Fatalf("Bytes(%q, %d) = %q: %d bytes", s, max, got, len(got))
		}
		if rest := s[len(got):]; rest != "" {
			r, size := utf8.DecodeRuneInString(rest)
			if !(r == utf8.RuneError && size <= 1) && len(got)+size <= max {
				t.Fatalf("Bytes(%q, %d) = %q: the next character %q would have fit", s, max, got, r)
			}
		}
	})
}
