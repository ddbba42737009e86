package ops

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Listener serves one http.Handler on a TCP address in the background,
// with the timeouts every listener of the bot uses: the ops listener and
// the HTTP interactions endpoint.
type Listener struct {
	addr    string
	handler http.Handler
	log     *slog.Logger
	srv     *http.Server
	ln      net.Listener
	done    chan struct{}
}

// NewListener returns a Listener for handler on addr (host:port); Start
// binds it.
func NewListener(addr string, handler http.Handler, log *slog.Logger) *Listener {
	return &Listener{addr: addr, handler: handler, log: log}
}

// Start binds the address and serves in the background; it returns the bind
// error, so a taken port stops the bot at start-up. name and attrs go into
// the start-up log line.
func (l *Listener) Start(ctx context.Context, name string, attrs ...any) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", l.addr)
	if err != nil {
		return fmt.Errorf("%s on %s: %w", name, l.addr, err)
	}
	l.ln = ln
	l.srv = &http.Server{
		Handler:           l.handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       time.Minute,
		ErrorLog:          slog.NewLogLogger(l.log.Handler(), slog.LevelWarn),
	}
	l.done = make(chan struct{})
	l.log.Info(name+" started", append([]any{"addr", ln.Addr().String()}, attrs...)...)
	go func() {
		defer close(l.done)
		if err := l.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			l.log.Error(name+" stopped", "error", err)
		}
	}()
	return nil
}

// Addr returns the bound address (useful with port 0), or "" before Start.
func (l *Listener) Addr() string {
	if l.ln == nil {
		return ""
	}
	return l.ln.Addr().String()
}

// Stop stops accepting requests and waits for those in flight until ctx
// ends.
func (l *Listener) Stop(ctx context.Context) error {
	if l.srv == nil {
		return nil
	}
	err := l.srv.Shutdown(ctx)
	<-l.done
	if err != nil {
		return fmt.Errorf("shut down listener on %s: %w", l.addr, err)
	}
	return nil
}
