package discordsim

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"
)

// The interactions endpoint side: with an Interactions Endpoint URL set
// (Options.InteractionsEndpoint or SetInteractionsEndpoint), Discord no
// longer sends INTERACTION_CREATE over the gateway; it POSTs each
// interaction to the URL, signed with the application's Ed25519 key
// (X-Signature-Ed25519 over X-Signature-Timestamp + body), and takes the
// HTTP response (200, application/json) as the initial response, checked
// as the callback route checks it and within the same 3 seconds. A
// multipart answer (attachments) fails the interaction, as on Discord:
// files go through the interaction webhook after a deferral.

// endpointTimeout is how long Discord waits for the endpoint's answer.
const endpointTimeout = 3 * time.Second

// endpointState is the application's interactions endpoint and key.
type endpointState struct {
	mu     sync.Mutex
	url    string
	key    ed25519.PrivateKey
	client *http.Client
}

// endpointKey returns the application's signing key, generated on first use
// unless Options.InteractionsKey gives it.
func (s *Server) endpointKey() ed25519.PrivateKey {
	e := &s.endpoint
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.key == nil {
		e.key = s.opts.InteractionsKey
		if e.key == nil {
			_, e.key, _ = ed25519.GenerateKey(nil)
		}
	}
	return e.key
}

// PublicKeyHex is the application's public key as the Developer Portal
// shows it (DISCORD_PUBLIC_KEY).
func (s *Server) PublicKeyHex() string {
	return hex.EncodeToString(s.endpointKey().Public().(ed25519.PublicKey))
}

// SetInteractionsEndpoint sets the Interactions Endpoint URL ("" to
// deliver over the gateway again), as saving it in the Developer Portal
// does after ValidateEndpoint.
func (s *Server) SetInteractionsEndpoint(url string) {
	s.endpoint.mu.Lock()
	defer s.endpoint.mu.Unlock()
	s.endpoint.url = url
}

func (s *Server) endpointURL() string {
	s.endpoint.mu.Lock()
	defer s.endpoint.mu.Unlock()
	if s.endpoint.url == "" {
		s.endpoint.url = s.opts.InteractionsEndpoint
	}
	if s.endpoint.client == nil {
		s.endpoint.client = &http.Client{Timeout: endpointTimeout + 250*time.Millisecond}
	}
	return s.endpoint.url
}

// EndpointAnswer is the endpoint's HTTP answer to one request.
type EndpointAnswer struct {
	Status      int
	ContentType string
	Body        string
}

// postSigned POSTs body to the endpoint, signed with key at the
// emulator clock's time.
func (s *Server) postSigned(ctx context.Context, url string, body []byte, key ed25519.PrivateKey) (EndpointAnswer, error) {
	ts := strconv.FormatInt(s.clock.Now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return EndpointAnswer{}, fmt.Errorf("discordsim: endpoint request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Discord-Interactions/1.0 (+https://discord.com)")
	req.Header.Set("X-Signature-Timestamp", ts)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, append([]byte(ts), body...))))
	resp, err := s.endpoint.client.Do(req)
	if err != nil {
		return EndpointAnswer{}, fmt.Errorf("discordsim: POST %s: %w", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxRequestBytes))
	if err != nil {
		return EndpointAnswer{}, fmt.Errorf("discordsim: read endpoint answer: %w", err)
	}
	return EndpointAnswer{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: string(b)}, nil
}

// ValidateEndpoint does what Discord does when the Interactions Endpoint
// URL is saved: a signed PING must be answered 200 {"type":1}, and a PING
// with an invalid signature 401. It returns what failed.
func (s *Server) ValidateEndpoint(ctx context.Context) error {
	url := s.endpointURL()
	if url == "" {
		return fmt.Errorf("discordsim: no interactions endpoint set")
	}
	ping := []byte(`{"id":"` + s.newID() + `","application_id":"` + s.opts.ApplicationID + `","type":1,"token":"` + randomToken() + `","version":1}`)
	a, err := s.postSigned(ctx, url, ping, s.endpointKey())
	if err != nil {
		return err
	}
	var pong struct {
		Type *int `json:"type"`
	}
	if a.Status != http.StatusOK || json.Unmarshal([]byte(a.Body), &pong) != nil || pong.Type == nil || *pong.Type != 1 {
		return fmt.Errorf("discordsim: signed PING answered %d %q, want 200 {\"type\":1}", a.Status, a.Body)
	}
	a, err = s.PostForged(ctx, ping)
	if err != nil {
		return err
	}
	if a.Status != http.StatusUnauthorized {
		return fmt.Errorf("discordsim: PING with an invalid signature answered %d, want 401", a.Status)
	}
	return nil
}

// PostForged POSTs body to the endpoint with a valid-looking signature by
// a key that is not the application's, as an attacker would.
func (s *Server) PostForged(ctx context.Context, body []byte) (EndpointAnswer, error) {
	url := s.endpointURL()
	if url == "" {
		return EndpointAnswer{}, fmt.Errorf("discordsim: no interactions endpoint set")
	}
	_, forger, err := ed25519.GenerateKey(nil)
	if err != nil {
		return EndpointAnswer{}, fmt.Errorf("discordsim: forger key: %w", err)
	}
	return s.postSigned(ctx, url, body, forger)
}

// postInteraction delivers ix to the endpoint and handles the answer as
// its initial response, in the background as the gateway dispatch is.
func (s *Server) postInteraction(ix *Interaction, url string, payload map[string]any) {
	body, err := json.Marshal(payload)
	if err != nil {
		s.violate(Violation{Rule: "spec-error", Message: "encode interaction: " + err.Error()})
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-s.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		a, err := s.postSigned(ctx, url, body, s.endpointKey())
		switch {
		case err != nil:
			s.endpointFailed(ix, url, "endpoint-unanswered", err.Error())
		case a.Status != http.StatusOK:
			s.endpointFailed(ix, url, "endpoint-status", fmt.Sprintf("interaction %s answered %d %q", ix.Command, a.Status, a.Body))
		default:
			s.endpointAnswer(ix, a)
		}
	}()
}

func (s *Server) endpointFailed(ix *Interaction, url, rule, msg string) {
	ix.fail(rule)
	s.violate(Violation{Route: "POST " + url, Path: url, Rule: rule, Message: msg})
}

// endpointAnswer applies the endpoint's answer as the callback route does
// a callback: same schema, limits, types and 3-second rule.
func (s *Server) endpointAnswer(ix *Interaction, a EndpointAnswer) {
	if mt, _, _ := mime.ParseMediaType(a.ContentType); mt != "application/json" {
		s.endpointFailed(ix, s.endpointURL(), "endpoint-content-type",
			fmt.Sprintf("interaction %s answered with Content-Type %q; Discord takes application/json only (no attachments)", ix.Command, a.ContentType))
		return
	}
	path := "/interactions/" + ix.ID + "/" + ix.Token + "/callback"
	rt, params := s.match(http.MethodPost, path)
	r := httptest.NewRequest(http.MethodPost, "/api/v10"+path, nil)
	r.Header.Set("Content-Type", a.ContentType)
	body := []byte(a.Body)
	c := &reqCtx{s: s, w: httptest.NewRecorder(), r: r, rt: rt, params: params, path: path,
		req: &Request{Method: http.MethodPost, Path: path, Route: rt.method + " " + rt.template, Header: r.Header.Clone(), Body: body, Time: s.clock.Now()}}
	if c.parseBody(body) && c.validate() {
		rt.handle(c)
	}
}
