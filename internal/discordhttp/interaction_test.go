package discordhttp_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/discordhttp"
)

// sent is a request as Discord sees it: multipart bodies by part, since
// their boundary is random.
type sent struct {
	Method, Path, Query, ContentType, Auth, UserAgent string
	Body                                              string
	Parts                                             []string
}

// fakeDiscord is a stand-in for Discord that records each request and answers
// from a script (then 200 with a message).
type fakeDiscord struct {
	mu     sync.Mutex
	got    []sent
	script []answer
}

type answer struct {
	status int
	body   string
}

func (rec *fakeDiscord) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s := sent{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization"), UserAgent: r.Header.Get("User-Agent")}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	s.ContentType = mt
	if mt == "multipart/form-data" {
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for p, err := mr.NextPart(); err == nil; p, err = mr.NextPart() {
			b, _ := io.ReadAll(p)
			s.Parts = append(s.Parts, p.FormName()+"|"+p.FileName()+"|"+p.Header.Get("Content-Type")+"|"+string(b))
		}
	} else {
		s.Body = string(body)
	}
	rec.mu.Lock()
	rec.got = append(rec.got, s)
	a := answer{status: http.StatusOK, body: `{"id":"900","content":"ok"}`}
	if len(rec.script) > 0 {
		a, rec.script = rec.script[0], rec.script[1:]
	}
	rec.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if a.status == http.StatusNoContent {
		w.WriteHeader(a.status)
		return
	}
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

func (rec *fakeDiscord) requests() []sent {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]sent(nil), rec.got...)
}

// startFakeDiscord returns a Session of the bot pointed at a fakeDiscord.
func startFakeDiscord(t *testing.T, script ...answer) (*discordgo.Session, *fakeDiscord) {
	t.Helper()
	rec := &fakeDiscord{script: script}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	s, err := discordhttp.NewSession("token-1", srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Client.CloseIdleConnections)
	return s, rec
}

var testInteraction = &discordgo.Interaction{ID: "111", AppID: "222", Token: "tok-333"}

func file() *discordgo.File {
	return &discordgo.File{Name: "export.json", ContentType: "application/json", Reader: strings.NewReader(`{"a":1}`)}
}

// The interaction calls send what discordgo's Session methods send for the
// same data: method, URL, headers and body, JSON or multipart.
func TestInteractionCallsSendWhatDiscordgoSends(t *testing.T) {
	t.Parallel()
	ic := testInteraction
	content := "Done."
	reply := func() *discordgo.InteractionResponse {
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{
			Content: "Hi", Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: &discordgo.MessageAllowedMentions{}}}
	}
	withFile := func(r *discordgo.InteractionResponse) *discordgo.InteractionResponse {
		r.Data.Files = []*discordgo.File{file()}
		return r
	}
	edit := func(files ...*discordgo.File) *discordgo.WebhookEdit {
		return &discordgo.WebhookEdit{Content: &content, Embeds: &[]*discordgo.MessageEmbed{}, Files: files}
	}
	params := func(files ...*discordgo.File) *discordgo.WebhookParams {
		return &discordgo.WebhookParams{Content: "More", Flags: discordgo.MessageFlagsEphemeral, Files: files}
	}
	ctx := context.Background()
	tests := []struct {
		name      string
		discordgo func(s *discordgo.Session) error
		ours      func(s *discordgo.Session) error
	}{
		{"reply",
			func(s *discordgo.Session) error { return s.InteractionRespond(ic, reply()) },
			func(s *discordgo.Session) error { return discordhttp.Respond(ctx, s, ic, reply()) }},
		{"reply with a file",
			func(s *discordgo.Session) error { return s.InteractionRespond(ic, withFile(reply())) },
			func(s *discordgo.Session) error { return discordhttp.Respond(ctx, s, ic, withFile(reply())) }},
		{"deferral",
			func(s *discordgo.Session) error {
				return s.InteractionRespond(ic, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate})
			},
			func(s *discordgo.Session) error {
				return discordhttp.Respond(ctx, s, ic, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate})
			}},
		{"edit of @original",
			func(s *discordgo.Session) error { _, err := s.InteractionResponseEdit(ic, edit()); return err },
			func(s *discordgo.Session) error {
				_, err := discordhttp.EditResponse(ctx, s, ic, "@original", edit())
				return err
			}},
		{"edit of @original with a file",
			func(s *discordgo.Session) error { _, err := s.InteractionResponseEdit(ic, edit(file())); return err },
			func(s *discordgo.Session) error {
				_, err := discordhttp.EditResponse(ctx, s, ic, "@original", edit(file()))
				return err
			}},
		{"edit of a follow-up",
			func(s *discordgo.Session) error { _, err := s.FollowupMessageEdit(ic, "777", edit()); return err },
			func(s *discordgo.Session) error {
				_, err := discordhttp.EditResponse(ctx, s, ic, "777", edit())
				return err
			}},
		{"delete of @original",
			func(s *discordgo.Session) error { return s.InteractionResponseDelete(ic) },
			func(s *discordgo.Session) error { return discordhttp.DeleteResponse(ctx, s, ic) }},
		{"follow-up",
			func(s *discordgo.Session) error { _, err := s.FollowupMessageCreate(ic, true, params()); return err },
			func(s *discordgo.Session) error { _, err := discordhttp.Followup(ctx, s, ic, params()); return err }},
		{"follow-up with a file",
			func(s *discordgo.Session) error {
				_, err := s.FollowupMessageCreate(ic, true, params(file()))
				return err
			},
			func(s *discordgo.Session) error {
				_, err := discordhttp.Followup(ctx, s, ic, params(file()))
				return err
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, rec := startFakeDiscord(t)
			if err := tt.discordgo(s); err != nil {
				t.Fatalf("discordgo: %v", err)
			}
			if err := tt.ours(s); err != nil {
				t.Fatalf("discordhttp: %v", err)
			}
			got := rec.requests()
			if len(got) != 2 {
				t.Fatalf("%d requests, want 2", len(got))
			}
			if diff := cmp.Diff(got[0], got[1]); diff != "" {
				t.Errorf("request mismatch (-discordgo +discordhttp):\n%s", diff)
			}
		})
	}
}

// A callback refused with a server error is resent within the budget; a
// resend answered "already acknowledged" means the refused one was taken.
// Follow-ups (new messages) are not resent on 500 or 503.
func TestInteractionCallsResend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ic := testInteraction
	respond := func(s *discordgo.Session) error {
		return discordhttp.Respond(ctx, s, ic, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
	}
	followup := func(s *discordgo.Session) error {
		_, err := discordhttp.Followup(ctx, s, ic, &discordgo.WebhookParams{Content: "x"})
		return err
	}
	edit := func(s *discordgo.Session) error {
		c := "x"
		_, err := discordhttp.EditResponse(ctx, s, ic, "@original", &discordgo.WebhookEdit{Content: &c})
		return err
	}
	const acked = `{"code":40060,"message":"Interaction has already been acknowledged."}`
	e500 := answer{500, `{"message":"500: Internal Server Error","code":0}`}
	e503 := answer{503, `upstream connect error`}
	ok := answer{http.StatusNoContent, ""}
	tests := []struct {
		name     string
		call     func(*discordgo.Session) error
		script   []answer
		requests int
		// status of the *discordgo.RESTError returned (0: nil), or 429 for a
		// *discordgo.RateLimitError.
		status int
		code   int
	}{
		{name: "callback 500 once", call: respond, script: []answer{e500, ok}, requests: 2},
		{name: "callback 503 then 502", call: respond, script: []answer{e503, {502, ""}, ok}, requests: 3},
		{name: "callback 500, then already acknowledged", call: respond, script: []answer{e500, {400, acked}}, requests: 2},
		{name: "callback already acknowledged at once", call: respond, script: []answer{{400, acked}}, requests: 1, status: 400, code: 40060},
		{name: "callback 500 past the budget", call: respond, script: []answer{e500, e500, e500, e500, ok}, requests: 4, status: 500},
		{name: "callback 400", call: respond, script: []answer{{400, `{"code":50035,"message":"Invalid Form Body"}`}}, requests: 1, status: 400, code: 50035},
		{name: "callback 429 past the transport's budget", call: respond, script: []answer{
			{429, `{"retry_after":0.001}`}, {429, `{"retry_after":0.001}`}, {429, `{"retry_after":0.001}`}, {429, `{"retry_after":0.001}`}}, requests: 4, status: 429},
		{name: "edit 503 once", call: edit, script: []answer{e503}, requests: 2},
		{name: "follow-up 500 is not resent", call: followup, script: []answer{e500}, requests: 1, status: 500},
		{name: "follow-up 502 is resent, as discordgo does", call: followup, script: []answer{{502, ""}}, requests: 2},
		{name: "follow-up already acknowledged is an error", call: followup, script: []answer{{502, ""}, {400, acked}}, requests: 2, status: 400, code: 40060},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, rec := startFakeDiscord(t, tt.script...)
			err := tt.call(s)
			if n := len(rec.requests()); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			var rerr *discordgo.RESTError
			var rl *discordgo.RateLimitError
			switch {
			case tt.status == 0:
				if err != nil {
					t.Errorf("err = %v, want nil", err)
				}
			case tt.status == 429:
				if !errors.As(err, &rl) {
					t.Errorf("err = %v, want a *discordgo.RateLimitError", err)
				} else if strings.Contains(rl.Error(), ic.Token) {
					t.Errorf("the error %q shows the interaction token", rl.Error())
				}
			case !errors.As(err, &rerr):
				t.Errorf("err = %v, want a *discordgo.RESTError", err)
			case rerr.Response.StatusCode != tt.status:
				t.Errorf("status %d, want %d", rerr.Response.StatusCode, tt.status)
			case tt.code != 0 && (rerr.Message == nil || rerr.Message.Code != tt.code):
				t.Errorf("error message %+v, want code %d", rerr.Message, tt.code)
			}
		})
	}
}
