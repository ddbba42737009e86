package moderation

import "testing"

func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		"This bitch deserves to be ignored", "b i t c h", "b.i.t.c.h", "bi\u200btch", "ｂｉｔｃｈ", "biiiitch", "f*ck",
		"a bit chubby", "Scunthorpe", "mail a@b.co or +1 415 555 2671", "discord.gg/x <@123456789012345678>",
		"é\u0301\u0301", "aaa b c", "x!!y", "**ass**", "\xff\xfe", "ﬁ ǅ ß İ",
	} {
		f.Add(s)
	}
	custom, err := New(Rules{Keywords: []Keyword{{Pattern: "*ab*"}, {Pattern: "cd*"}}, Allow: []string{"abcd"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		scanned := truncate(s)
		// Rune boundaries as Go decodes the text: an invalid byte is a rune
		// of its own.
		boundary := make([]bool, len(scanned)+1)
		for i := range scanned {
			boundary[i] = true
		}
		boundary[len(scanned)] = true
		for _, e := range []*Engine{Default(), custom} {
			v := e.Check(s)
			if v.Flagged != (len(v.Matches) > 0) {
				t.Fatalf("Flagged=%v with %d matches", v.Flagged, len(v.Matches))
			}
			for _, m := range v.Matches {
				if m.Start < 0 || m.End > len(scanned) || m.Start >= m.End {
					t.Fatalf("match %+v outside [0,%d)", m, len(scanned))
				}
				if !boundary[m.Start] || !boundary[m.End] {
					t.Fatalf("match %+v not on rune boundaries of %q", m, scanned)
				}
			}
		}
		n := Normalize(s)
		if n2 := Normalize(n); n2 != n {
			t.Fatalf("Normalize not idempotent:\n in  %q\n 1st %q\n 2nd %q", s, n, n2)
		}
	})
}
