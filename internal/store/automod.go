package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// AutoModSettings is a guild's automod_settings row: its Discord AutoMod
// choices and what the last sync of its rules found.
type AutoModSettings struct {
	GuildID string `db:"guild_id"`
	// StrikeOnExecution gives the member a strike for every AutoMod
	// execution (one per message and rule).
	StrikeOnExecution bool       `db:"strike_on_execution"`
	SyncedAt          *time.Time `db:"synced_at"`
	// SyncReport is the last sync's findings as JSON (automod.Report).
	SyncReport json.RawMessage `db:"sync_report"`
}

// AutoModSettings returns a guild's AutoMod settings; a guild that never
// set any or synced has the zero settings (no error).
func (s *Store) AutoModSettings(ctx context.Context, guildID string) (AutoModSettings, error) {
	rows, _ := s.pool.Query(ctx, `SELECT guild_id, strike_on_execution, synced_at, sync_report
		FROM automod_settings WHERE guild_id = $1`, guildID)
	st, err := one(pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[AutoModSettings]))
	if errors.Is(err, ErrNotFound) {
		return AutoModSettings{GuildID: guildID}, nil
	}
	if err != nil {
		return st, fmt.Errorf("automod settings of %s: %w", guildID, err)
	}
	return st, nil
}

// AutoModReports returns every guild's last sync report, for doctor.
func (s *Store) AutoModReports(ctx context.Context) ([]AutoModSettings, error) {
	rows, _ := s.pool.Query(ctx, `SELECT guild_id, strike_on_execution, synced_at, sync_report
		FROM automod_settings WHERE synced_at IS NOT NULL ORDER BY guild_id`)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[AutoModSettings])
	if err != nil {
		return nil, fmt.Errorf("automod sync reports: %w", err)
	}
	return list, nil
}

// SetAutoModStrikes sets whether AutoMod executions give strikes in a
// guild, with its audit record in the same transaction.
func (s *Store) SetAutoModStrikes(ctx context.Context, guildID string, on bool, by string, entry AuditEntry) error {
	err := s.InTx(ctx, func(tx Tx) error {
		if _, err := tx.tx.Exec(ctx, `INSERT INTO automod_settings (guild_id, strike_on_execution, updated_by, updated_at)
			VALUES ($1, $2, $3, now()) ON CONFLICT (guild_id) DO UPDATE
			SET strike_on_execution = EXCLUDED.strike_on_execution, updated_by = EXCLUDED.updated_by, updated_at = now()`,
			guildID, on, by); err != nil {
			return err
		}
		return tx.Audit(ctx, entry)
	})
	if err != nil {
		return fmt.Errorf("set automod strikes of %s: %w", guildID, err)
	}
	return nil
}

// SaveAutoModReport stores what a guild's sync found.
func (s *Store) SaveAutoModReport(ctx context.Context, guildID string, report json.RawMessage, at time.Time) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO automod_settings (guild_id, synced_at, sync_report) VALUES ($1, $2, $3)
		ON CONFLICT (guild_id) DO UPDATE SET synced_at = EXCLUDED.synced_at, sync_report = EXCLUDED.sync_report`,
		guildID, at, report); err != nil {
		return fmt.Errorf("save automod sync report of %s: %w", guildID, err)
	}
	return nil
}

// AutoModRule is an automod_rules row: a Discord AutoMod rule the bot
// created, with what it last pushed (automod.Spec as JSON).
type AutoModRule struct {
	GuildID string          `db:"guild_id"`
	RuleID  string          `db:"rule_id"`
	Name    string          `db:"name"`
	Pushed  json.RawMessage `db:"pushed"`
}

// AutoModRules returns the rules the bot owns in a guild.
func (s *Store) AutoModRules(ctx context.Context, guildID string) ([]AutoModRule, error) {
	rows, _ := s.pool.Query(ctx, `SELECT guild_id, rule_id, name, pushed FROM automod_rules WHERE guild_id = $1 ORDER BY name`, guildID)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[AutoModRule])
	if err != nil {
		return nil, fmt.Errorf("automod rules of %s: %w", guildID, err)
	}
	return list, nil
}

// SaveAutoModRule records what the bot pushed to one of its rules.
func (s *Store) SaveAutoModRule(ctx context.Context, r AutoModRule) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO automod_rules (guild_id, rule_id, name, pushed, pushed_at) VALUES ($1, $2, $3, $4, now())
		ON CONFLICT (guild_id, rule_id) DO UPDATE SET name = EXCLUDED.name, pushed = EXCLUDED.pushed, pushed_at = now()`,
		r.GuildID, r.RuleID, r.Name, r.Pushed); err != nil {
		return fmt.Errorf("save automod rule %s of %s: %w", r.RuleID, r.GuildID, err)
	}
	return nil
}

// DeleteAutoModRule forgets a rule the bot no longer owns.
func (s *Store) DeleteAutoModRule(ctx context.Context, guildID, ruleID string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM automod_rules WHERE guild_id = $1 AND rule_id = $2`, guildID, ruleID); err != nil {
		return fmt.Errorf("forget automod rule %s of %s: %w", ruleID, guildID, err)
	}
	return nil
}

// AutoModExecution is one AutoMod action execution to record: the flag to
// add, deduplicated by guild, rule and key, and its audit record.
type AutoModExecution struct {
	RuleID string
	// Key names the message: its id, or for a blocked message a hash of
	// the member, channel and match.
	Key string
	// Window: an execution with the same key seen this recently is the
	// same message (Discord sends one event per action).
	Window time.Duration
	Flag   ContentFlag
	Audit  AuditEntry
}

// AddAutoModFlag stores e's flag and audit record unless an execution of
// the same rule and key was recorded within e.Window; it returns the new
// flag's id, or ErrNotFound for a duplicate.
func (s *Store) AddAutoModFlag(ctx context.Context, e AutoModExecution, now time.Time) (int64, error) {
	f := e.Flag
	var id int64
	err := s.InTx(ctx, func(tx Tx) error {
		if err := tx.Lock(ctx, "automod", f.GuildID, e.RuleID, e.Key); err != nil {
			return err
		}
		var dup bool
		if err := tx.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM automod_executions
			WHERE guild_id = $1 AND rule_id = $2 AND key = $3 AND seen_at > $4)`,
			f.GuildID, e.RuleID, e.Key, now.Add(-e.Window)).Scan(&dup); err != nil {
			return err
		}
		if dup {
			return ErrNotFound
		}
		if err := tx.tx.QueryRow(ctx, `
			INSERT INTO content_flags (guild_id, user_id, content_type, flag_reason, category, severity, excerpt, matched_term,
				channel_id, message_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			f.GuildID, f.UserID, f.ContentType, f.FlagReason, f.Category, f.Severity, f.Excerpt, f.MatchedTerm,
			f.ChannelID, f.MessageID).Scan(&id); err != nil {
			return err
		}
		if _, err := tx.tx.Exec(ctx, `INSERT INTO automod_executions (guild_id, rule_id, key, flag_id, seen_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (guild_id, rule_id, key) DO UPDATE SET flag_id = EXCLUDED.flag_id, seen_at = EXCLUDED.seen_at`,
			f.GuildID, e.RuleID, e.Key, id, now); err != nil {
			return err
		}
		if e.Audit.Details == nil {
			e.Audit.Details = map[string]any{}
		}
		e.Audit.Details["flagId"] = id
		return tx.Audit(ctx, e.Audit)
	})
	if errors.Is(err, ErrNotFound) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("record automod execution of rule %s in %s: %w", e.RuleID, f.GuildID, err)
	}
	return id, nil
}
