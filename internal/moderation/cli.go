package moderation

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// RunCLI implements "embodied moderate": it reads lines from r and writes
// one JSON verdict per line to w. Lines longer than MaxInputBytes are
// checked on their first MaxInputBytes bytes, like any other input.
func RunCLI(r io.Reader, w io.Writer, e *Engine) error {
	br := bufio.NewReaderSize(r, 64*1024)
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for {
		line, err := br.ReadString('\n')
		if len(line) > 0 {
			line = trimEOL(line)
			if encErr := enc.Encode(e.Check(line)); encErr != nil {
				return fmt.Errorf("write verdict: %w", encErr)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write verdict: %w", err)
	}
	return nil
}

func trimEOL(s string) string {
	if n := len(s); n > 0 && s[n-1] == '\n' {
		s = s[:n-1]
		if n := len(s); n > 0 && s[n-1] == '\r' {
			s = s[:n-1]
		}
	}
	return s
}
