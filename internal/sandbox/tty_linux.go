package sandbox

import (
	"context"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// Interactive runs the console on a terminal with a small line editor
// (Tab completes, Up/Down recall earlier lines, Ctrl-U clears, Ctrl-D on an
// empty line quits). Input that is not a terminal is read line by line.
// The terminal is in raw mode only while a line is being typed, so the
// bot's replies print normally.
func (c *Console) Interactive(ctx context.Context, in *os.File) error {
	saved, err := unix.IoctlGetTermios(int(in.Fd()), unix.TCGETS)
	if err != nil {
		return c.Run(ctx, in)
	}
	raw := *saved
	raw.Lflag &^= unix.ECHO | unix.ICANON | unix.ISIG | unix.IEXTEN
	raw.Iflag &^= unix.IXON | unix.ICRNL
	raw.Cc[unix.VMIN], raw.Cc[unix.VTIME] = 1, 0
	var history []string
	for ctx.Err() == nil {
		if err := unix.IoctlSetTermios(int(in.Fd()), unix.TCSETS, &raw); err != nil {
			return c.Run(ctx, in)
		}
		line, ok := c.readLine(in, history)
		_ = unix.IoctlSetTermios(int(in.Fd()), unix.TCSETS, saved)
		fmt.Fprintln(c.out)
		if !ok {
			return nil
		}
		if strings.TrimSpace(line) != "" {
			history = append(history, line)
		}
		if c.Exec(ctx, line) {
			return nil
		}
	}
	return nil
}

// readLine edits one line; ok is false on Ctrl-D (empty line) or Ctrl-C.
func (c *Console) readLine(in *os.File, history []string) (string, bool) {
	line := ""
	hist := len(history)
	redraw := func() { fmt.Fprintf(c.out, "\r\x1b[K%s%s", c.Prompt(), line) }
	redraw()
	buf := make([]byte, 64)
	for {
		n, err := in.Read(buf)
		if err != nil || n == 0 {
			return "", false
		}
		for i := 0; i < n; i++ {
			b := buf[i]
			switch {
			case b == '\r' || b == '\n':
				return line, true
			case b == 3: // Ctrl-C
				return "", false
			case b == 4: // Ctrl-D
				if line == "" {
					return "", false
				}
			case b == 21: // Ctrl-U
				line = ""
			case b == 127 || b == 8:
				if line != "" {
					_, size := utf8.DecodeLastRuneInString(line)
					line = line[:len(line)-size]
				}
			case b == '\t':
				var cands []string
				line, cands = c.CompleteLine(line)
				if len(cands) > 0 {
					fmt.Fprintf(c.out, "\r\n%s\r\n", strings.Join(cands, "  "))
				}
			case b == 27: // ESC [ A / ESC [ B: history
				if i+2 < n && buf[i+1] == '[' {
					switch buf[i+2] {
					case 'A':
						if hist > 0 {
							hist--
							line = history[hist]
						}
					case 'B':
						if hist < len(history)-1 {
							hist++
							line = history[hist]
						} else {
							hist, line = len(history), ""
						}
					}
					i += 2
				}
			case b >= 32:
				line += string([]byte{b})
			}
			redraw()
		}
	}
}
