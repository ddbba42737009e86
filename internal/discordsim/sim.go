// Package discordsim is a local Discord: it speaks Discord's gateway and REST protocols
// on 127.0.0.1 so that an unmodified discordgo Session connects, registers commands,
// receives interactions and calls the API exactly as in production. Tests drive it as
// members would (run a slash command, click a button, submit a modal) and inspect what
// Discord received (replies, DMs, bans, timeouts, audit-log reasons). Every request is
// checked against Discord's OpenAPI description and its documented rules; breaches are
// answered as Discord answers them and recorded as Violations.
package discordsim

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Clock tells the emulator what time it is. The 3-second initial-response rule and the
// 15-minute interaction-token lifetime read it, so tests can step time exactly.
type Clock interface {
	Now() time.Time
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// ManualClock is a Clock that only moves when told to. The zero value starts at the
// Unix epoch; NewManualClock starts at a given time.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a ManualClock reading t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t} }

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Options configures a Server. The zero value is usable.
type Options struct {
	// Clock drives the interaction deadlines; nil means the wall clock.
	Clock Clock
	// Shards is the shard count the gateway expects (default 1).
	Shards int
	// Token is the bot token every REST call must carry (default a fixed test token).
	Token string
	// ApplicationID is the bot's application and user ID (default a generated snowflake).
	ApplicationID string
	// BotName is the bot's username (default "embodied").
	BotName string
	// Logger receives the emulator's own diagnostics; nil discards them.
	Logger *slog.Logger
	// HeartbeatInterval is sent in HELLO (default 41.25 s as Discord does).
	HeartbeatInterval time.Duration
	// ResponseTimeout bounds, in wall time, how long Run and friends wait for a
	// deferred interaction to be resolved (default 30 s; Discord keeps the token
	// for 15 minutes, and a loaded test machine with the race detector can take
	// seconds). The 3-second initial response is checked separately. A context
	// deadline, when sooner, wins.
	ResponseTimeout time.Duration
	// AttachmentSizeLimit is the per-file upload limit announced on interactions as
	// attachment_size_limit and enforced on their responses (default 10 MiB).
	AttachmentSizeLimit int
	// Addr is the listen address (default "127.0.0.1:0"). Only loopback is allowed.
	Addr string
	// RateLimits turns on Discord's per-route and global rate limits; nil
	// leaves them off (see ratelimit.go and the package documentation).
	RateLimits *RateLimits
	// PrivilegedIntents are the privileged intents enabled for the
	// application in its developer portal (Server Members, Presence,
	// Message Content); identifying with one that is not enabled closes
	// the gateway with 4014. nil enables all three.
	PrivilegedIntents *discordgo.Intent
	// InteractionsEndpoint is the application's Interactions Endpoint URL:
	// interactions are POSTed there, signed, instead of INTERACTION_CREATE
	// (endpoint.go; SetInteractionsEndpoint sets it later).
	InteractionsEndpoint string
	// InteractionsKey signs the endpoint's requests; nil generates one
	// (PublicKeyHex shows its public half).
	InteractionsKey ed25519.PrivateKey
	// MaxConcurrency, SessionStartLimit and IdentifyInterval are the
	// gateway's identify limits (see shards.go): max_concurrency buckets
	// (default 1), session starts per 24 hours (default 1000) and the
	// spacing of identifies in one bucket (default 5 s, as documented;
	// tests may shorten it).
	MaxConcurrency    int
	SessionStartLimit int
	IdentifyInterval  time.Duration
}

// Server is a running Discord emulator. All methods are safe for concurrent use.
type Server struct {
	opts   Options
	clock  Clock
	logger *slog.Logger
	ln     net.Listener
	http   *http.Server
	url    string
	ids    atomic.Int64
	done   chan struct{}
	wg     sync.WaitGroup

	mu         sync.Mutex // guards everything below
	bot        *discordgo.User
	users      map[string]*discordgo.User
	guilds     []*Guild
	guildByID  map[string]*Guild
	channels   map[string]*channel
	dmByUser   map[string]*channel
	refuseDM   map[string]bool
	global     []*discordgo.ApplicationCommand
	guildCmds  map[string][]*discordgo.ApplicationCommand
	overrides  map[string]map[string]bool
	inters     map[string]*Interaction
	interByTok map[string]*Interaction
	violations []Violation
	requests   []*Request
	faults     []*routeFault
	attach     map[string]File
	automod    autoModState
	endpoint   endpointState
	deleted    []DeletedMessage

	gw gateway
	rl *rateLimiter

	routesOnce sync.Once
	routeList  []*route
}

// ErrClosed is returned when the server has been closed.
var ErrClosed = errors.New("discordsim: server closed")

const defaultToken = "discordsim-test-token.NOT-A-REAL-TOKEN"

// New starts an emulator listening on 127.0.0.1 (HTTP and websocket on one port).
func New(opts Options) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("discordsim: listen address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("discordsim: listen address %q is not loopback", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("discordsim: listen: %w", err)
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(s.logger.Handler(), slog.LevelDebug)}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("discordsim serve", "error", err)
		}
	}()
	return s, nil
}

func newServer(opts Options) (*Server, error) {
	if opts.Shards <= 0 {
		opts.Shards = 1
	}
	if opts.Token == "" {
		opts.Token = defaultToken
	}
	if opts.BotName == "" {
		opts.BotName = "embodied"
	}
	if opts.HeartbeatInterval <= 0 {
		opts.HeartbeatInterval = 41250 * time.Millisecond
	}
	if opts.AttachmentSizeLimit <= 0 {
		opts.AttachmentSizeLimit = defaultFileMax
	}
	if opts.ResponseTimeout <= 0 {
		opts.ResponseTimeout = 30 * time.Second
	}
	opts = withIdentifyDefaults(opts)
	s := &Server{
		opts:       opts,
		clock:      opts.Clock,
		logger:     opts.Logger,
		done:       make(chan struct{}),
		users:      map[string]*discordgo.User{},
		guildByID:  map[string]*Guild{},
		channels:   map[string]*channel{},
		dmByUser:   map[string]*channel{},
		refuseDM:   map[string]bool{},
		guildCmds:  map[string][]*discordgo.ApplicationCommand{},
		overrides:  map[string]map[string]bool{},
		inters:     map[string]*Interaction{},
		interByTok: map[string]*Interaction{},
		attach:     map[string]File{},
	}
	if s.clock == nil {
		s.clock = realClock{}
	}
	s.rl = newRateLimiter(opts.RateLimits)
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	s.gw.init(opts.Shards, opts.HeartbeatInterval)
	appID := opts.ApplicationID
	if appID == "" {
		appID = s.newID()
	}
	s.opts.ApplicationID = appID
	s.bot = &discordgo.User{ID: appID, Username: opts.BotName, Discriminator: "0", Bot: true}
	s.users[appID] = s.bot
	return s, nil
}

// NewTest starts an emulator for t and closes it at cleanup, failing t with every
// protocol violation still recorded (take the expected ones with TakeViolations).
func NewTest(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	s, err := New(opts)
	if err != nil {
		t.Fatalf("start discordsim: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		for _, v := range s.Violations() {
			t.Errorf("discordsim: protocol violation: %s", v)
		}
	})
	return s
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Close stops the listeners and drops every gateway connection. It is idempotent.
func (s *Server) Close() {
	select {
	case <-s.done:
		return
	default:
	}
	close(s.done)
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = s.http.Shutdown(ctx)
		cancel()
		_ = s.http.Close()
	}
	s.gw.closeAll()
	s.wg.Wait()
	s.gw.wg.Wait()
}

// Serve blocks until ctx is done, then closes the server. It is what a standalone
// process (the sandbox, load benchmarks) runs after New and printing URL.
func (s *Server) Serve(ctx context.Context) error {
	select {
	case <-ctx.Done():
	case <-s.done:
		return ErrClosed
	}
	s.Close()
	return nil
}

// ListenAndServe starts an emulator with opts, hands its URL to ready (to print it), and
// serves until ctx is done.
func ListenAndServe(ctx context.Context, opts Options, ready func(*Server)) error {
	s, err := New(opts)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(s)
	}
	return s.Serve(ctx)
}

// URL is the emulator's base address (http://127.0.0.1:port), the value for DISCORD_API_URL.
func (s *Server) URL() string { return s.url }

// Token is the bot token the emulator accepts (without the "Bot " prefix).
func (s *Server) Token() string { return s.opts.Token }

// ApplicationID is the bot's application ID, which is also its user ID.
func (s *Server) ApplicationID() string { return s.opts.ApplicationID }

// Shards is the number of gateway shards the emulator expects.
func (s *Server) Shards() int { return s.opts.Shards }

// Now is the emulator clock's current time.
func (s *Server) Now() time.Time { return s.clock.Now() }

// BotUser returns a copy of the bot's user.
func (s *Server) BotUser() *discordgo.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := *s.bot
	return &u
}

// discordEpoch is 2015-01-01T00:00:00Z in milliseconds.
const discordEpoch = 1420070400000

// newID returns a unique snowflake. The timestamp part advances by one millisecond per
// ID so that consecutive guilds land on different shards.
func (s *Server) newID() string { return snowflake(s.ids.Add(1)) }

// snowflake is the n-th id the emulator hands out.
func snowflake(n int64) string {
	ms := time.Now().UnixMilli() - discordEpoch
	ms = ms - ms%100000 + n
	return fmt.Sprint(ms<<22 | (n & 0xfff))
}
