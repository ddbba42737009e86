package backup

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCopyCounter(t *testing.T) {
	dump := "--\n-- PostgreSQL database dump\n--\n" +
		"COPY public.audit_log (id, reason) FROM stdin;\n1\ta\\nb\n2\t\\\\.\n3\t\\N\n\\.\n\n" +
		"COPY public.empty (id) FROM stdin;\n\\.\n" +
		"COPY \"Odd \"\"Schema\"\".x\".\"T.b\" (id) FROM stdin;\n1\n\\.\n" +
		"CREATE FUNCTION f() RETURNS void AS $$ SELECT 1 $$;\n" +
		"COPY public.long (v) FROM stdin;\n" + string(make([]byte, 5000)) + "\n\\.\n" +
		"-- PostgreSQL database dump complete\n"
	want := map[string]int64{"public.audit_log": 3, "public.empty": 0, `Odd "Schema".x.T.b`: 1, "public.long": 1}
	// Every split of the stream into two writes counts the same.
	for _, split := range []int{0, 1, 40, 60, 61, 62, 100, 120, 150, len(dump) - 3, len(dump)} {
		c := newCopyCounter()
		c.Write([]byte(dump[:split])) //nolint:errcheck
		c.Write([]byte(dump[split:])) //nolint:errcheck
		if diff := cmp.Diff(want, c.counts); diff != "" {
			t.Errorf("split at %d: counts mismatch (-want +got):\n%s", split, diff)
		}
	}
	// Byte by byte too.
	c := newCopyCounter()
	for i := range len(dump) {
		c.Write([]byte{dump[i]}) //nolint:errcheck
	}
	if diff := cmp.Diff(want, c.counts); diff != "" {
		t.Errorf("byte by byte: counts mismatch (-want +got):\n%s", diff)
	}
}

func TestParseQualifiedName(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"public.audit_log (id) FROM stdin;", "public.audit_log", true},
		{`"my schema"."Tab""le" (id) FROM stdin;`, `my schema.Tab"le`, true},
		{"plain (id) FROM stdin;", "plain", true},
		{`"unterminated (id)`, "", false},
		{"a.b.c (id)", "", false},
	}
	for _, tt := range tests {
		got, ok := parseQualifiedName(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseQualifiedName(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
