package modrules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/moderation"
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
}

// Service loads, changes and caches guilds' rules.
//
// The cache holds one compiled Guild per guild, dropped when this process
// changes the guild's rules. Other processes sharing the database (a second
// shard, the CLI) bump moderation_settings.version; a cached engine older
// than Options.Recheck is revalidated with one primary-key lookup of that
// version before use. (LISTEN/NOTIFY on a "moderation_rules" channel would
// make that immediate, at the cost of a dedicated connection.)
type Service struct {
	pool    *pgxpool.Pool
	log     *slog.Logger
	recheck time.Duration
	alert   func(ctx context.Context, guildID, text string) error

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

// New returns a Service over pool.
func New(pool *pgxpool.Pool, opts Options) *Service {
	if opts.Recheck == 0 {
		opts.Recheck = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{pool: pool, log: opts.Logger, recheck: opts.Recheck, alert: opts.Alert,
		cache: map[string]*cached{}, floor: map[string]int64{}, alerted: map[string]bool{}}
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Rules loads a guild's rules. A guild that never changed them has empty
// rules at version 0.
func (s *Service) Rules(ctx context.Context, guildID string) (Rules, error) {
	return load(ctx, s.pool, guildID)
}

func load(ctx context.Context, q querier, guildID string) (Rules, error) {
	r := Rules{GuildID: guildID}
	var cat, sev string
	err := q.QueryRow(ctx, `SELECT version, regex_category, regex_severity, overrun_action FROM moderation_settings WHERE guild_id = $1`,
		guildID).Scan(&r.Version, &cat, &sev, &r.Overrun)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("load moderation rules of %s: %w", guildID, err)
	}
	r.RegexCategory = moderation.Category(cat)
	if r.RegexSeverity, err = moderation.ParseSeverity(sev); err != nil {
		return r, fmt.Errorf("load moderation rules of %s: %w", guildID, err)
	}

	rows, _ := q.Query(ctx, `SELECT pattern, category, severity FROM moderation_keywords
		WHERE guild_id = $1 ORDER BY created_at, pattern`, guildID)
	r.Keywords, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (moderation.Keyword, error) {
		var k moderation.Keyword
		var sev string
		if err := row.Scan(&k.Pattern, &k.Category, &sev); err != nil {
			return k, err
		}
		var err error
		k.Severity, err = moderation.ParseSeverity(sev)
		return k, err
	})
	if err != nil {
		return r, fmt.Errorf("load moderation keywords of %s: %w", guildID, err)
	}
	rows, _ = q.Query(ctx, `SELECT category, enabled, action FROM moderation_categories WHERE guild_id = $1 ORDER BY category`, guildID)
	r.Categories, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (CategorySetting, error) {
		var c CategorySetting
		err := row.Scan(&c.Category, &c.Enabled, &c.Action)
		return c, err
	})
	if err != nil {
		return r, fmt.Errorf("load moderation categories of %s: %w", guildID, err)
	}
	lists := []struct {
		dst *[]string
		sql string
	}{
		{&r.Allow, `SELECT term FROM moderation_allow WHERE guild_id = $1 ORDER BY created_at, term`},
		{&r.ExemptRoles, `SELECT role_id FROM moderation_exempt_roles WHERE guild_id = $1 ORDER BY created_at, role_id`},
		{&r.Regexes, `SELECT pattern FROM moderation_regexes WHERE guild_id = $1 ORDER BY created_at, pattern`},
	}
	for _, l := range lists {
		rows, _ := q.Query(ctx, l.sql, guildID)
		if *l.dst, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return r, fmt.Errorf("load moderation rules of %s: %w", guildID, err)
		}
	}
	return r, nil
}

// Apply makes one change to a guild's rules and writes entry (with the
// change's details) to the audit log in the same transaction. A change that
// would leave rules the engine cannot compile (a bad pattern or regex, a
// limit exceeded) is an *InputError and writes nothing.
func (s *Service) Apply(ctx context.Context, guildID string, c *Change, entry audit.Entry) (Rules, error) {
	var r Rules
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
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
func ApplyTx(ctx context.Context, tx pgx.Tx, guildID string, c *Change, entry audit.Entry) (Rules, error) {
	// The settings row is the guild's lock: concurrent changes of one guild
	// are serialised, so each validates against the rules it will extend.
	if _, err := tx.Exec(ctx, `INSERT INTO moderation_settings (guild_id) VALUES ($1) ON CONFLICT DO NOTHING`, guildID); err != nil {
		return Rules{}, err
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM moderation_settings WHERE guild_id = $1 FOR UPDATE`, guildID); err != nil {
		return Rules{}, err
	}
	r, err := load(ctx, tx, guildID)
	if err != nil {
		return r, err
	}
	if err := c.apply(&r); err != nil {
		return r, err
	}
	// A disabled stored regex does not block other changes.
	usable, _ := r.usable()
	if _, err := usable.Compile(); err != nil {
		return r, err
	}
	if err := c.write(ctx, tx, guildID); err != nil {
		return r, err
	}
	if err := tx.QueryRow(ctx, `UPDATE moderation_settings SET version = version + 1, updated_at = now()
		WHERE guild_id = $1 RETURNING version`, guildID).Scan(&r.Version); err != nil {
		return r, err
	}
	if entry.Details == nil {
		entry.Details = map[string]any{}
	}
	for k, v := range c.Details {
		entry.Details[k] = v
	}
	entry.Details["rulesVersion"] = r.Version
	return r, audit.Insert(ctx, tx, entry)
}

// Invalidate drops a guild's compiled rules from the cache, and keeps rules
// older than version out of it.
func (s *Service) Invalidate(guildID string, version int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.cache, guildID)
	s.floor[guildID] = max(s.floor[guildID], version)
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
		var version int64
		err := s.pool.QueryRow(ctx, `SELECT version FROM moderation_settings WHERE guild_id = $1`, guildID).Scan(&version)
		if errors.Is(err, pgx.ErrNoRows) {
			err = nil
		}
		if err != nil {
			return nil, fmt.Errorf("check moderation rules version of %s: %w", guildID, err)
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
		_, disabled := r.usable()
		g = &Guild{Version: r.Version, engine: moderation.Default(), Disabled: disabled}
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
