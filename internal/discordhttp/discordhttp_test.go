package discordhttp_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/embodied-community/embodied/internal/discordhttp"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type recorder struct{ urls []string }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.urls = append(r.urls, req.Host+" "+req.URL.String())
	return &http.Response{StatusCode: 204, Body: io.NopCloser(nil), Request: req}, nil
}

func TestRewriteTransport(t *testing.T) {
	target, _ := url.Parse("http://127.0.0.1:1234")
	tests := []struct{ in, want string }{
		{"https://discord.com/api/v9/gateway", "127.0.0.1:1234 http://127.0.0.1:1234/api/v9/gateway"},
		{"https://discord.com/api/v9/guilds/1/bans/2?reason=a%20b", "127.0.0.1:1234 http://127.0.0.1:1234/api/v9/guilds/1/bans/2?reason=a%20b"},
		{"https://cdn.discord.com/x.png", "127.0.0.1:1234 http://127.0.0.1:1234/x.png"},
		{"https://example.org/x", "example.org https://example.org/x"},
	}
	for _, tt := range tests {
		rec := &recorder{}
		req, _ := http.NewRequest("GET", tt.in, nil)
		if _, err := discordhttp.RewriteTransport(target, rec).RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{tt.want}, rec.urls); diff != "" {
			t.Errorf("%s: mismatch (-want +got):\n%s", tt.in, diff)
		}
		if req.URL.String() != tt.in {
			t.Errorf("caller's request modified: %s", req.URL)
		}
	}
}

func TestNewSessionReachesAPIURL(t *testing.T) {
	var gotAuth, gotPath string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotPath = r.Header.Get("Authorization"), r.URL.Path
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"1","username":"embodied","bot":true}`)
	}))
	defer srv.Close()
	s, err := discordhttp.NewSession("tok", srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.User("@me")
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != "embodied" || gotAuth != "Bot tok" || gotPath != "/api/v9/users/@me" {
		t.Errorf("user %q, auth %q, path %q", u.Username, gotAuth, gotPath)
	}
	// The Transport retries 429s within its budget; discordgo's own retry has none.
	if s.Identify.Intents != discordhttp.Intents || s.ShouldRetryOnRateLimit || discordhttp.TransportOf(s) == nil {
		t.Errorf("defaults not applied: intents %d, discordgo retries 429s %v", s.Identify.Intents, s.ShouldRetryOnRateLimit)
	}
	s.Client.CloseIdleConnections()
}

func TestNewSessionDefaultsAndErrors(t *testing.T) {
	for _, api := range []string{"", discordhttp.DefaultAPIURL, discordhttp.DefaultAPIURL + "/"} {
		s, err := discordhttp.NewSession("tok", api, nil)
		if err != nil {
			t.Fatalf("%q: %v", api, err)
		}
		if tr := discordhttp.TransportOf(s); tr == nil {
			t.Errorf("%q: no rate-limit transport", api)
		} else if tr.Rewrites() {
			t.Errorf("%q: transport rewritten for real Discord", api)
		}
		// The privileged Server Members intent would make Discord close the
		// gateway (4014) unless enabled in the developer portal.
		if s.Identify.Intents&discordgo.IntentsGuildMembers != 0 || s.Identify.Intents&discordgo.IntentsGuilds == 0 {
			t.Errorf("%q: intents %d: want guilds without the privileged members intent", api, s.Identify.Intents)
		}
	}
	if _, err := discordhttp.NewSession("", "", nil); err == nil {
		t.Error("empty token accepted")
	}
	if _, err := discordhttp.NewSession("tok", "not a url", nil); err == nil {
		t.Error("invalid url accepted")
	}
}
