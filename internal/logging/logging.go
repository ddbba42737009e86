// Package logging builds the bot's slog loggers. Every logger carries a
// component (RateLimiter, WarningSystem, HealthCheck…); the text format prints
// it as a prefix so that lines read as the rollout guide shows them:
//
//	2025-10-07T14:30:15.000Z INFO [RateLimiter] Rate limit exceeded userId=123 commandName=submit-stats
//
// The JSON format carries the same keys plus "component".
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"gopkg.in/natefinch/lumberjack.v2"
)

// ComponentKey is the attribute that names the part of the bot that logs.
const ComponentKey = "component"

// Options says where and how to log.
type Options struct {
	Format     string // "text" or "json"
	Level      string // debug, info, warn, error
	File       string // optional log file, rotated by size
	MaxSizeMB  int
	MaxBackups int
}

// New returns a logger writing to w, plus to Options.File when set. The
// returned closer closes the file.
func New(w io.Writer, o Options) (*slog.Logger, io.Closer, error) {
	var closer io.Closer = io.NopCloser(nil)
	if o.File != "" {
		if err := os.MkdirAll(filepath.Dir(o.File), 0o750); err != nil {
			return nil, nil, fmt.Errorf("create log directory: %w", err)
		}
		lj := &lumberjack.Logger{Filename: o.File, MaxSize: o.MaxSizeMB, MaxBackups: o.MaxBackups}
		w = io.MultiWriter(w, lj)
		closer = lj
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.Level)); err != nil && o.Level != "" {
		return nil, nil, fmt.Errorf("log level %q: %w", o.Level, err)
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if o.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = NewTextHandler(w, opts)
	}
	return slog.New(h), closer, nil
}

// Component returns l tagged with a component name.
func Component(l *slog.Logger, name string) *slog.Logger {
	return l.With(ComponentKey, name)
}

// TextHandler renders "time LEVEL [Component] message key=value…".
type TextHandler struct {
	mu        *sync.Mutex
	w         io.Writer
	opts      slog.HandlerOptions
	component string
	prefix    string // pre-rendered attributes from With
	groups    string // dotted group prefix for keys
}

// NewTextHandler returns a TextHandler writing to w.
func NewTextHandler(w io.Writer, opts *slog.HandlerOptions) *TextHandler {
	h := &TextHandler{mu: &sync.Mutex{}, w: w}
	if opts != nil {
		h.opts = *opts
	}
	return h
}

// Enabled reports whether level is logged.
func (h *TextHandler) Enabled(_ context.Context, level slog.Level) bool {
	min := slog.LevelInfo
	if h.opts.Level != nil {
		min = h.opts.Level.Level()
	}
	return level >= min
}

// WithAttrs returns a handler that adds attrs to every record; a component
// attribute becomes the prefix.
func (h *TextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	h2 := *h
	var b strings.Builder
	b.WriteString(h.prefix)
	for _, a := range attrs {
		if a.Key == ComponentKey && h.groups == "" {
			h2.component = a.Value.String()
			continue
		}
		appendAttr(&b, h.groups, a)
	}
	h2.prefix = b.String()
	return &h2
}

// WithGroup returns a handler that qualifies later keys with name.
func (h *TextHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.groups = h.groups + name + "."
	return &h2
}

// Handle writes one line.
func (h *TextHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	if !r.Time.IsZero() {
		b.WriteString(r.Time.UTC().Format("2006-01-02T15:04:05.000Z"))
		b.WriteByte(' ')
	}
	b.WriteString(r.Level.String())
	b.WriteByte(' ')
	component := h.component
	var rest strings.Builder
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == ComponentKey && h.groups == "" {
			component = a.Value.String()
			return true
		}
		appendAttr(&rest, h.groups, a)
		return true
	})
	if component != "" {
		b.WriteString("[" + component + "] ")
	}
	b.WriteString(r.Message)
	b.WriteString(h.prefix)
	b.WriteString(rest.String())
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

func appendAttr(b *strings.Builder, groups string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	if a.Value.Kind() == slog.KindGroup {
		g := groups
		if a.Key != "" {
			g += a.Key + "."
		}
		for _, ga := range a.Value.Group() {
			appendAttr(b, g, ga)
		}
		return
	}
	b.WriteByte(' ')
	b.WriteString(groups + a.Key)
	b.WriteByte('=')
	var s string
	switch a.Value.Kind() {
	case slog.KindTime:
		s = a.Value.Time().UTC().Format(time.RFC3339Nano)
	default:
		s = a.Value.String()
	}
	b.WriteString(quote(s))
}

// quote leaves simple values bare and quotes anything with spaces, quotes,
// '=' or control characters, as slog's own text handler does.
func quote(s string) string {
	if s == "" {
		return `""`
	}
	for _, r := range s {
		if unicode.IsSpace(r) || r == '"' || r == '=' || !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}
