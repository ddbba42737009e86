package tcpproxy_test

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/tcpproxy"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// echoServer answers every line with the same line.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

// exchange sends line on c and returns what comes back within wait, or an
// error.
func exchange(c net.Conn, line string, wait time.Duration) (string, error) {
	_ = c.SetDeadline(time.Now().Add(wait))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "", err
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	return got, err
}

func dial(t *testing.T, p *tcpproxy.Proxy) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestProxy(t *testing.T) {
	tests := []struct {
		name string
		cut  func(*tcpproxy.Proxy)
		// held: the open connection's bytes arrive after Restore; otherwise
		// the connection is closed by the cut.
		held bool
	}{
		{"refused", (*tcpproxy.Proxy).Refuse, false},
		{"blackholed", (*tcpproxy.Proxy).Blackhole, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tcpproxy.Start(t, echoServer(t))
			open := dial(t, p)
			if got, err := exchange(open, "before", 5*time.Second); err != nil || got != "before\n" {
				t.Fatalf("forwarding: got %q, %v", got, err)
			}
			tt.cut(p)
			if got, err := exchange(open, "during", 300*time.Millisecond); err == nil {
				t.Fatalf("the cut let %q through", got)
			}
			fresh := dial(t, p)
			if got, err := exchange(fresh, "new", 300*time.Millisecond); err == nil {
				t.Fatalf("a new connection got %q through the cut", got)
			}
			p.Restore()
			if tt.held {
				_ = open.SetDeadline(time.Now().Add(5 * time.Second))
				got, err := bufio.NewReader(open).ReadString('\n')
				if err != nil || got != "during\n" {
					t.Errorf("held bytes after Restore: got %q, %v", got, err)
				}
			}
			again := dial(t, p)
			if got, err := exchange(again, "after", 5*time.Second); err != nil || got != "after\n" {
				t.Errorf("after Restore: got %q, %v", got, err)
			}
		})
	}
}
