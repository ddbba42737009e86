package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// HealthAlertLevel is a health_alert_levels row: the delivered alert level
// of one database-wide health threshold, its last measure and the change
// being delivered, if any (migration 095).
type HealthAlertLevel struct {
	Key        string     `db:"alert_key"`
	Level      int        `db:"level"`
	Value      int64      `db:"value"`
	MeasuredAt *time.Time `db:"measured_at"`
	ChangedAt  *time.Time `db:"changed_at"`
	// ClaimLevel is the level a run is delivering now (nil when none).
	ClaimLevel *int       `db:"claim_level"`
	ClaimUntil *time.Time `db:"claim_until"`
}

// HealthAlertLevels returns every stored threshold level, by key.
func (s *Store) HealthAlertLevels(ctx context.Context) ([]HealthAlertLevel, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT alert_key, level, value, measured_at, changed_at, claim_level, claim_until
		FROM health_alert_levels ORDER BY alert_key`)
	if err != nil {
		return nil, fmt.Errorf("read health alert levels: %w", err)
	}
	levels, err := pgx.CollectRows(rows, pgx.RowToStructByName[HealthAlertLevel])
	if err != nil {
		return nil, fmt.Errorf("read health alert levels: %w", err)
	}
	return levels, nil
}

// SetHealthAlertValues stores the latest measure of each threshold in
// values (by key) in one statement, leaving levels and claims alone.
func (s *Store) SetHealthAlertValues(ctx context.Context, values map[string]int64, at time.Time) error {
	keys, vals := make([]string, 0, len(values)), make([]int64, 0, len(values))
	for k, v := range values {
		keys, vals = append(keys, k), append(vals, v)
	}
	_, err := s.pool.Exec(ctx, `
		INSERT INTO health_alert_levels (alert_key, value, measured_at)
		SELECT * FROM unnest($1::text[], $2::bigint[]), (VALUES ($3::timestamptz)) AS m(at)
		ON CONFLICT (alert_key) DO UPDATE SET value = EXCLUDED.value, measured_at = EXCLUDED.measured_at`,
		keys, vals, at)
	if err != nil {
		return fmt.Errorf("store health alert values: %w", err)
	}
	return nil
}

// ClaimHealthAlert claims the change of key's level from `from` to `to`
// for lease, in one compare-and-set statement: it succeeds only while the
// delivered level is still from and no other run holds an unexpired claim,
// so of two runs that see the same change at once, one delivers it. The
// claimant settles it with SettleHealthAlert. The row must exist
// (SetHealthAlertValues makes it with the measure); a missing one claims
// nothing.
func (s *Store) ClaimHealthAlert(ctx context.Context, key string, from, to int, lease time.Duration) (bool, error) {
	tag, err := s.pool.Exec(ctx, `
		UPDATE health_alert_levels SET claim_level = $3, claim_until = now() + $4::interval
		WHERE alert_key = $1 AND level = $2 AND (claim_level IS NULL OR claim_until < now())`,
		key, from, to, lease)
	if err != nil {
		return false, fmt.Errorf("claim health alert %s: %w", key, err)
	}
	return tag.RowsAffected() == 1, nil
}

// SettleHealthAlert ends a claim of key's change to level to: delivered,
// the level becomes to; not delivered, the claim is dropped and the level
// stays, so the next run claims and delivers the change again.
func (s *Store) SettleHealthAlert(ctx context.Context, key string, to int, delivered bool) error {
	_, err := s.pool.Exec(ctx, `
		UPDATE health_alert_levels
		SET level = CASE WHEN $3 THEN claim_level ELSE level END,
		    changed_at = CASE WHEN $3 THEN now() ELSE changed_at END,
		    claim_level = NULL, claim_until = NULL
		WHERE alert_key = $1 AND claim_level = $2`, key, to, delivered)
	if err != nil {
		return fmt.Errorf("settle health alert %s: %w", key, err)
	}
	return nil
}
