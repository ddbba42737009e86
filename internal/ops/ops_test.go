package ops

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/metrics"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// TestEndpoints scrapes a real listener on 127.0.0.1: /healthz, /readyz
// flipping with the readiness function, and /metrics with the bot's labels.
func TestEndpoints(t *testing.T) {
	var notReady atomic.Value
	notReady.Store("")
	m := metrics.New()
	s := New(Options{Addr: "127.0.0.1:0", Metrics: m.Handler(), Ready: func(context.Context) error {
		if msg := notReady.Load().(string); msg != "" {
			return errors.New(msg)
		}
		return nil
	}})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Stop(context.Background()) //nolint:errcheck
	base := "http://" + s.Addr()

	m.Interaction("submit-stats", metrics.OutcomeOK, 30*time.Millisecond)
	m.PermissionDenied("security")
	m.SetCheck("database", true)

	type response struct {
		Status int
		Body   string
	}
	tests := []struct {
		name    string
		path    string
		arrange func()
		want    response
	}{
		{"alive", "/healthz", func() {}, response{200, "ok\n"}},
		{"ready", "/readyz", func() {}, response{200, "ready\n"}},
		{"database gone", "/readyz", func() { notReady.Store("ping database: connection refused") },
			response{503, "not ready:\nping database: connection refused\n"}},
		{"still alive", "/healthz", func() {}, response{200, "ok\n"}},
		{"ready again", "/readyz", func() { notReady.Store("") }, response{200, "ready\n"}},
	}
	for _, tt := range tests {
		tt.arrange()
		status, body := get(t, base+tt.path)
		if diff := cmp.Diff(tt.want, response{status, body}); diff != "" {
			t.Errorf("%s: GET %s mismatch (-want +got):\n%s", tt.name, tt.path, diff)
		}
	}

	status, body := get(t, base+"/metrics")
	if status != 200 {
		t.Fatalf("/metrics status %d", status)
	}
	for _, want := range []string{
		`embodied_interactions_total{command="submit-stats",outcome="ok"} 1`,
		`embodied_interaction_duration_seconds_bucket{command="submit-stats",le="0.05"} 1`,
		`embodied_permission_denials_total{command="security"} 1`,
		`embodied_health_check_up{check="database"} 1`,
		`embodied_audit_fallback_backlog 0`,
		`go_goroutines `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestDisabledAndBindError(t *testing.T) {
	for _, addr := range []string{"", Disabled} {
		s := New(Options{Addr: addr})
		if err := s.Start(context.Background()); err != nil || s.Addr() != "" {
			t.Errorf("Addr %q: Start() = %v, listening on %q", addr, err, s.Addr())
		}
		if err := s.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := New(Options{Addr: ln.Addr().String()}).Start(context.Background()); err == nil {
		t.Error("Start on a taken port succeeded")
	}
}

// TestGracefulShutdown lets a slow request finish during Shutdown.
func TestGracefulShutdown(t *testing.T) {
	started := make(chan struct{})
	s := New(Options{Addr: "127.0.0.1:0", Ready: func(context.Context) error {
		close(started)
		time.Sleep(200 * time.Millisecond)
		return nil
	}})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	done := make(chan int)
	go func() {
		resp, err := http.Get("http://" + s.Addr() + "/readyz")
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 200 {
		t.Errorf("in-flight request got %d, want 200", code)
	}
}

// listenNotify poses as systemd's notify socket and returns what arrives.
func listenNotify(t *testing.T) <-chan string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sdn")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("NOTIFY_SOCKET", path)
	out := make(chan string, 100)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		buf := make([]byte, 512)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			out <- string(buf[:n])
		}
	}()
	t.Cleanup(func() { conn.Close(); <-stopped })
	return out
}

func next(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("no notification within 5s")
		return ""
	}
}

func TestSystemdNotify(t *testing.T) {
	msgs := listenNotify(t)
	if err := NotifyReady(); err != nil {
		t.Fatal(err)
	}
	if err := NotifyStatus("Connected as embodied"); err != nil {
		t.Fatal(err)
	}
	if err := NotifyStopping(); err != nil {
		t.Fatal(err)
	}
	got := []string{next(t, msgs), next(t, msgs), next(t, msgs)}
	if diff := cmp.Diff([]string{"READY=1", "STATUS=Connected as embodied", "STOPPING=1"}, got); diff != "" {
		t.Errorf("notifications mismatch (-want +got):\n%s", diff)
	}
}

// TestWatchdogFedOnlyWhileHealthy: WATCHDOG=1 arrives while healthy, stops
// while unhealthy, and resumes.
func TestWatchdogFedOnlyWhileHealthy(t *testing.T) {
	msgs := listenNotify(t)
	t.Setenv("WATCHDOG_USEC", "100000") // 100 ms: feeds every 50 ms
	var unhealthy atomic.Bool
	w := NewWatchdog(nil, func(context.Context) error {
		if unhealthy.Load() {
			return errors.New("database unreachable")
		}
		return nil
	})
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer w.Stop(context.Background())
	if got := next(t, msgs); got != "WATCHDOG=1" {
		t.Fatalf("first notification %q", got)
	}
	unhealthy.Store(true)
	time.Sleep(120 * time.Millisecond) // let a feed already decided drain
	for len(msgs) > 0 {
		<-msgs
	}
	select {
	case s := <-msgs:
		t.Fatalf("fed while unhealthy: %q", s)
	case <-time.After(300 * time.Millisecond):
	}
	unhealthy.Store(false)
	if got := next(t, msgs); got != "WATCHDOG=1" {
		t.Fatalf("after recovery %q", got)
	}
}

func TestWatchdogOffOutsideSystemd(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "")
	w := NewWatchdog(nil, func(context.Context) error { return nil })
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.Stop(context.Background())
}
