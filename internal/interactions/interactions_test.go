package interactions

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/bot"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// replier answers every interaction with a fixed initial response, as the
// bot's responder does.
type replier struct {
	resp *discordgo.InteractionResponse
	mu   sync.Mutex
	got  []string
	err  error
	done chan struct{}
}

func (d *replier) ServeInteraction(raw json.RawMessage, answer bot.Callback) (<-chan struct{}, bool) {
	done := make(chan struct{})
	d.done = done
	go func() {
		defer close(done)
		err := answer(context.Background(), d.resp)
		d.mu.Lock()
		d.got, d.err = append(d.got, string(raw)), err
		d.mu.Unlock()
	}()
	return done, true
}

type events struct {
	mu  sync.Mutex
	got []audit.SecurityEvent
}

func (e *events) Security(ev audit.SecurityEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = append(e.got, ev)
}

func sign(priv ed25519.PrivateKey, ts string, body []byte) string {
	return hex.EncodeToString(ed25519.Sign(priv, append([]byte(ts), body...)))
}

func TestHandler(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, other, _ := ed25519.GenerateKey(nil)
	ts := strconv.FormatInt(now.Unix(), 10)
	stale := strconv.FormatInt(now.Add(-MaxSkew-time.Second).Unix(), 10)
	command := []byte(`{"id":"1","type":2,"token":"t","data":{"name":"ping"}}`)
	ping := []byte(`{"id":"2","type":1}`)
	reply := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: "pong"}}
	tests := []struct {
		name       string
		body       []byte
		sig, ts    string
		wantStatus int
		wantBody   string
		wantReason string
		wantRun    bool
	}{
		{name: "good signature", body: command, sig: sign(priv, ts, command), ts: ts,
			wantStatus: 200, wantBody: `{"type":4,"data":{"tts":false,"content":"pong","components":null,"embeds":null}}`, wantRun: true},
		{name: "ping", body: ping, sig: sign(priv, ts, ping), ts: ts, wantStatus: 200, wantBody: `{"type":1}`},
		{name: "bad signature", body: command, sig: sign(other, ts, command), ts: ts,
			wantStatus: 401, wantBody: MsgInvalidSignature + "\n", wantReason: ReasonInvalid},
		{name: "body changed", body: []byte(`{"id":"1","type":2,"token":"t","data":{"name":"ban"}}`), sig: sign(priv, ts, command), ts: ts,
			wantStatus: 401, wantBody: MsgInvalidSignature + "\n", wantReason: ReasonInvalid},
		{name: "not hex", body: command, sig: "zz", ts: ts, wantStatus: 401, wantBody: MsgInvalidSignature + "\n", wantReason: ReasonInvalid},
		{name: "missing signature", body: command, ts: ts, wantStatus: 401, wantBody: MsgInvalidSignature + "\n", wantReason: ReasonMissing},
		{name: "missing timestamp", body: command, sig: sign(priv, ts, command), wantStatus: 401, wantBody: MsgInvalidSignature + "\n", wantReason: ReasonMissing},
		{name: "stale timestamp", body: command, sig: sign(priv, stale, command), ts: stale,
			wantStatus: 401, wantBody: MsgInvalidSignature + "\n", wantReason: ReasonStale},
		{name: "oversized body", body: bytes.Repeat([]byte("a"), MaxBody+1), ts: ts, wantStatus: 413, wantBody: "request body too large\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &replier{resp: reply}
			var reasons []string
			h := New(Options{PublicKey: pub, Dispatcher: d, Now: func() time.Time { return now },
				OnRejected: func(r string) { reasons = append(reasons, r) }})
			req := httptest.NewRequest(http.MethodPost, "/interactions", bytes.NewReader(tt.body))
			if tt.sig != "" {
				req.Header.Set("X-Signature-Ed25519", tt.sig)
			}
			if tt.ts != "" {
				req.Header.Set("X-Signature-Timestamp", tt.ts)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.wantBody, w.Body.String()); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s", diff)
			}
			if tt.wantStatus == 200 && w.Header().Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", w.Header().Get("Content-Type"))
			}
			var wantReasons []string
			if tt.wantReason != "" {
				wantReasons = []string{tt.wantReason}
			}
			if diff := cmp.Diff(wantReasons, reasons); diff != "" {
				t.Errorf("counted refusals mismatch (-want +got):\n%s", diff)
			}
			if d.done != nil {
				<-d.done
			}
			d.mu.Lock()
			defer d.mu.Unlock()
			if ran := len(d.got) > 0; ran != tt.wantRun {
				t.Errorf("interaction run = %v, want %v", ran, tt.wantRun)
			}
			if d.err != nil {
				t.Errorf("answer returned %v", d.err)
			}
		})
	}
}

// TestRepeatedRefusalsAreASecurityEvent: the tenth refusal from one address
// within a minute records one security event; the window starts again after.
func TestRepeatedRefusalsAreASecurityEvent(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(nil)
	clock := now
	ev := &events{}
	h := New(Options{PublicKey: pub, Dispatcher: &replier{}, Events: ev, Now: func() time.Time { return clock }})
	forge := func(addr string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"type":2}`))
		req.RemoteAddr = addr
		req.Header.Set("X-Signature-Ed25519", strings.Repeat("00", 64))
		req.Header.Set("X-Signature-Timestamp", "1")
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	for range 2*RepeatThreshold - 1 {
		forge("192.0.2.1:5000")
	}
	for range RepeatThreshold - 1 {
		forge("192.0.2.2:5000") // another address, below the threshold
	}
	clock = clock.Add(RepeatWindow)
	for range RepeatThreshold {
		forge("192.0.2.1:5001")
	}
	var got []string
	for _, e := range ev.got {
		got = append(got, e.EventType+" "+string(e.Severity)+" "+e.Details["remoteAddr"].(string))
	}
	want := []string{EventForged + " high 192.0.2.1", EventForged + " high 192.0.2.1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("security events mismatch (-want +got):\n%s", diff)
	}
}

// waiter answers only when told to, as a slow command would, and reports
// what answering returned.
type waiter struct {
	release chan struct{}
	result  chan error
}

func (d *waiter) ServeInteraction(_ json.RawMessage, answer bot.Callback) (<-chan struct{}, bool) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-d.release
		d.result <- answer(context.Background(), &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
	}()
	return done, true
}

// TestAnswerAfterTimeoutFails: an initial response that comes after the
// request was given up reports the failure to the bot.
func TestAnswerAfterTimeoutFails(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	d := &waiter{release: make(chan struct{}), result: make(chan error, 1)}
	h := New(Options{PublicKey: pub, Dispatcher: d, Now: func() time.Time { return now }, AnswerTimeout: time.Millisecond})
	body := []byte(`{"id":"1","type":2}`)
	ts := strconv.FormatInt(now.Unix(), 10)
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("X-Signature-Ed25519", sign(priv, ts, body))
	req.Header.Set("X-Signature-Timestamp", ts)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	close(d.release)
	if err := <-d.result; err != errTooLate {
		t.Errorf("late answer returned %v, want errTooLate", err)
	}
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("status = %d, want 503", w.Code)
	}
}
