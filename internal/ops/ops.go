// Package ops is the bot's operator interface: a small HTTP listener with
// /healthz (the process is alive), /readyz (it can serve) and /metrics
// (Prometheus), and the systemd notify protocol (READY, WATCHDOG, STOPPING).
//
// The listener binds to loopback by default (SECOPS_HTTP_ADDR); it carries no
// member data, but metrics still do not belong on the public internet.
package ops

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/embodied-community/embodied/internal/logging"
)

// Disabled is the SECOPS_HTTP_ADDR value that turns the listener off.
const Disabled = "off"

// Options configures a Server.
type Options struct {
	// Addr is host:port; "" or "off" disables the listener.
	Addr   string
	Logger *slog.Logger
	// Ready answers /readyz; nil means always ready.
	Ready func(ctx context.Context) error
	// Metrics serves /metrics; nil serves 404.
	Metrics http.Handler
	// ReadyTimeout bounds one /readyz check; 5 s when 0.
	ReadyTimeout time.Duration
}

// Server is the ops HTTP listener.
type Server struct {
	o   Options
	log *slog.Logger
	ln  *Listener
}

// New returns a Server; Start binds it.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = 5 * time.Second
	}
	return &Server{o: o, log: logging.Component(o.Logger, "Ops")}
}

// Handler returns the listener's routes, for tests and embedding.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n") //nolint:errcheck // the client went away
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.o.Metrics != nil {
		mux.Handle("GET /metrics", s.o.Metrics)
	}
	return mux
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if s.o.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), s.o.ReadyTimeout)
		defer cancel()
		if err := s.o.Ready(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "not ready:\n%v\n", err)
			return
		}
	}
	io.WriteString(w, "ready\n") //nolint:errcheck // the client went away
}

// Start binds the listener and serves in the background. It returns the
// bind error, so a taken port stops the bot at start-up rather than later.
// With the listener disabled it does nothing.
func (s *Server) Start(ctx context.Context) error {
	if s.o.Addr == "" || s.o.Addr == Disabled {
		s.log.Info("Ops listener disabled")
		return nil
	}
	s.ln = NewListener(s.o.Addr, s.Handler(), s.log)
	return s.ln.Start(ctx, "Ops listener", "paths", "/healthz /readyz /metrics")
}

// Addr returns the bound address (useful with port 0), or "" when not
// listening.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr()
}

// Stop stops accepting requests and waits for those in flight until ctx
// ends.
func (s *Server) Stop(ctx context.Context) error {
	if s.ln == nil {
		return nil
	}
	return s.ln.Stop(ctx)
}
