package logging

import (
	"bytes"
	"strings"
	"sync"
)

// Capture is a goroutine-safe log sink that keeps everything written, for
// tests, the sandbox console and the smoke runner to read back.
type Capture struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (c *Capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.b.Write(p)
}

// String returns everything written so far.
func (c *Capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.b.String()
}

// Lines returns the lines containing every one of parts.
func (c *Capture) Lines(parts ...string) []string {
	var out []string
	for _, line := range strings.Split(c.String(), "\n") {
		ok := line != ""
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			out = append(out, line)
		}
	}
	return out
}
