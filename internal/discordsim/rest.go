package discordsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	maxRequestLog   = 100000
	maxRequestBytes = 25 << 20
	defaultFileMax  = 10 << 20
)

// Discord JSON error codes the emulator answers with.
const (
	CodeGeneral             = 0
	CodeUnknownChannel      = 10003
	CodeUnknownGuild        = 10004
	CodeUnknownMember       = 10007
	CodeUnknownMessage      = 10008
	CodeUnknownUser         = 10013
	CodeUnknownWebhook      = 10015
	CodeUnknownBan          = 10026
	CodeUnknownInteraction  = 10062
	CodeUnknownCommand      = 10063
	CodeUnauthorized        = 40001
	CodeRequestTooLarge     = 40005
	CodeAlreadyAcknowledged = 40060
	CodeCannotDMUser        = 50007
	CodeMissingPermissions  = 50013
	CodeInvalidWebhookToken = 50027
	CodeInvalidFormBody     = 50035
)

type route struct {
	method   string
	template string
	segs     []string
	auth     bool // needs the bot token (interaction and webhook-token routes do not)
	handle   func(*reqCtx)
}

type reqCtx struct {
	s      *Server
	w      http.ResponseWriter
	r      *http.Request
	rt     *route
	params map[string]string
	path   string
	body   []byte // JSON body or payload_json
	files  []File
	status int
	req    *Request // this call's entry in the request log (guarded by s.mu)
	shared bool     // answered with a 429 of scope shared, which Discord does not count as invalid
}

func (s *Server) routes() []*route {
	rs := []*route{
		{"GET", "/gateway", nil, false, s.getGateway},
		{"GET", "/gateway/bot", nil, true, s.getGatewayBot},
		{"GET", "/users/@me", nil, true, s.getMe},
		{"GET", "/users/{user_id}", nil, true, s.getUser},
		{"POST", "/users/@me/channels", nil, true, s.createDM},
		{"GET", "/users/@me/guilds", nil, true, s.listUserGuilds},
		{"GET", "/applications/@me", nil, true, s.getCurrentApplication},
		{"GET", "/applications/{application_id}/commands", nil, true, s.listCommands},
		{"PUT", "/applications/{application_id}/commands", nil, true, s.overwriteCommands},
		{"POST", "/applications/{application_id}/commands", nil, true, s.createCommand},
		{"DELETE", "/applications/{application_id}/commands/{command_id}", nil, true, s.deleteCommand},
		{"GET", "/applications/{application_id}/guilds/{guild_id}/commands", nil, true, s.listCommands},
		{"PUT", "/applications/{application_id}/guilds/{guild_id}/commands", nil, true, s.overwriteCommands},
		{"POST", "/applications/{application_id}/guilds/{guild_id}/commands", nil, true, s.createCommand},
		{"DELETE", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", nil, true, s.deleteCommand},
		{"POST", "/interactions/{interaction_id}/{interaction_token}/callback", nil, false, s.interactionCallback},
		{"POST", "/webhooks/{webhook_id}/{webhook_token}", nil, false, s.followupCreate},
		{"GET", "/webhooks/{webhook_id}/{webhook_token}/messages/@original", nil, false, s.webhookMessageGet},
		{"PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original", nil, false, s.webhookMessageEdit},
		{"DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/@original", nil, false, s.webhookMessageDelete},
		{"GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", nil, false, s.webhookMessageGet},
		{"PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", nil, false, s.webhookMessageEdit},
		{"DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", nil, false, s.webhookMessageDelete},
		{"GET", "/channels/{channel_id}", nil, true, s.getChannelSeen},
		{"GET", "/channels/{channel_id}/messages", nil, true, s.listMessages},
		{"POST", "/channels/{channel_id}/messages", nil, true, s.createMessage},
		{"GET", "/channels/{channel_id}/messages/{message_id}", nil, true, s.getMessage},
		{"PATCH", "/channels/{channel_id}/messages/{message_id}", nil, true, s.editChannelMessage},
		{"DELETE", "/channels/{channel_id}/messages/{message_id}", nil, true, s.deleteMessage},
		{"PUT", "/channels/{channel_id}/permissions/{overwrite_id}", nil, true, s.putOverwrite},
		{"DELETE", "/channels/{channel_id}/permissions/{overwrite_id}", nil, true, s.deleteOverwrite},
		{"PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", nil, true, s.memberRole},
		{"DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", nil, true, s.memberRole},
		{"GET", "/guilds/{guild_id}", nil, true, s.getGuild},
		{"PATCH", "/guilds/{guild_id}", nil, true, s.modifyGuild},
		{"GET", "/guilds/{guild_id}/roles", nil, true, s.getRoles},
		{"POST", "/guilds/{guild_id}/roles", nil, true, s.createRole},
		{"PATCH", "/guilds/{guild_id}/roles", nil, true, s.modifyRolePositions},
		{"GET", "/guilds/{guild_id}/channels", nil, true, s.getChannels},
		{"POST", "/guilds/{guild_id}/channels", nil, true, s.createGuildChannel},
		{"PATCH", "/guilds/{guild_id}/channels", nil, true, s.modifyChannelPositions},
		{"GET", "/guilds/{guild_id}/members", nil, true, s.listMembers},
		{"GET", "/guilds/{guild_id}/members/{user_id}", nil, true, s.getMember},
		{"PATCH", "/guilds/{guild_id}/members/{user_id}", nil, true, s.modifyMember},
		{"DELETE", "/guilds/{guild_id}/members/{user_id}", nil, true, s.kickMember},
		{"GET", "/guilds/{guild_id}/bans", nil, true, s.listBans},
		{"GET", "/guilds/{guild_id}/bans/{user_id}", nil, true, s.getBan},
		{"PUT", "/guilds/{guild_id}/bans/{user_id}", nil, true, s.createBan},
		{"DELETE", "/guilds/{guild_id}/bans/{user_id}", nil, true, s.removeBan},
		{"GET", "/guilds/{guild_id}/auto-moderation/rules", nil, true, s.listAutoModRules},
		{"POST", "/guilds/{guild_id}/auto-moderation/rules", nil, true, s.createAutoModRule},
		{"GET", "/guilds/{guild_id}/auto-moderation/rules/{rule_id}", nil, true, s.getAutoModRule},
		{"PATCH", "/guilds/{guild_id}/auto-moderation/rules/{rule_id}", nil, true, s.modifyAutoModRule},
		{"DELETE", "/guilds/{guild_id}/auto-moderation/rules/{rule_id}", nil, true, s.deleteAutoModRule},
	}
	for _, r := range rs {
		r.segs = strings.Split(strings.Trim(r.template, "/"), "/")
	}
	return rs
}

func (s *Server) match(method, p string) (*route, map[string]string) {
	xs := strings.Split(strings.Trim(p, "/"), "/")
	var best *route
	var bestParams map[string]string
	bestLits := -1
	for _, rt := range s.routeTable() {
		if rt.method != method || len(rt.segs) != len(xs) {
			continue
		}
		params := map[string]string{}
		lits, ok := 0, true
		for i, seg := range rt.segs {
			if strings.HasPrefix(seg, "{") {
				params[strings.Trim(seg, "{}")] = xs[i]
				continue
			}
			if seg != xs[i] {
				ok = false
				break
			}
			lits++
		}
		if ok && lits > bestLits {
			best, bestParams, bestLits = rt, params, lits
		}
	}
	return best, bestParams
}

func (s *Server) routeTable() []*route {
	s.routesOnce.Do(func() { s.routeList = s.routes() })
	return s.routeList
}

// ServeHTTP answers REST calls under /api/v9 and /api/v10, the gateway websocket at
// /gateway and attachment downloads at /attachments/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/gateway" || p == "/gateway/":
		s.serveGateway(w, r)
		return
	case strings.HasPrefix(p, "/attachments/"):
		s.serveAttachment(w, r)
		return
	}
	rest, ok := strings.CutPrefix(p, "/api/v9")
	if !ok {
		rest, ok = strings.CutPrefix(p, "/api/v10")
	}
	if !ok || rest == "" {
		rest = p
	}
	c := &reqCtx{s: s, w: w, r: r, path: rest}
	var body []byte
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
		if err != nil {
			c.fail(http.StatusBadRequest, CodeGeneral, "could not read body")
			return
		}
	}
	s.mu.Lock()
	if len(s.requests) >= maxRequestLog {
		// A long-running sandbox keeps the recent log only.
		n := copy(s.requests, s.requests[maxRequestLog/2:])
		s.requests = s.requests[:n]
	}
	c.req = &Request{Method: r.Method, Path: rest, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body, Time: s.clock.Now()}
	s.requests = append(s.requests, c.req)
	s.mu.Unlock()

	rt, params := s.match(r.Method, rest)
	c.rt, c.params = rt, params
	if rt != nil {
		s.mu.Lock()
		c.req.Route = rt.method + " " + rt.template
		s.mu.Unlock()
	}
	// A request sent while a 429 still said to wait is recorded; it is then
	// answered as it would be anyway (the bucket is still exhausted).
	ignored := c.checkIgnored()
	if f, ok := s.takeFault(r.Method, rest); ok {
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				return
			case <-s.done:
			}
		}
		if f.Status != 0 {
			c.fault(f)
			return
		}
	}
	if rt == nil {
		c.violation(Violation{Rule: "unknown-route", Message: "no such route " + r.Method + " " + p}, http.StatusNotFound, CodeGeneral, "404: Not Found")
		return
	}
	if rt.auth && r.Header.Get("Authorization") != "Bot "+s.opts.Token {
		c.violation(Violation{Rule: "unauthorized", Message: "missing or wrong bot token"}, http.StatusUnauthorized, CodeGeneral, "401: Unauthorized")
		return
	}
	if lim := c.admit(); lim != nil {
		if !ignored {
			what := "bucket " + lim.key
			if lim.scope == "global" {
				what = "the global limit"
			}
			s.violate(Violation{Route: c.routeName(), Path: p, Rule: "rate-limit", Status: http.StatusTooManyRequests,
				Message: fmt.Sprintf("%s exhausted; retry_after %v", what, lim.retryAfter.Round(time.Millisecond))})
		}
		c.tooManyRequests(lim)
		return
	}
	if len(body) > maxRequestBytes {
		c.violation(Violation{Rule: "limit", Message: "request larger than 25 MiB"}, http.StatusRequestEntityTooLarge, CodeRequestTooLarge, "Request entity too large")
		return
	}
	if !c.parseBody(body) || !c.validate() {
		return
	}
	rt.handle(c)
}

// validate checks the JSON body against the route's schema; it answers and
// records a violation when it fails.
func (c *reqCtx) validate() bool {
	if len(c.body) == 0 {
		return true
	}
	if err := validateBody(c.rt.method, c.rt.template, c.body); err != nil {
		var se *schemaError
		if errors.As(err, &se) {
			c.formError(Violation{Rule: "schema", SchemaPath: se.schemaPath, InstancePath: se.instancePath, Message: se.message})
			return false
		}
		// The emulator itself is broken; make the test fail rather than pass unchecked.
		c.s.violate(Violation{Route: c.routeName(), Path: c.r.URL.Path, Rule: "spec-error", Message: err.Error()})
	}
	return true
}

func (c *reqCtx) parseBody(body []byte) bool {
	ct := c.r.Header.Get("Content-Type")
	mt, params, _ := mime.ParseMediaType(ct)
	switch {
	case len(body) == 0:
		return true
	case mt == "application/json":
		c.body = body
		return true
	case mt == "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return true
			}
			if err != nil {
				c.formError(Violation{Rule: "schema", Message: "malformed multipart body: " + err.Error()})
				return false
			}
			data, _ := io.ReadAll(part)
			name := part.FormName()
			switch {
			case name == "payload_json":
				c.body = data
			case strings.HasPrefix(name, "files["):
				c.files = append(c.files, File{Name: part.FileName(), ContentType: part.Header.Get("Content-Type"), Data: data})
			default:
				c.formError(Violation{Rule: "schema", Message: "unexpected multipart field " + name})
				return false
			}
		}
	default:
		c.formError(Violation{Rule: "schema", Message: "unsupported content type " + ct})
		return false
	}
}

// apiError is Discord's error body.
type apiError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Errors  json.RawMessage `json:"errors,omitempty"`
}

// answeredLocked records the status in the request log before the response is
// written, so that whoever is woken by the handler's state change sees it.
func (c *reqCtx) answeredLocked(status int) {
	c.status = status
	c.req.Status = status
	c.s.rl.countInvalid(status, c.shared)
}

func (c *reqCtx) setStatus(status int) {
	c.s.mu.Lock()
	c.answeredLocked(status)
	c.s.mu.Unlock()
}

func (c *reqCtx) json(status int, v any) {
	if c.status == 0 {
		c.setStatus(status)
	}
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(c.w).Encode(wire(v))
	}
}

func (c *reqCtx) noContent() {
	if c.status == 0 {
		c.setStatus(http.StatusNoContent)
	}
	c.w.WriteHeader(http.StatusNoContent)
}

func (c *reqCtx) fail(status, code int, msg string) {
	c.json(status, apiError{Code: code, Message: msg})
}

func (c *reqCtx) routeName() string {
	if c.rt != nil {
		return c.rt.method + " " + c.rt.template
	}
	return c.r.Method + " " + c.path
}

// violation records v and answers status/code/msg.
func (c *reqCtx) violation(v Violation, status, code int, msg string) {
	v.Route, v.Path, v.Status, v.Code = c.routeName(), c.r.URL.Path, status, code
	c.s.violate(v)
	c.fail(status, code, msg)
}

// formError answers 400 Invalid Form Body (50035) with Discord's nested errors shape.
func (c *reqCtx) formError(v Violation) {
	v.Route, v.Path, v.Status, v.Code = c.routeName(), c.r.URL.Path, http.StatusBadRequest, CodeInvalidFormBody
	c.s.violate(v)
	errs := map[string]any{"_errors": []map[string]string{{"code": "BASE_TYPE_INVALID", "message": v.Message}}}
	if v.InstancePath != "" && v.InstancePath != "/" {
		segs := strings.Split(strings.Trim(v.InstancePath, "/"), "/")
		for i := len(segs) - 1; i >= 0; i-- {
			errs = map[string]any{segs[i]: errs}
		}
	}
	raw, _ := json.Marshal(errs)
	c.json(http.StatusBadRequest, apiError{Code: CodeInvalidFormBody, Message: "Invalid Form Body", Errors: raw})
}

func (c *reqCtx) fault(f Fault) {
	if f.Status == http.StatusTooManyRequests {
		ra := f.RetryAfter
		if ra <= 0 {
			ra = 0.05
		}
		wait := time.Duration(ra * float64(time.Second))
		lim := &limited{scope: "user", retryAfter: wait, reset: c.s.rl.clock.Now().Add(wait)}
		switch {
		case f.Global:
			lim.scope = "global"
		case f.Shared:
			lim.scope = "shared"
		}
		route := c.r.Method + " " + c.path
		if c.rt != nil {
			route = c.routeName()
		}
		lim.bucket = c.s.rl.limitFor(route)
		lim.key = bucketKey(lim.bucket.Bucket, c.params)
		c.tooManyRequests(lim)
		return
	}
	c.fail(f.Status, CodeGeneral, fmt.Sprintf("%d: %s", f.Status, http.StatusText(f.Status)))
}

func (c *reqCtx) decode(v any) bool {
	if len(c.body) == 0 {
		return true
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		c.formError(Violation{Rule: "schema", Message: "cannot decode body: " + err.Error()})
		return false
	}
	return true
}

// auditReason is the URL-decoded X-Audit-Log-Reason header, or the legacy reason
// query parameter some discordgo calls still send.
func (c *reqCtx) auditReason() string {
	h := c.r.Header.Get("X-Audit-Log-Reason")
	if h == "" {
		return c.r.URL.Query().Get("reason")
	}
	if d, err := url.PathUnescape(h); err == nil {
		return d
	}
	return h
}

func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/attachments/"), "/")
	s.mu.Lock()
	f, ok := s.attach[parts[0]]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if f.ContentType != "" {
		w.Header().Set("Content-Type", f.ContentType)
	}
	_, _ = w.Write(f.Data)
}
