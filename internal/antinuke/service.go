package antinuke

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/store"
)

// Discord is what containment needs from Discord (internal/discordact).
type Discord interface {
	AntiNukeMember(ctx context.Context, guildID, userID string) (Member, error)
	AntiNukeBot(ctx context.Context, guildID string) (Bot, error)
	RolePermissions(ctx context.Context, guildID string, roleIDs []string) (int64, error)
	RemoveRole(ctx context.Context, guildID, userID, roleID, auditReason string) error
	Timeout(ctx context.Context, guildID, userID string, until time.Time, auditReason string) error
}

// Store keeps the guilds' settings and the incidents.
type Store interface {
	AntiNukeSettings(ctx context.Context, guildID string) (store.AntiNukeSettings, error)
	RecordAntiNukeIncident(ctx context.Context, in store.AntiNukeIncident) (int64, error)
}

// Recorder is the bot's audit writer.
type Recorder interface {
	Audit(e audit.Entry)
	Security(e audit.SecurityEvent)
}

// Audit action and security event types anti-nuke writes.
const (
	ActionBreach      = "antinuke-breach"
	ActionRoleRemoved = "antinuke-role-removed"
	ActionTimeout     = "antinuke-timeout"
	ActionDryRun      = "antinuke-dry-run"
	EventBreach       = "antinuke_breach"
	EventContained    = "antinuke_contained"
)

// DefaultTimeout is how long an actor is timed out when their roles cannot be
// removed: long enough for an owner to act.
const DefaultTimeout = 24 * time.Hour

// Options configures a Service.
type Options struct {
	// Enforce is SECOPS_ENFORCE_MODERATION: false records and alerts what would be
	// done without doing it.
	Enforce bool
	// BotID is the bot's user ID: its own actions are never counted.
	BotID func() string
	// Trusted are always trusted in every guild (ADMIN_USER_ID).
	Trusted []string
	// Start is when the bot started; older audit entries do not count.
	Start time.Time
	// Alert tells a guild's owner (DM) and mod log.
	Alert   func(ctx context.Context, guildID, text string) error
	Timeout time.Duration
	Now     func() time.Time
	Logger  *slog.Logger
}

// Service counts destructive audit log entries and contains an actor who breaches
// a limit.
type Service struct {
	st   Store
	dc   Discord
	rec  Recorder
	opts Options
	det  *Detector

	base    context.Context // cancelled by a Stop cut short
	cancel  context.CancelFunc
	mu      sync.Mutex
	stopped bool
	running sync.WaitGroup
}

// New returns a Service.
func New(st Store, dc Discord, rec Recorder, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Service{st: st, dc: dc, rec: rec, opts: opts, det: NewDetector(opts.Start)}
	s.base, s.cancel = context.WithCancel(context.Background())
	return s
}

// AuditLogEntry is a GUILD_AUDIT_LOG_ENTRY_CREATE as the edge translates it.
type AuditLogEntry struct {
	ID, GuildID, UserID, TargetID  string
	ActionType                     int
	OldPermissions, NewPermissions string
	AddedRoleIDs                   []string
}

// SnowflakeTime is the creation time a Discord ID carries.
func SnowflakeTime(id string) (time.Time, error) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("snowflake %q: %w", id, err)
	}
	return time.UnixMilli(int64(n>>22) + 1420070400000), nil
}

// Limits returns a guild's limits: the defaults with its overrides.
func Limits(st store.AntiNukeSettings) map[Kind]Limit {
	out := map[Kind]Limit{}
	for k, l := range DefaultLimits {
		out[k] = l
	}
	for _, l := range st.Limits {
		out[Kind(l.Kind)] = Limit{Count: l.MaxCount, Window: time.Duration(l.WindowSeconds) * time.Second}
	}
	return out
}

// Handle counts one audit log entry and, on a breach, contains its actor.
func (s *Service) Handle(ctx context.Context, e AuditLogEntry) error {
	if e.UserID == "" || s.opts.BotID != nil && e.UserID == s.opts.BotID() || slices.Contains(s.opts.Trusted, e.UserID) {
		return nil
	}
	at, err := SnowflakeTime(e.ID)
	if err != nil {
		return err
	}
	entry := Entry{ActionType: e.ActionType, OldPermissions: e.OldPermissions, NewPermissions: e.NewPermissions}
	if len(e.AddedRoleIDs) > 0 {
		if entry.AddedRolePermissions, err = s.dc.RolePermissions(ctx, e.GuildID, e.AddedRoleIDs); err != nil {
			return fmt.Errorf("anti-nuke: %w", err)
		}
	}
	kind, ok := Classify(entry)
	if !ok {
		return nil
	}
	settings, err := s.st.AntiNukeSettings(ctx, e.GuildID)
	if err != nil {
		return fmt.Errorf("anti-nuke: %w", err)
	}
	if slices.Contains(settings.Trusted, e.UserID) {
		return nil
	}
	b, breached := s.det.Observe(Action{EntryID: e.ID, GuildID: e.GuildID, ActorID: e.UserID, TargetID: e.TargetID, Kind: kind, At: at},
		Limits(settings)[kind])
	if !breached {
		return nil
	}
	return s.contain(ctx, b)
}

// contain acts on a breach: with enforcement, removes the actor's dangerous roles
// or times them out; always records, alerts and keeps the incident.
func (s *Service) contain(ctx context.Context, b Breach) error {
	m, err := s.dc.AntiNukeMember(ctx, b.GuildID, b.ActorID)
	if err != nil {
		return fmt.Errorf("anti-nuke: contain %s: %w", b.ActorID, err)
	}
	if m.IsOwner {
		return nil // the owner is always trusted
	}
	bot, err := s.dc.AntiNukeBot(ctx, b.GuildID)
	if err != nil {
		return fmt.Errorf("anti-nuke: contain %s: %w", b.ActorID, err)
	}
	plan := PlanContainment(m, bot)
	what := fmt.Sprintf("%d %s in %s (limit %d)", len(b.Actions), b.Kind, b.Limit.Window, b.Limit.Count)
	reason := "anti-nuke: " + what
	s.record(b, ActionBreach, b.ActorID, what, map[string]any{"kind": string(b.Kind), "entries": entryIDs(b)})
	s.rec.Security(audit.SecurityEvent{EventType: EventBreach, Severity: audit.Critical, GuildID: b.GuildID, ActorID: b.ActorID,
		Attempted: what, Details: map[string]any{"kind": string(b.Kind), "entries": entryIDs(b), "enforced": s.opts.Enforce}})
	var done, failed []string
	if s.opts.Enforce {
		done, failed = s.apply(ctx, b, plan, reason)
	} else if plan.Contains() {
		s.record(b, ActionDryRun, b.ActorID, "would have: "+describe(plan), map[string]any{"plan": describe(plan)})
	}
	text := alertText(b, what, plan, s.opts.Enforce, done, failed)
	if err := s.opts.Alert(ctx, b.GuildID, text); err != nil {
		s.opts.Logger.Error("Anti-nuke alert not delivered", "guildId", b.GuildID, "error", err)
	}
	actions, _ := json.Marshal(map[string]any{"plan": describe(plan), "done": done, "failed": failed, "why": plan.Why})
	if _, err := s.st.RecordAntiNukeIncident(ctx, store.AntiNukeIncident{GuildID: b.GuildID, ActorID: b.ActorID, Kind: string(b.Kind),
		StartedAt: b.Actions[0].At, EndedAt: b.Actions[len(b.Actions)-1].At, Enforced: s.opts.Enforce, EntryIDs: entryIDs(b), Actions: actions}); err != nil {
		return fmt.Errorf("anti-nuke: %w", err)
	}
	return nil
}

// apply carries the plan out, each step audited and a security event.
func (s *Service) apply(ctx context.Context, b Breach, plan Plan, reason string) (done, failed []string) {
	step := func(action, what string, err error) {
		if err != nil {
			failed = append(failed, what+": "+err.Error())
			s.opts.Logger.Error("Anti-nuke containment step failed", "guildId", b.GuildID, "userId", b.ActorID, "step", what, "error", err)
			return
		}
		done = append(done, what)
		s.record(b, action, b.ActorID, what, nil)
		s.rec.Security(audit.SecurityEvent{EventType: EventContained, Severity: audit.Critical, GuildID: b.GuildID,
			TargetID: b.ActorID, Attempted: what})
	}
	for _, r := range plan.RemoveRoles {
		step(ActionRoleRemoved, "removed role "+r.Name, s.dc.RemoveRole(ctx, b.GuildID, b.ActorID, r.ID, reason))
	}
	if plan.Timeout {
		until := s.opts.Now().Add(s.opts.Timeout)
		step(ActionTimeout, "timed out until "+until.UTC().Format(time.RFC3339), s.dc.Timeout(ctx, b.GuildID, b.ActorID, until, reason))
	}
	return done, failed
}

func (s *Service) record(b Breach, action, target, reason string, details map[string]any) {
	s.rec.Audit(audit.Entry{GuildID: b.GuildID, ActionType: action, ActorID: s.botID(), TargetID: target, Reason: reason, Details: details})
}

func (s *Service) botID() string {
	if s.opts.BotID == nil {
		return ""
	}
	return s.opts.BotID()
}

func entryIDs(b Breach) []string {
	ids := make([]string, len(b.Actions))
	for i, a := range b.Actions {
		ids[i] = a.EntryID
	}
	return ids
}

// describe says what a plan does, in words.
func describe(p Plan) string {
	var parts []string
	if len(p.RemoveRoles) > 0 {
		names := make([]string, len(p.RemoveRoles))
		for i, r := range p.RemoveRoles {
			names[i] = r.Name
		}
		parts = append(parts, "remove roles "+strings.Join(names, ", "))
	}
	if p.Timeout {
		parts = append(parts, "time out")
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, " and ")
}

// alertText is the owners' and mod log's alert: what happened and what the bot did.
func alertText(b Breach, what string, plan Plan, enforce bool, done, failed []string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "🚨 Anti-nuke: <@%s> made %s.\n", b.ActorID, what)
	switch {
	case !enforce:
		fmt.Fprintf(&sb, "Safe mode (SECOPS_ENFORCE_MODERATION=false): nothing done; would have: %s.\n", describe(plan))
	case len(done) > 0:
		fmt.Fprintf(&sb, "Done: %s.\n", strings.Join(done, "; "))
	default:
		sb.WriteString("Not contained.\n")
	}
	if len(failed) > 0 {
		fmt.Fprintf(&sb, "Failed: %s.\n", strings.Join(failed, "; "))
	}
	if plan.Why != "" {
		fmt.Fprintf(&sb, "Note: %s.\n", plan.Why)
	}
	sb.WriteString("Check the server's audit log and, if the account is compromised, reset its password and 2FA.")
	return sb.String()
}

// HandleInBackground runs Handle without the gateway's event handler waiting; after
// Stop it does nothing.
func (s *Service) HandleInBackground(e AuditLogEntry) {
	if !s.begin() {
		return
	}
	go func() {
		defer s.running.Done()
		ctx, cancel := context.WithTimeout(s.base, time.Minute)
		defer cancel()
		if err := s.Handle(ctx, e); err != nil {
			s.opts.Logger.Error("Anti-nuke could not handle an audit log entry", "guildId", e.GuildID, "userId", e.UserID, "error", err)
		}
	}()
}

// begin counts one more handler running, unless stopped.
func (s *Service) begin() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stopped {
		s.running.Add(1)
	}
	return !s.stopped
}

// Stop waits for the entries being handled and takes no more; when ctx ends first,
// it cancels them.
func (s *Service) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	cut := context.AfterFunc(ctx, s.cancel)
	s.running.Wait()
	if !cut() {
		return fmt.Errorf("anti-nuke handlers cut short: %w", ctx.Err())
	}
	return nil
}
