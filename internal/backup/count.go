package backup

import (
	"bytes"
	"strings"
)

// copyCounter counts the rows of every table in pg_dump's plain SQL as it
// streams by: each table's data is a `COPY schema.table (…) FROM stdin;`
// line, one line per row, and a `\.` line. Counting the dump itself gives
// the row counts of exactly the snapshot pg_dump dumped, without scanning
// the tables a second time.
type copyCounter struct {
	partial []byte // the current line so far, when a write ends mid-line
	inCopy  bool
	table   string
	rows    int64
	counts  map[string]int64
}

// maxLine bounds what is kept of a line split across writes: statements
// are kept whole up to 1 MiB; of a data row only whether it is `\.` matters.
const maxLine = 1 << 20

func newCopyCounter() *copyCounter { return &copyCounter{counts: map[string]int64{}} }

func (c *copyCounter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			c.keep(p)
			break
		}
		line := p[:i]
		if len(c.partial) > 0 {
			c.keep(line)
			line = c.partial
		}
		c.line(line)
		c.partial = c.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

func (c *copyCounter) keep(p []byte) {
	limit := maxLine
	if c.inCopy {
		limit = 3
	}
	if room := limit - len(c.partial); room > 0 {
		c.partial = append(c.partial, p[:min(room, len(p))]...)
	}
}

func (c *copyCounter) line(line []byte) {
	if c.inCopy {
		if len(line) == 2 && line[0] == '\\' && line[1] == '.' {
			c.counts[c.table] += c.rows
			c.inCopy = false
			return
		}
		c.rows++
		return
	}
	if !bytes.HasPrefix(line, []byte("COPY ")) || !bytes.HasSuffix(line, []byte(" FROM stdin;")) {
		return
	}
	if name, ok := parseQualifiedName(string(line[len("COPY "):])); ok {
		c.table, c.rows, c.inCopy = name, 0, true
	}
}

// parseQualifiedName reads `schema.table` (each part possibly quoted, with
// "" for a quote) from the start of s and returns it unquoted.
func parseQualifiedName(s string) (string, bool) {
	var parts []string
	for {
		var part string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(s); i++ {
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						b.WriteByte('"')
						i++
						continue
					}
					break
				}
				b.WriteByte(s[i])
			}
			if i >= len(s) {
				return "", false
			}
			part, s = b.String(), s[i+1:]
		} else {
			end := strings.IndexAny(s, ". ")
			if end <= 0 {
				return "", false
			}
			part, s = s[:end], s[end:]
		}
		parts = append(parts, part)
		if !strings.HasPrefix(s, ".") {
			break
		}
		s = s[1:]
	}
	if len(parts) > 2 || !strings.HasPrefix(s, " ") {
		return "", false
	}
	return strings.Join(parts, "."), true
}
