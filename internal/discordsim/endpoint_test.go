package discordsim_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordsim"
)

// endpoint is an Interactions Endpoint URL as its documentation asks: 401
// on a bad signature, PONG to PING, and answer for everything else.
func endpoint(t *testing.T, sim *discordsim.Server, answer func(w http.ResponseWriter, typ int)) *httptest.Server {
	t.Helper()
	key, err := hex.DecodeString(sim.PublicKeyHex())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sig, _ := hex.DecodeString(r.Header.Get("X-Signature-Ed25519"))
		if len(sig) != ed25519.SignatureSize || !ed25519.Verify(key, append([]byte(r.Header.Get("X-Signature-Timestamp")), body...), sig) {
			http.Error(w, "invalid request signature", http.StatusUnauthorized)
			return
		}
		var ic struct {
			Type int `json:"type"`
		}
		_ = json.Unmarshal(body, &ic)
		if ic.Type == 1 {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"type":1}`)
			return
		}
		answer(w, ic.Type)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestInteractionsEndpoint(t *testing.T) {
	tests := []struct {
		name        string
		answer      func(w http.ResponseWriter, typ int)
		wantContent string
		wantErr     error
		wantRule    string
	}{
		{
			name: "answer in the HTTP response",
			answer: func(w http.ResponseWriter, _ int) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"type":4,"data":{"content":"pong"}}`)
			},
			wantContent: "pong",
		},
		{
			name: "a multipart answer fails the interaction",
			answer: func(w http.ResponseWriter, _ int) {
				w.Header().Set("Content-Type", "multipart/form-data; boundary=x")
				_, _ = io.WriteString(w, "--x--")
			},
			wantErr: discordsim.ErrFailed, wantRule: "endpoint-content-type",
		},
		{
			name: "an invalid answer is refused as the callback route refuses it",
			answer: func(w http.ResponseWriter, _ int) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"type":6}`)
			},
			wantErr: discordsim.ErrNoResponse, wantRule: "schema",
		},
		{
			name:    "an error status fails the interaction",
			answer:  func(w http.ResponseWriter, _ int) { http.Error(w, "boom", http.StatusInternalServerError) },
			wantErr: discordsim.ErrFailed, wantRule: "endpoint-status",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := discordsim.NewTest(t, discordsim.Options{ResponseTimeout: 5 * time.Second})
			g := sim.SeedSandbox()
			b := startBot(t, sim, nil)
			sim.SetInteractionsEndpoint(endpoint(t, sim, tt.answer).URL)
			if err := sim.ValidateEndpoint(ctx(t)); err != nil {
				t.Fatalf("ValidateEndpoint: %v", err)
			}
			ix, err := sim.Run(ctx(t), g.MemberByName("alice"), "/ping")
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Run error = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && ix.Content() != tt.wantContent {
				t.Errorf("content = %q, want %q", ix.Content(), tt.wantContent)
			}
			var rules []string
			for _, v := range sim.TakeViolations() {
				rules = append(rules, v.Rule)
			}
			var want []string
			if tt.wantRule != "" {
				want = []string{tt.wantRule}
			}
			if diff := cmp.Diff(want, rules); diff != "" {
				t.Errorf("violations mismatch (-want +got):\n%s", diff)
			}
			if n := len(b.deliveries()); n != 0 {
				t.Errorf("the gateway delivered %d interactions, want none with an endpoint set", n)
			}
		})
	}
}

// Components and modals reach the endpoint as commands do, and their
// answers (a modal, a message) are taken from the HTTP response.
func TestEndpointComponentsAndModals(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	g := sim.SeedSandbox()
	startBot(t, sim, nil)
	answers := map[int]string{
		2: `{"type":4,"data":{"content":"pong","components":[{"type":1,"components":[{"type":2,"style":1,"label":"Why?","custom_id":"why"}]}]}}`,
		3: `{"type":9,"data":{"custom_id":"reason-modal","title":"Tell us","components":[{"type":1,"components":[{"type":4,"custom_id":"reason","label":"Reason","style":1}]}]}}`,
		5: `{"type":4,"data":{"content":"thanks","flags":64}}`,
	}
	sim.SetInteractionsEndpoint(endpoint(t, sim, func(w http.ResponseWriter, typ int) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, answers[typ])
	}).URL)
	alice := g.MemberByName("alice")
	ping, err := sim.Run(ctx(t), alice, "/ping")
	if err != nil {
		t.Fatal(err)
	}
	why, err := sim.Click(ctx(t), alice, ping.Original(), "why")
	if err != nil {
		t.Fatal(err)
	}
	if why.Modal() == nil {
		t.Fatal("the click opened no modal")
	}
	thanks, err := sim.SubmitModal(ctx(t), alice, why.Modal(), map[string]string{"reason": "curious"})
	if err != nil {
		t.Fatal(err)
	}
	if got := []any{thanks.Content(), thanks.Ephemeral()}; !cmp.Equal(got, []any{"thanks", true}) {
		t.Errorf("modal answer = %v, want [thanks true]", got)
	}
}

// TestValidateEndpoint: Discord refuses to save a URL that answers a bad
// signature with anything but 401.
func TestValidateEndpoint(t *testing.T) {
	sim := discordsim.NewTest(t, discordsim.Options{})
	lax := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"type":1}`)
	}))
	t.Cleanup(lax.Close)
	sim.SetInteractionsEndpoint(lax.URL)
	err := sim.ValidateEndpoint(ctx(t))
	if err == nil || !strings.Contains(err.Error(), "invalid signature answered 200, want 401") {
		t.Errorf("ValidateEndpoint of an endpoint without verification = %v, want the 401 failure", err)
	}
	a, err := sim.PostForged(ctx(t), []byte(`{"type":1}`))
	if err != nil || a.Status != http.StatusOK {
		t.Errorf("PostForged = %+v, %v", a, err)
	}
}
