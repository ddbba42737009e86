// Package automod keeps each guild's Discord AutoMod in step with its
// content-moderation rules, and turns AutoMod's actions into review-queue
// entries and, if the guild wants, strikes.
//
// The sync mirrors the guild's keywords, allow list and regexes
// (modrules.Rules) into KEYWORD rules the bot owns, named "embodied: …",
// within Discord's documented limits (Plan). It reads the guild's rules,
// compares and changes only what differs: a second sync with nothing
// changed sends no change request. The bot remembers what it last pushed to
// each of its rules (store.AutoModRule); a rule whose content in Discord
// differs from that was edited by hand and is reported as drift, never
// overwritten unless an admin asks (Options.Overwrite). Rules the bot does
// not own are never touched; they count against Discord's per-guild
// maximum.
//
// Discord is reached through the narrow Discord interface
// (internal/discordact implements it); this package knows no discordgo.
package automod

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/modrules"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/strike"
)

// TriggerKeyword is Discord's KEYWORD trigger type.
const TriggerKeyword = 1

// Rule is a Discord AutoMod rule as the sync sees it.
type Rule struct {
	ID          string
	CreatorID   string
	TriggerType int
	// Spec is the rule's content (for KEYWORD rules).
	Spec Spec
}

// ErrForbidden is Discord refusing for want of MANAGE_GUILD.
var ErrForbidden = errors.New("the bot lacks the Manage Server permission (MANAGE_GUILD)")

// Discord is the AutoMod side of Discord the sync uses.
type Discord interface {
	AutoModRules(ctx context.Context, guildID string) ([]Rule, error)
	CreateAutoModRule(ctx context.Context, guildID string, s Spec, auditReason string) (Rule, error)
	EditAutoModRule(ctx context.Context, guildID, ruleID string, s Spec, auditReason string) (Rule, error)
	DeleteAutoModRule(ctx context.Context, guildID, ruleID, auditReason string) error
}

// Store is the database the service uses (*store.Store).
type Store interface {
	AutoModRules(ctx context.Context, guildID string) ([]store.AutoModRule, error)
	SaveAutoModRule(ctx context.Context, r store.AutoModRule) error
	DeleteAutoModRule(ctx context.Context, guildID, ruleID string) error
	SaveAutoModReport(ctx context.Context, guildID string, report json.RawMessage, at time.Time) error
	AutoModSettings(ctx context.Context, guildID string) (store.AutoModSettings, error)
	ModLog(ctx context.Context, guildID string) (string, error)
	AddAutoModFlag(ctx context.Context, e store.AutoModExecution, now time.Time) (int64, error)
	// GuildLock serialises a guild's syncs across processes (what is
	// "automod").
	GuildLock(ctx context.Context, what, guildID string) (release func(), err error)
}

var _ Store = (*store.Store)(nil)

// Striker gives strikes (*strike.Service).
type Striker interface {
	Warn(ctx context.Context, req strike.WarnRequest) (strike.WarnResult, error)
}

// Options configures a Service.
type Options struct {
	// Rules loads a guild's content-moderation rules (modrules.Service.Rules).
	Rules func(ctx context.Context, guildID string) (modrules.Rules, error)
	// Enforce is SECOPS_ENFORCE_MODERATION: the bot's rules block messages
	// only when it is on.
	Enforce bool
	// BotID returns the bot's user id (the strikes' moderator).
	BotID func() string
	// Strikes gives the strikes of executions when a guild enables them
	// (nil: never).
	Strikes Striker
	// Limits are Discord's (zero: DiscordLimits).
	Limits Limits
	Now    func() time.Time
	Logger *slog.Logger
}

// Service syncs guilds' AutoMod rules and handles AutoMod's executions.
type Service struct {
	db   Store
	dc   Discord
	opts Options
	log  *slog.Logger

	mu      sync.Mutex
	locks   map[string]*sync.Mutex // one sync at a time per guild
	names   map[string]string      // rule names by guild id + NUL + rule id
	stopped bool
	running sync.WaitGroup // background syncs
}

// New returns a Service. It tags opts.Logger with its component, AutoMod.
func New(db Store, dc Discord, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Limits == (Limits{}) {
		opts.Limits = DiscordLimits
	}
	if opts.BotID == nil {
		opts.BotID = func() string { return "" }
	}
	return &Service{db: db, dc: dc, opts: opts, log: logging.Component(opts.Logger, "AutoMod"), locks: map[string]*sync.Mutex{},
		names: map[string]string{}}
}

// Drift is a rule of the bot's edited by hand in Discord.
type Drift struct {
	RuleID string `json:"ruleId"`
	Name   string `json:"name"`
}

// Report is what a sync did and found. It is stored per guild for
// /security status and doctor.
type Report struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Deleted   int `json:"deleted"`
	Unchanged int `json:"unchanged"`
	// Drift lists the bot's rules edited by hand in Discord, left as they
	// are.
	Drift []Drift `json:"drift,omitempty"`
	// Unpushed lists what could not be mirrored and why.
	Unpushed []string `json:"unpushed,omitempty"`
	// Error is why the sync could not run (a missing permission).
	Error string `json:"error,omitempty"`
}

// Empty reports whether the sync had nothing to mirror and nothing to
// report.
func (r Report) Empty() bool {
	return !r.Changed() && r.Unchanged == 0 && len(r.Drift) == 0 && len(r.Unpushed) == 0 && r.Error == ""
}

// Changed reports whether the sync changed anything in Discord.
func (r Report) Changed() bool { return r.Created+r.Updated+r.Deleted > 0 }

// Summary is the report in one line, for /security status.
func (r Report) Summary() string {
	if r.Error != "" {
		return "❌ " + r.Error
	}
	var parts []string
	parts = append(parts, fmt.Sprintf("%d created, %d updated, %d removed, %d unchanged", r.Created, r.Updated, r.Deleted, r.Unchanged))
	for _, d := range r.Drift {
		parts = append(parts, fmt.Sprintf("⚠️ drift: rule \"%s\" was edited in Discord and is left as it is (`/security automod sync overwrite:true` replaces it)", d.Name))
	}
	for _, u := range r.Unpushed {
		parts = append(parts, "⚠️ not pushed: "+u)
	}
	return strings.Join(parts, "\n")
}

// ParseReport reads a stored report.
func ParseReport(raw json.RawMessage) (Report, error) {
	var r Report
	if len(raw) == 0 {
		return r, nil
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, fmt.Errorf("read automod sync report: %w", err)
	}
	return r, nil
}

// SyncOptions adjust one sync.
type SyncOptions struct {
	// Overwrite replaces rules edited by hand in Discord with the bot's.
	Overwrite bool
	// Reason is the X-Audit-Log-Reason of the changes.
	Reason string
}

// Sync brings a guild's AutoMod rules in line with its content rules and
// stores the report. A missing MANAGE_GUILD is reported, not returned.
func (s *Service) Sync(ctx context.Context, guildID string, o SyncOptions) (Report, error) {
	// One sync of a guild at a time: within this process (the mutex keeps
	// its syncs from each taking a database connection to wait), then
	// across processes, so that two never both find a rule missing and
	// both create it.
	lock := s.guildLock(guildID)
	lock.Lock()
	defer lock.Unlock()
	release, err := s.db.GuildLock(ctx, "automod", guildID)
	if err != nil {
		return Report{}, fmt.Errorf("sync automod rules of %s: %w", guildID, err)
	}
	defer release()
	if o.Reason == "" {
		o.Reason = "embodied: AutoMod sync of the server's moderation rules"
	}
	rep, err := s.sync(ctx, guildID, o)
	if errors.Is(err, ErrForbidden) {
		rep = Report{Error: ErrForbidden.Error() + ": Server Settings → Roles → the bot's role: enable Manage Server"}
		err = nil
	}
	if err != nil {
		return rep, fmt.Errorf("sync automod rules of %s: %w", guildID, err)
	}
	raw, _ := json.Marshal(rep)
	if err := s.db.SaveAutoModReport(ctx, guildID, raw, s.opts.Now()); err != nil {
		return rep, err
	}
	if rep.Changed() || len(rep.Drift) > 0 || len(rep.Unpushed) > 0 || rep.Error != "" {
		s.log.Info("AutoMod synced", "guildId", guildID, "created", rep.Created, "updated", rep.Updated, "deleted", rep.Deleted,
			"drift", len(rep.Drift), "unpushed", len(rep.Unpushed), "problem", rep.Error)
	}
	return rep, nil
}

// SyncInBackground runs Sync without a caller waiting, logging failures:
// after a rule change and on guild availability.
func (s *Service) SyncInBackground(guildID string) {
	s.background("AutoMod sync failed", guildID, func(ctx context.Context) error {
		_, err := s.Sync(ctx, guildID, SyncOptions{})
		return err
	})
}

// HandleInBackground runs HandleExecution without a caller waiting, as a
// gateway event handler does.
func (s *Service) HandleInBackground(e Execution) {
	s.background("AutoMod execution not recorded", e.GuildID, func(ctx context.Context) error { return s.HandleExecution(ctx, e) })
}

// background runs fn within a minute, logging its failure as msg; after
// Stop it does nothing.
func (s *Service) background(msg, guildID string, fn func(context.Context) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := fn(ctx); err != nil {
			s.log.Warn(msg, "guildId", guildID, "error", err)
		}
	}()
}

// NoteRule remembers the name of a guild's AutoMod rule (from the sync's
// list and the AUTO_MODERATION_RULE_* events), so that the review queue
// names the guild's own rules; an empty name forgets it.
func (s *Service) NoteRule(guildID, ruleID, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name == "" {
		delete(s.names, guildID+"\x00"+ruleID)
		return
	}
	s.names[guildID+"\x00"+ruleID] = name
}

// Stop lets the background syncs finish (bounded by ctx) and starts no
// more.
func (s *Service) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.running.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for automod syncs: %w", ctx.Err())
	}
}

func (s *Service) guildLock(guildID string) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.locks[guildID]
	if l == nil {
		l = &sync.Mutex{}
		s.locks[guildID] = l
	}
	return l
}

func (s *Service) sync(ctx context.Context, guildID string, o SyncOptions) (Report, error) {
	var rep Report
	rules, err := s.opts.Rules(ctx, guildID)
	if err != nil {
		return rep, err
	}
	records, err := s.db.AutoModRules(ctx, guildID)
	if err != nil {
		return rep, err
	}
	if len(rules.Keywords)+len(rules.Regexes) == 0 && len(records) == 0 {
		return rep, nil // nothing to mirror and no rule of the bot's: no request
	}
	modLog, err := s.db.ModLog(ctx, guildID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return rep, err
	}
	current, err := s.dc.AutoModRules(ctx, guildID)
	if err != nil {
		return rep, err
	}
	pushed := map[string]Spec{}
	for _, r := range records {
		var sp Spec
		if json.Unmarshal(r.Pushed, &sp) == nil {
			pushed[r.RuleID] = sp
		}
	}
	// Sort Discord's KEYWORD rules: the bot's (recorded, or created by it
	// under its prefix), drifted or not, and everyone else's.
	mine := map[string]Rule{} // by name
	others, held := 0, 0
	var drifted []Rule
	seen := map[string]bool{}
	for _, r := range current {
		seen[r.ID] = true
		s.NoteRule(guildID, r.ID, r.Spec.Name)
		last, recorded := pushed[r.ID]
		isMine := recorded || (r.CreatorID == s.opts.BotID() && owned(r.Spec.Name))
		switch {
		case !isMine:
			if r.TriggerType == TriggerKeyword {
				others++
			}
		case recorded && !last.Equal(r.Spec) && !o.Overwrite:
			drifted = append(drifted, r)
			held++
		default:
			mine[r.Spec.Name] = r
		}
	}
	for id := range pushed {
		if !seen[id] {
			// Deleted in Discord: forget it; the plan creates it anew.
			if err := s.db.DeleteAutoModRule(ctx, guildID, id); err != nil {
				return rep, err
			}
		}
	}
	want, unpushed := Plan(rules, For(s.opts.Enforce, modLog), s.opts.Limits.KeywordRules-others-held, s.opts.Limits)
	rep.Unpushed = unpushed
	for _, d := range drifted {
		rep.Drift = append(rep.Drift, Drift{RuleID: d.ID, Name: d.Spec.Name})
	}
	driftedName := func(name string) bool {
		for _, d := range drifted {
			if d.Spec.Name == name {
				return true
			}
		}
		return false
	}
	for _, sp := range want {
		if driftedName(sp.Name) {
			continue // reported as drift; left as it is
		}
		cur, ok := mine[sp.Name]
		delete(mine, sp.Name)
		var r Rule
		switch {
		case ok && cur.Spec.Equal(sp):
			rep.Unchanged++
			if last, recorded := pushed[cur.ID]; recorded && last.Equal(sp) {
				continue
			}
			r = cur
		case ok:
			if r, err = s.dc.EditAutoModRule(ctx, guildID, cur.ID, sp, o.Reason); err != nil {
				return rep, err
			}
			rep.Updated++
		default:
			if r, err = s.dc.CreateAutoModRule(ctx, guildID, sp, o.Reason); err != nil {
				return rep, err
			}
			rep.Created++
		}
		if err := s.remember(ctx, guildID, r.ID, sp); err != nil {
			return rep, err
		}
	}
	for _, r := range mine {
		if err := s.dc.DeleteAutoModRule(ctx, guildID, r.ID, o.Reason); err != nil {
			return rep, err
		}
		if err := s.db.DeleteAutoModRule(ctx, guildID, r.ID); err != nil {
			return rep, err
		}
		rep.Deleted++
	}
	return rep, nil
}

// remember records what the bot pushed to rule id.
func (s *Service) remember(ctx context.Context, guildID, id string, sp Spec) error {
	raw, err := json.Marshal(sp.normalized())
	if err != nil {
		return fmt.Errorf("encode automod rule %s: %w", id, err)
	}
	return s.db.SaveAutoModRule(ctx, store.AutoModRule{GuildID: guildID, RuleID: id, Name: sp.Name, Pushed: raw})
}
