// Package tcpproxy is a TCP proxy that a test puts between a client and a
// server it wants to take away: Refuse acts as if the server stopped (every
// connection closed, new ones turned away at once), Blackhole as if the
// network between them failed (connections stay open and nothing gets
// through, in either direction), and Restore brings the server back. The
// drills use it to cut the bot's PostgreSQL without touching the server.
package tcpproxy

import (
	"fmt"
	"net"
	"net/url"
	"sync"
	"testing"
)

// Mode is what the proxy does with traffic.
type Mode int

// Modes.
const (
	// Forward passes traffic both ways.
	Forward Mode = iota
	// Refused closes every connection and accepts new ones only to close
	// them, like a stopped server.
	Refused
	// Blackholed keeps connections open but holds what they send until the
	// mode changes, like a network partition; on Restore the held bytes flow
	// on, as TCP's retransmissions would deliver them.
	Blackholed
)

func (m Mode) String() string {
	return [...]string{"forward", "refused", "blackholed"}[m]
}

// Proxy forwards connections from its loopback address to a target.
// Safe for concurrent use.
type Proxy struct {
	target string
	ln     net.Listener
	wg     sync.WaitGroup

	mu      sync.Mutex
	mode    Mode
	changed chan struct{} // closed and replaced on every mode change
	conns   map[net.Conn]bool
	accepts int
	closed  bool
}

// New listens on 127.0.0.1 (a free port) and forwards to target (host:port).
func New(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("tcpproxy: listen: %w", err)
	}
	p := &Proxy{target: target, ln: ln, changed: make(chan struct{}), conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Start is New for a test: it fails t on error and closes the proxy at
// cleanup.
func Start(t testing.TB, target string) *Proxy {
	t.Helper()
	p, err := New(target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// ForURL starts a proxy for t in front of the host of connURL (a URL such
// as postgres://user@host:port/db) and returns it with connURL pointing at
// the proxy instead.
func ForURL(t testing.TB, connURL string) (*Proxy, string) {
	t.Helper()
	u, err := url.Parse(connURL)
	if err != nil || u.Host == "" {
		t.Fatalf("tcpproxy: not a URL with a host: %v", err)
	}
	p := Start(t, u.Host)
	u.Host = p.Addr()
	return p, u.String()
}

// Addr is the proxy's address (127.0.0.1:port), for the client to dial.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Accepted counts the connections accepted so far, refused ones included.
func (p *Proxy) Accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepts
}

// Mode returns the current mode.
func (p *Proxy) Mode() Mode {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode
}

// Refuse closes every connection and turns new ones away until Restore.
func (p *Proxy) Refuse() { p.set(Refused) }

// Blackhole holds all traffic until Restore (or Refuse).
func (p *Proxy) Blackhole() { p.set(Blackholed) }

// Restore forwards traffic again.
func (p *Proxy) Restore() { p.set(Forward) }

func (p *Proxy) set(m Mode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = m
	close(p.changed)
	p.changed = make(chan struct{})
	if m == Refused {
		for c := range p.conns {
			_ = c.Close()
		}
	}
}

// Close stops listening and closes every connection. It is idempotent.
func (p *Proxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	_ = p.ln.Close()
	for c := range p.conns {
		_ = c.Close()
	}
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.accepts++
		if p.closed || p.mode == Refused {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.conns[c] = true
		p.mu.Unlock()
		p.wg.Add(1)
		go p.handle(c)
	}
}

// track registers c, or closes it and reports false when the proxy is
// refusing or closed.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.mode == Refused {
		_ = c.Close()
		return false
	}
	p.conns[c] = true
	return true
}

func (p *Proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		delete(p.conns, c)
		_ = c.Close()
	}
}

func (p *Proxy) handle(client net.Conn) {
	defer p.wg.Done()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		p.untrack(client)
		return
	}
	if !p.track(server) {
		p.untrack(client)
		return
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.pipe(server, client) }()
	go func() { defer wg.Done(); p.pipe(client, server) }()
	wg.Wait()
}

// pipe copies src to dst, holding each chunk while the proxy is blackholed;
// when either side ends, both are closed.
func (p *Proxy) pipe(dst, src net.Conn) {
	defer p.untrack(dst, src)
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.await() {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// await blocks while the proxy is blackholed; it reports whether traffic
// may flow (false once refusing or closed).
func (p *Proxy) await() bool {
	for {
		p.mu.Lock()
		mode, closed, changed := p.mode, p.closed, p.changed
		p.mu.Unlock()
		switch {
		case closed || mode == Refused:
			return false
		case mode == Forward:
			return true
		}
		<-changed
	}
}
