package modrules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/moderation"
	"github.com/embodied-community/embodied/internal/store"
)

// Options configures a Service.
type Options struct {
	// Recheck is how long a compiled engine is used before the guild's
	// version is compared with the database again (default 5 s; negative:
	// every time). Changes made through this Service take effect at once;
	// Recheck bounds how late a change made by another process is seen.
	Recheck time.Duration
	Logger  *slog.Logger
	// Alert tells a guild's admins about a problem with their rules (a
	// stored regex disabled for breaking the bounds); nil only logs.
	Alert func(ctx context.Context, guildID, text string) error
	// OnChange is called after every committed change (nil: nothing), so
	// that what mirrors the rules elsewhere (Discord AutoMod) follows.
	OnChange func(guildID string)
}

// Store is the database the rules live in (*store.Store).
type Store interface {
	// InTx runs a change of a guild's rules and its audit record in one
	// transaction (ApplyTx).
	InTx(ctx context.Context, fn func(store.Tx) error) error
	ModerationRules(ctx context.Context, guildID string) (store.ModerationRules, error)
	ModerationVersion(ctx context.Context, guildID string) (int64, error)
}

var _ Store = (*store.Store)(nil)

// Service loads, changes and caches guilds' rules.
//
// The cache holds one compiled Guild per guild, dropped when this process
// changes the guild's rules. Other processes sharing the database (a second
// shard, the CLI) bump moderation_settings.version; a cached engine older
// than Options.Recheck is revalidated with one primary-key lookup of that
// version before use. With internal/notify running, a change's NOTIFY
// (store.GuildRulesChannel) calls Forget at once; the version check stays
// as the fallback for a notification lost with its connection.
type Service struct {
	db      Store
	log     *slog.Logger
	recheck time.Duration
	alert   func(ctx context.Context, guildID, text string) error
	changed func(guildID string)

	mu    sync.Mutex
	cache map[string]*cached
	// floor is the lowest version worth caching per guild: a load that
	// raced with a change must not put the old rules back.
	floor map[string]int64
	// alerted holds the disabled regexes (guild id, NUL, pattern) this
	// process has already reported.
	alerted map[string]bool
}

type cached struct {
	guild   *Guild
	checked time.Time
}

// New returns a Service over db. It tags opts.Logger with its component,
// ContentModerator.
func New(db Store, opts Options) *Service {
	if opts.Recheck == 0 {
		opts.Recheck = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, log: logging.Component(opts.Logger, "ContentModerator"), recheck: opts.Recheck, alert: opts.Alert, changed: opts.OnChange,
		cache: map[string]*cached{}, floor: map[string]int64{}, alerted: map[string]bool{}}
}

// Rules loads a guild's rules. A guild that never changed them has empty
// rules at version 0.
func (s *Service) Rules(ctx context.Context, guildID string) (Rules, error) {
	sr, err := s.db.ModerationRules(ctx, guildID)
	return fromStore(guildID, sr, err)
}

// fromStore converts a guild's stored rules (and the error loading them);
// a guild that never changed its rules (store.ErrNotFound) has empty rules
// at version 0.
func fromStore(guildID string, sr store.ModerationRules, err error) (Rules, error) {
	r := Rules{GuildID: guildID}
	if errors.Is(err, store.ErrNotFound) {
		return r, nil
	}
	if err != nil {
		return r, err
	}
	r.Version, r.Overrun = sr.Settings.Version, Overrun(sr.Settings.OverrunAction)
	r.RegexCategory = moderation.Category(sr.Settings.RegexCategory)
	if r.RegexSeverity, err = moderation.ParseSeverity(sr.Settings.RegexSeverity); err != nil {
		return r, fmt.Errorf("load moderation rules of %s: %w", guildID, err)
	}
	r.Keywords = make([]moderation.Keyword, 0, len(sr.Keywords))
	for _, k := range sr.Keywords {
		sev, err := moderation.ParseSeverity(k.Severity)
		if err != nil {
			return r, fmt.Errorf("load moderation keywords of %s: %w", guildID, err)
		}
		r.Keywords = append(r.Keywords, moderation.Keyword{Pattern: k.Pattern, Category: moderation.Category(k.Category), Severity: sev})
	}
	r.Categories = make([]CategorySetting, 0, len(sr.Categories))
	for _, c := range sr.Categories {
		r.Categories = append(r.Categories, CategorySetting{Category: moderation.Category(c.Category), Enabled: c.Enabled, Action: Action(c.Action),
			Message: MessageAction(c.MessageAction)})
	}
	r.Allow, r.ExemptRoles, r.Regexes, r.ExemptChannels = sr.Allow, sr.ExemptRoles, sr.Regexes, sr.ExemptChannels
	return r, nil
}

// Apply makes one change to a guild's rules and writes entry (with the
// change's details) to the audit log in the same transaction. A change that
// would leave rules the engine cannot compile (a bad pattern or regex, a
// limit exceeded) is an *InputError and writes nothing.
func (s *Service) Apply(ctx context.Context, guildID string, c *Change, entry audit.Entry) (Rules, error) {
	var r Rules
	err := s.db.InTx(ctx, func(tx store.Tx) error {
		var err error
		r, err = ApplyTx(ctx, tx, guildID, c, entry)
		return err
	})
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			return r, err
		}
		return r, fmt.Errorf("change moderation rules of %s: %w", guildID, err)
	}
	s.Invalidate(guildID, r.Version)
	return r, nil
}

// ApplyTx is Apply inside the caller's transaction, for changes that go
// with another write (a flag dismissed and its term allowed). The caller
// must call Invalidate with the returned version after committing.
func ApplyTx(ctx context.Context, tx store.Tx, guildID string, c *Change, entry audit.Entry) (Rules, error) {
	// The settings row is the guild's lock: concurrent changes of one guild
	// are serialised, so each validates against the rules it will extend.
	if err := tx.LockModerationRules(ctx, guildID); err != nil {
		return Rules{}, err
	}
	sr, err := tx.ModerationRules(ctx, guildID)
	r, err := fromStore(guildID, sr, err)
	if err != nil {
		return r, err
	}
	if err := c.apply(&r); err != nil {
		return r, err
	}
	// A disabled stored regex does not block other changes.
	if _, err := r.CompileStored(); err != nil {
		return r, err
	}
	if err := c.write(ctx, tx, guildID); err != nil {
		return r, err
	}
	if r.Version, err = tx.BumpModerationVersion(ctx, guildID); err != nil {
		return r, err
	}
	if entry.Details == nil {
		entry.Details = map[string]any{}
	}
	for k, v := range c.Details {
		entry.Details[k] = v
	}
	entry.Details["rulesVersion"] = r.Version
	return r, tx.Audit(ctx, entry)
}

// Invalidate drops a guild's compiled rules from the cache, and keeps rules
// older than version out of it. Every committed change comes here (Apply,
// and the callers of ApplyTx), so it also tells Options.OnChange.
func (s *Service) Invalidate(guildID string, version int64) {
	s.mu.Lock()
	delete(s.cache, guildID)
	s.floor[guildID] = max(s.floor[guildID], version)
	s.mu.Unlock()
	if s.changed != nil {
		s.changed(guildID)
	}
}

// Forget drops a guild's compiled rules from the cache because another
// process changed them (a notification, see internal/notify); unlike
// Invalidate it does not call Options.OnChange, which the changing process
// already did.
func (s *Service) Forget(guildID string) {
	s.mu.Lock()
	delete(s.cache, guildID)
	s.mu.Unlock()
}

// ForgetAll empties the cache, for when changes may have been missed (the
// notification connection was lost).
func (s *Service) ForgetAll() {
	s.mu.Lock()
	clear(s.cache)
	s.mu.Unlock()
}

// Guild returns a guild's compiled rules, from the cache when they are
// current.
func (s *Service) Guild(ctx context.Context, guildID string) (*Guild, error) {
	s.mu.Lock()
	c := s.cache[guildID]
	s.mu.Unlock()
	if c != nil && time.Since(c.checked) < s.recheck {
		return c.guild, nil
	}
	now := time.Now()
	if c != nil {
		version, err := s.db.ModerationVersion(ctx, guildID)
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
		if err != nil {
			return nil, err
		}
		if version == c.guild.Version {
			s.store(guildID, &cached{guild: c.guild, checked: now})
			return c.guild, nil
		}
	}
	r, err := s.Rules(ctx, guildID)
	if err != nil {
		return nil, err
	}
	g, err := r.CompileStored()
	if err != nil {
		// Rules are validated before they are stored, so only a change of
		// the engine's limits gets here: keep moderating with the defaults.
		s.log.Error("Stored moderation rules do not compile; using the built-in rules", "guildId", guildID, "error", err)
		g = &Guild{Version: r.Version, engine: moderation.Default(), Disabled: r.disabledRegexes()}
	}
	s.reportDisabled(ctx, guildID, g.Disabled)
	s.store(guildID, &cached{guild: g, checked: now})
	return g, nil
}

// reportDisabled logs each disabled regex and alerts the guild's admins,
// once per regex and process.
func (s *Service) reportDisabled(ctx context.Context, guildID string, disabled []DisabledRegex) {
	for _, d := range disabled {
		key := guildID + "\x00" + d.Pattern
		s.mu.Lock()
		seen := s.alerted[key]
		s.alerted[key] = true
		s.mu.Unlock()
		if seen {
			continue
		}
		s.log.Warn("Stored moderation regex breaks the bounds; disabled", "guildId", guildID, "pattern", d.Pattern, "error", d.Reason)
		if s.alert == nil {
			continue
		}
		text := fmt.Sprintf("⚠️ Content moderation: a regex of this server's rules is disabled because it could stall the bot.\n"+
			"`%s`\n%s\nThe other rules still apply. Remove it with `/security moderation regex-remove` and add a simpler one.",
			strings.ReplaceAll(d.Pattern, "`", "'"), d.Reason)
		if err := s.alert(ctx, guildID, text); err != nil {
			s.log.Error("Could not alert the guild's admins about a disabled regex", "guildId", guildID, "error", err)
		}
	}
}

// store caches c unless it is older than what is cached or known.
func (s *Service) store(guildID string, c *cached) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.cache[guildID]; (old != nil && old.guild.Version > c.guild.Version) || c.guild.Version < s.floor[guildID] {
		return
	}
	s.cache[guildID] = c
}

// Checker returns the guild's compiled rules for the content moderator;
// if they cannot be loaded it logs and falls back to the built-in rules, so
// that text is still checked.
func (s *Service) Checker(ctx context.Context, guildID string) *Guild {
	g, err := s.Guild(ctx, guildID)
	if err != nil {
		s.log.Error("Could not load moderation rules; using the built-in rules", "guildId", guildID, "error", err)
		return &Guild{engine: moderation.Default()}
	}
	return g
}
