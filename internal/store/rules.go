package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// A guild's content-moderation rules live in moderation_settings (one row
// per guild that ever changed its rules; its version goes up with every
// change) and the lists that reference it: moderation_keywords,
// moderation_allow, moderation_categories, moderation_exempt_roles,
// moderation_exempt_channels and moderation_regexes.

// ModerationSettings is a moderation_settings row.
type ModerationSettings struct {
	Version       int64  `db:"version"`
	RegexCategory string `db:"regex_category"`
	RegexSeverity string `db:"regex_severity"`
	OverrunAction string `db:"overrun_action"`
}

// ModerationKeyword is a moderation_keywords row.
type ModerationKeyword struct {
	Pattern  string `db:"pattern"`
	Category string `db:"category"`
	Severity string `db:"severity"`
}

// ModerationCategory is a moderation_categories row.
type ModerationCategory struct {
	Category string `db:"category"`
	Enabled  bool   `db:"enabled"`
	Action   string `db:"action"`
	// MessageAction is what a matching channel message gets: "flag",
	// "delete" or "strike" (migration 071).
	MessageAction string `db:"message_action"`
}

// ModerationRules is all a guild's rule tables hold, each list in the order
// its entries were added.
type ModerationRules struct {
	Settings    ModerationSettings
	Keywords    []ModerationKeyword
	Categories  []ModerationCategory
	Allow       []string
	ExemptRoles []string
	Regexes     []string
	// ExemptChannels are the channels whose messages are not checked.
	ExemptChannels []string
}

// ModerationRules returns a guild's rules, or ErrNotFound when the guild
// never changed them.
func (s *Store) ModerationRules(ctx context.Context, guildID string) (ModerationRules, error) {
	return moderationRules(ctx, s.pool, guildID)
}

// ModerationRules returns a guild's rules as the transaction sees them, or
// ErrNotFound when the guild never changed them.
func (t Tx) ModerationRules(ctx context.Context, guildID string) (ModerationRules, error) {
	return moderationRules(ctx, t.tx, guildID)
}

func moderationRules(ctx context.Context, q runner, guildID string) (ModerationRules, error) {
	var r ModerationRules
	rows, _ := q.Query(ctx, `SELECT version, regex_category, regex_severity, overrun_action FROM moderation_settings WHERE guild_id = $1`,
		guildID)
	var err error
	if r.Settings, err = one(pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[ModerationSettings])); err != nil {
		if errors.Is(err, ErrNotFound) {
			return r, err
		}
		return r, fmt.Errorf("load moderation rules of %s: %w", guildID, err)
	}
	rows, _ = q.Query(ctx, `SELECT pattern, category, severity FROM moderation_keywords
		WHERE guild_id = $1 ORDER BY created_at, pattern`, guildID)
	if r.Keywords, err = pgx.CollectRows(rows, pgx.RowToStructByName[ModerationKeyword]); err != nil {
		return r, fmt.Errorf("load moderation keywords of %s: %w", guildID, err)
	}
	rows, _ = q.Query(ctx, `SELECT category, enabled, action, message_action FROM moderation_categories WHERE guild_id = $1 ORDER BY category`, guildID)
	if r.Categories, err = pgx.CollectRows(rows, pgx.RowToStructByName[ModerationCategory]); err != nil {
		return r, fmt.Errorf("load moderation categories of %s: %w", guildID, err)
	}
	lists := []struct {
		dst *[]string
		sql string
	}{
		{&r.Allow, `SELECT term FROM moderation_allow WHERE guild_id = $1 ORDER BY created_at, term`},
		{&r.ExemptRoles, `SELECT role_id FROM moderation_exempt_roles WHERE guild_id = $1 ORDER BY created_at, role_id`},
		{&r.Regexes, `SELECT pattern FROM moderation_regexes WHERE guild_id = $1 ORDER BY created_at, pattern`},
		{&r.ExemptChannels, `SELECT channel_id FROM moderation_exempt_channels WHERE guild_id = $1 ORDER BY created_at, channel_id`},
	}
	for _, l := range lists {
		rows, _ := q.Query(ctx, l.sql, guildID)
		if *l.dst, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return r, fmt.Errorf("load moderation rules of %s: %w", guildID, err)
		}
	}
	return r, nil
}

// ModerationVersion returns the version of a guild's rules, or ErrNotFound
// when the guild never changed them.
func (s *Store) ModerationVersion(ctx context.Context, guildID string) (int64, error) {
	var version int64
	err := s.pool.QueryRow(ctx, `SELECT version FROM moderation_settings WHERE guild_id = $1`, guildID).Scan(&version)
	if version, err = one(version, err); err != nil && !errors.Is(err, ErrNotFound) {
		return 0, fmt.Errorf("check moderation rules version of %s: %w", guildID, err)
	}
	return version, err
}

// LockModerationRules creates the guild's settings row if needed and locks
// it until the transaction ends: the row is the guild's lock, so concurrent
// changes of one guild's rules are serialised.
func (t Tx) LockModerationRules(ctx context.Context, guildID string) error {
	if _, err := t.tx.Exec(ctx, `INSERT INTO moderation_settings (guild_id) VALUES ($1) ON CONFLICT DO NOTHING`, guildID); err != nil {
		return err
	}
	if _, err := t.tx.Exec(ctx, `SELECT 1 FROM moderation_settings WHERE guild_id = $1 FOR UPDATE`, guildID); err != nil {
		return err
	}
	return nil
}

// BumpModerationVersion raises the version of a guild's rules after a
// change and returns it, and notifies GuildRulesChannel with the guild id
// so that other processes drop their cached rules. The NOTIFY is in the
// change's transaction, so it is delivered only if the change commits.
// It is here rather than in a trigger because every change of a guild's
// rules already ends with this bump (the version is the contract the
// caches rely on), and the statement stays visible next to it.
func (t Tx) BumpModerationVersion(ctx context.Context, guildID string) (int64, error) {
	var version int64
	err := t.tx.QueryRow(ctx, `UPDATE moderation_settings SET version = version + 1, updated_at = now()
		WHERE guild_id = $1 RETURNING version`, guildID).Scan(&version)
	if err != nil {
		return 0, err
	}
	if _, err := t.tx.Exec(ctx, `SELECT pg_notify($1, $2)`, GuildRulesChannel, guildID); err != nil {
		return 0, fmt.Errorf("notify change of moderation rules of %s: %w", guildID, err)
	}
	return version, nil
}

// exec runs a rule change's statement; $1 is always the guild.
func (t Tx) exec(ctx context.Context, sql string, args ...any) error {
	_, err := t.tx.Exec(ctx, sql, args...)
	return err
}

// PutModerationKeyword blocks a keyword, or relabels one already blocked.
func (t Tx) PutModerationKeyword(ctx context.Context, guildID string, k ModerationKeyword) error {
	return t.exec(ctx, `INSERT INTO moderation_keywords (guild_id, pattern, category, severity) VALUES ($1, $2, $3, $4)
			ON CONFLICT (guild_id, pattern) DO UPDATE SET category = EXCLUDED.category, severity = EXCLUDED.severity`,
		guildID, k.Pattern, k.Category, k.Severity)
}

// DeleteModerationKeyword unblocks a keyword.
func (t Tx) DeleteModerationKeyword(ctx context.Context, guildID, pattern string) error {
	return t.exec(ctx, `DELETE FROM moderation_keywords WHERE guild_id = $1 AND pattern = $2`, guildID, pattern)
}

// AddModerationAllow adds a term to the guild's allow list.
func (t Tx) AddModerationAllow(ctx context.Context, guildID, term string) error {
	return t.exec(ctx, `INSERT INTO moderation_allow (guild_id, term) VALUES ($1, $2)`, guildID, term)
}

// DeleteModerationAllow removes a term from the guild's allow list.
func (t Tx) DeleteModerationAllow(ctx context.Context, guildID, term string) error {
	return t.exec(ctx, `DELETE FROM moderation_allow WHERE guild_id = $1 AND term = $2`, guildID, term)
}

// PutModerationCategory sets whether a category is on and its action (its
// message action is left as it is).
func (t Tx) PutModerationCategory(ctx context.Context, guildID string, c ModerationCategory) error {
	return t.exec(ctx, `INSERT INTO moderation_categories (guild_id, category, enabled, action) VALUES ($1, $2, $3, $4)
			ON CONFLICT (guild_id, category) DO UPDATE SET enabled = EXCLUDED.enabled, action = EXCLUDED.action`,
		guildID, c.Category, c.Enabled, c.Action)
}

// PutModerationMessageAction sets what a channel message matching a
// category gets ("flag", "delete" or "strike"); a category without a row
// is created on, with the default action.
func (t Tx) PutModerationMessageAction(ctx context.Context, guildID string, c ModerationCategory) error {
	return t.exec(ctx, `INSERT INTO moderation_categories (guild_id, category, enabled, message_action) VALUES ($1, $2, true, $3)
			ON CONFLICT (guild_id, category) DO UPDATE SET message_action = EXCLUDED.message_action`,
		guildID, c.Category, c.MessageAction)
}

// AddModerationExemptChannel stops checking a channel's messages.
func (t Tx) AddModerationExemptChannel(ctx context.Context, guildID, channelID string) error {
	return t.exec(ctx, `INSERT INTO moderation_exempt_channels (guild_id, channel_id) VALUES ($1, $2)`, guildID, channelID)
}

// DeleteModerationExemptChannel checks a channel's messages again.
func (t Tx) DeleteModerationExemptChannel(ctx context.Context, guildID, channelID string) error {
	return t.exec(ctx, `DELETE FROM moderation_exempt_channels WHERE guild_id = $1 AND channel_id = $2`, guildID, channelID)
}

// AddModerationExemptRole exempts a role from moderation.
func (t Tx) AddModerationExemptRole(ctx context.Context, guildID, roleID string) error {
	return t.exec(ctx, `INSERT INTO moderation_exempt_roles (guild_id, role_id) VALUES ($1, $2)`, guildID, roleID)
}

// DeleteModerationExemptRole ends a role's exemption.
func (t Tx) DeleteModerationExemptRole(ctx context.Context, guildID, roleID string) error {
	return t.exec(ctx, `DELETE FROM moderation_exempt_roles WHERE guild_id = $1 AND role_id = $2`, guildID, roleID)
}

// AddModerationRegex adds a regex to the guild's rules.
func (t Tx) AddModerationRegex(ctx context.Context, guildID, pattern string) error {
	return t.exec(ctx, `INSERT INTO moderation_regexes (guild_id, pattern) VALUES ($1, $2)`, guildID, pattern)
}

// DeleteModerationRegex removes a regex from the guild's rules.
func (t Tx) DeleteModerationRegex(ctx context.Context, guildID, pattern string) error {
	return t.exec(ctx, `DELETE FROM moderation_regexes WHERE guild_id = $1 AND pattern = $2`, guildID, pattern)
}

// SetModerationRegexLabel sets the category and severity every regex match
// of the guild reports.
func (t Tx) SetModerationRegexLabel(ctx context.Context, guildID, category, severity string) error {
	return t.exec(ctx, `UPDATE moderation_settings SET regex_category = $2, regex_severity = $3 WHERE guild_id = $1`,
		guildID, category, severity)
}

// SetModerationOverrun sets what happens to a text the guild's regexes
// could not check in time ("flag", "refuse" or "allow").
func (t Tx) SetModerationOverrun(ctx context.Context, guildID, action string) error {
	return t.exec(ctx, `UPDATE moderation_settings SET overrun_action = $2 WHERE guild_id = $1`, guildID, action)
}
