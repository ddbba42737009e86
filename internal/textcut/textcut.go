// Package textcut shortens text to a byte budget without splitting a UTF-8
// character. Columns, log lines and Discord fields limit sizes in bytes;
// cutting a string at a raw byte offset can leave half a character, which
// PostgreSQL refuses outright (SQLSTATE 22021) and which would take a whole
// batch of audit records down with it.
package textcut

import "unicode/utf8"

// Bytes returns the longest prefix of s that is at most max bytes long and
// is valid UTF-8. Valid text is cut only between characters; text with an
// invalid byte sequence is cut before it, since nothing past it can be
// stored as text either. A max below zero counts as zero.
func Bytes(s string, max int) string {
	if len(s) <= max && utf8.ValidString(s) {
		return s
	}
	end := 0
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		if (r == utf8.RuneError && size <= 1) || end+size > max {
			break
		}
		end += size
	}
	return s[:end]
}
