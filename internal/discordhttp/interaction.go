package discordhttp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// The interaction endpoints (the callback, and the interaction webhook:
// @original, follow-ups) are answered here rather than by discordgo's
// Session methods. discordgo sends them through its RateLimiter, which keys
// a bucket by a URL holding the interaction's id and token for most of them
// and never forgets a bucket: the heap grew with every interaction (about
// 20 MB a day at one a second). Each interaction token is a bucket of its
// own at Discord, used a few times within 15 minutes, so a limiter has
// nothing to hold back: the requests go straight to the Session's client,
// whose Transport still retries 429s within the RetryBudget and counts
// invalid requests (Discord exempts these endpoints from the global limit).
// The requests are built as discordgo builds them (same URL, headers, JSON
// and multipart bodies), and failures are the same *discordgo.RESTError and
// *discordgo.RateLimitError.

// CodeAlreadyAcknowledged is Discord's error code for a second initial
// response to an interaction (400, "Interaction has already been
// acknowledged").
const CodeAlreadyAcknowledged = 40060

// ServerErrorBackoff is the wait before the first resend of a request
// Discord answered with a server error; each further resend waits twice as
// long as the one before.
const ServerErrorBackoff = 100 * time.Millisecond

// resendPolicy says which answers a request is resent on.
type resendPolicy struct {
	// serverErrors: resent on 500, 502, 503 and 504 (the request is
	// idempotent, or made so by acknowledged); otherwise on 502 only, as
	// discordgo does.
	serverErrors bool
	// acknowledged: after a server error, a resend answered 400/40060
	// means the earlier attempt reached Discord and was taken.
	acknowledged bool
}

var (
	// callbackPolicy: the callback is resent on server errors (discordgo
	// resends it on 502 only), and the first answer wins at Discord, so
	// a resend cannot answer twice.
	callbackPolicy = resendPolicy{serverErrors: true, acknowledged: true}
	// editPolicy: an edit sets the message to the same content however
	// often it is sent.
	editPolicy = resendPolicy{serverErrors: true}
	// createPolicy: a follow-up or a delete is resent on 502 only, as
	// discordgo does; a follow-up resent after a 500 that Discord had in
	// fact carried out would be a second message.
	createPolicy = resendPolicy{}
)

// Respond sends the initial response to ic (POST …/callback), as
// discordgo's InteractionRespond. A callback Discord answers with a server
// error is resent up to s.MaxRestRetries times (after ServerErrorBackoff,
// doubling); a resend answered "already acknowledged" (40060) means the
// refused attempt had in fact been taken, and Respond returns nil.
func Respond(ctx context.Context, s *discordgo.Session, ic *discordgo.Interaction, resp *discordgo.InteractionResponse) error {
	var files []*discordgo.File
	if resp.Data != nil {
		files = resp.Data.Files
	}
	_, err := send(ctx, s, ic, http.MethodPost, discordgo.EndpointInteractionResponse(ic.ID, ic.Token), *resp, files, callbackPolicy)
	return err
}

// EditResponse edits the original response (messageID "@original") or a
// follow-up of ic, as discordgo's InteractionResponseEdit and
// FollowupMessageEdit; the edit is resent on server errors, as Respond.
func EditResponse(ctx context.Context, s *discordgo.Session, ic *discordgo.Interaction, messageID string, edit *discordgo.WebhookEdit) (*discordgo.Message, error) {
	body, err := send(ctx, s, ic, http.MethodPatch, discordgo.EndpointWebhookMessage(ic.AppID, ic.Token, messageID), edit, edit.Files, editPolicy)
	if err != nil {
		return nil, err
	}
	return message(body)
}

// DeleteResponse deletes the original response of ic, as discordgo's
// InteractionResponseDelete.
func DeleteResponse(ctx context.Context, s *discordgo.Session, ic *discordgo.Interaction) error {
	_, err := send(ctx, s, ic, http.MethodDelete, discordgo.EndpointInteractionResponseActions(ic.AppID, ic.Token), nil, nil, createPolicy)
	return err
}

// Followup sends a follow-up message for ic and returns it, as discordgo's
// FollowupMessageCreate with wait. It is not resent on 500 or 503: Discord
// may have posted it.
func Followup(ctx context.Context, s *discordgo.Session, ic *discordgo.Interaction, params *discordgo.WebhookParams) (*discordgo.Message, error) {
	body, err := send(ctx, s, ic, http.MethodPost, discordgo.EndpointWebhookToken(ic.AppID, ic.Token)+"?wait=true", params, params.Files, createPolicy)
	if err != nil {
		return nil, err
	}
	return message(body)
}

func message(body []byte) (*discordgo.Message, error) {
	var m *discordgo.Message
	if err := discordgo.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("%w: %s", discordgo.ErrJSONUnmarshal, err)
	}
	return m, nil
}

// send makes one REST call to an interaction endpoint: data as JSON, or as
// multipart with payload_json when there are files, resent as p allows. It
// returns the response body of a 2xx.
func send(ctx context.Context, s *discordgo.Session, ic *discordgo.Interaction, method, endpoint string, data any, files []*discordgo.File, p resendPolicy) ([]byte, error) {
	contentType, body, err := encode(data, files)
	if err != nil {
		return nil, err
	}
	// Errors name the endpoint without the interaction's token, which
	// answers for the interaction for 15 minutes.
	shown := strings.ReplaceAll(endpoint, ic.Token, "{token}")
	refused := false
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, endpoint, bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, shown, err)
		}
		if body == nil {
			req.Body, req.GetBody, req.ContentLength = nil, nil, 0
		} else {
			req.Header.Set("Content-Type", contentType)
		}
		if s.Token != "" {
			req.Header.Set("authorization", s.Token)
		}
		req.Header.Set("User-Agent", s.UserAgent)
		resp, err := s.Client.Do(req)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			return nil, fmt.Errorf("%s %s: %w", method, shown, err)
		}
		respBody, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("%s %s: read response: %w", method, shown, err)
		}
		switch code := resp.StatusCode; {
		case code >= 200 && code < 300:
			return respBody, nil
		case code == http.StatusTooManyRequests:
			// Past the Transport's retry budget, as discordgo reports it
			// with ShouldRetryOnRateLimit off.
			rl := discordgo.TooManyRequests{}
			if err := discordgo.Unmarshal(respBody, &rl); err != nil {
				return nil, fmt.Errorf("%s %s: 429 without a body: %w", method, shown, err)
			}
			return nil, &discordgo.RateLimitError{RateLimit: &discordgo.RateLimit{TooManyRequests: &rl, URL: shown}}
		}
		rerr := restError(req, resp, respBody)
		if refused && p.acknowledged && rerr.Message != nil && rerr.Message.Code == CodeAlreadyAcknowledged {
			return nil, nil
		}
		if attempt >= s.MaxRestRetries || !p.resends(resp.StatusCode) {
			return nil, rerr
		}
		refused = true
		if err := sleepCtx(ctx, ServerErrorBackoff<<attempt); err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, shown, err)
		}
	}
}

func (p resendPolicy) resends(status int) bool {
	switch status {
	case http.StatusBadGateway:
		return true
	case http.StatusInternalServerError, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return p.serverErrors
	}
	return false
}

// encode builds the body discordgo would: JSON, or multipart/form-data with
// the JSON as payload_json and the files, and nil for no data.
func encode(data any, files []*discordgo.File) (string, []byte, error) {
	if len(files) > 0 {
		contentType, body, err := discordgo.MultipartBodyWithJSON(data, files)
		if err != nil {
			return "", nil, fmt.Errorf("encode multipart body: %w", err)
		}
		return contentType, body, nil
	}
	if data == nil {
		return "", nil, nil
	}
	body, err := discordgo.Marshal(data)
	if err != nil {
		return "", nil, fmt.Errorf("encode json body: %w", err)
	}
	return "application/json", body, nil
}

// restError is discordgo's error for a response it does not accept: the
// request, the response, its body and the decoded Discord error if any.
func restError(req *http.Request, resp *http.Response, body []byte) *discordgo.RESTError {
	e := &discordgo.RESTError{Request: req, Response: resp, ResponseBody: body}
	var msg *discordgo.APIErrorMessage
	if discordgo.Unmarshal(body, &msg) == nil {
		e.Message = msg
	}
	return e
}
