package discordsim

import (
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"
)

// Violation is a request the bot made that real Discord would reject or that breaks a
// documented rule (unknown route, schema mismatch, double or late acknowledgement,
// expired token, size limits...).
type Violation struct {
	// Route is the method and the OpenAPI path template, e.g.
	// "POST /interactions/{interaction_id}/{interaction_token}/callback".
	Route string
	// Path is the request path as sent.
	Path string
	// Rule names what was broken: "unknown-route", "schema", "late-ack", "double-ack",
	// "token-expired", "limit", "unauthorized", "not-acknowledged", "rate-limit"
	// (an exhausted bucket or global limit, or a request before a 429's
	// retry_after ended)...
	Rule string
	// SchemaPath is the JSON Schema keyword location that failed (for Rule "schema"),
	// e.g. "#/components/schemas/RichEmbed/properties/title/maxLength".
	SchemaPath string
	// InstancePath locates the offending value in the body, e.g. "/embeds/0/title".
	InstancePath string
	// Message is a human description.
	Message string
	// Status and Code are what the emulator answered.
	Status, Code int
	Time         time.Time
}

func (v Violation) String() string {
	s := fmt.Sprintf("%s (%s): %s [%d/%d]", v.Route, v.Rule, v.Message, v.Status, v.Code)
	if v.SchemaPath != "" {
		s += " schema " + v.SchemaPath
	}
	if v.InstancePath != "" {
		s += " at " + v.InstancePath
	}
	return s
}

// Violations returns every recorded violation, oldest first.
func (s *Server) Violations() []Violation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Violation(nil), s.violations...)
}

// TakeViolations returns the recorded violations and clears them, for tests that
// provoke one on purpose and must not fail at cleanup.
func (s *Server) TakeViolations() []Violation {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.violations
	s.violations = nil
	return v
}

func (s *Server) violate(v Violation) {
	v.Time = s.clock.Now()
	s.mu.Lock()
	s.violations = append(s.violations, v)
	s.mu.Unlock()
	s.logger.Warn("discordsim violation", "violation", v.String())
}

// Request is one REST call as the emulator received it.
type Request struct {
	Method string
	Path   string // without /api/vN
	Route  string // method + OpenAPI template, "" when unknown
	Query  string
	Header http.Header
	Body   []byte // JSON body or multipart payload_json
	Status int
	Time   time.Time
}

// Requests returns the REST request log, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
	}
	return out
}

// Fault makes a route misbehave.
type Fault struct {
	// Status to answer (429, 500, 502, 503...); 0 only delays.
	Status int
	// RetryAfter is the 429 retry_after in seconds (default 0.05).
	RetryAfter float64
	// Global marks a 429 as the global rate limit (X-RateLimit-Scope global).
	Global bool
	// Shared marks a 429 as a per-resource limit (X-RateLimit-Scope shared),
	// which Discord does not count towards the invalid request limit.
	Shared bool
	// Count is how many requests are affected; 0 means until ClearFaults.
	Count int
	// Delay is waited (wall time) before answering.
	Delay time.Duration
}

type routeFault struct {
	method, pattern string
	f               Fault
	left            int
}

// FailRoute applies f to requests whose method matches (or "" / "*" for any) and whose
// path, without /api/vN, matches pathPattern: segments are literals, "*" or an OpenAPI
// parameter like {interaction_id}; a trailing "/**" matches the rest.
func (s *Server) FailRoute(method, pathPattern string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &routeFault{method: strings.ToUpper(method), pattern: pathPattern, f: f, left: f.Count})
}

// ClearFaults removes every FailRoute fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

func (s *Server) takeFault(method, p string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, rf := range s.faults {
		if rf.method != "" && rf.method != "*" && rf.method != method {
			continue
		}
		if !matchPattern(rf.pattern, p) {
			continue
		}
		if rf.f.Count > 0 {
			rf.left--
			if rf.left <= 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return rf.f, true
	}
	return Fault{}, false
}

func matchPattern(pattern, p string) bool {
	ps := strings.Split(strings.Trim(path.Clean("/"+pattern), "/"), "/")
	xs := strings.Split(strings.Trim(p, "/"), "/")
	for i, seg := range ps {
		if seg == "**" {
			return true
		}
		if i >= len(xs) {
			return false
		}
		if seg == "*" || (strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")) {
			continue
		}
		if seg != xs[i] {
			return false
		}
	}
	return len(ps) == len(xs)
}
