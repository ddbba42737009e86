package store

import (
	"context"
	"fmt"
)

// SmokeCheck names one count `embodied smoke` makes of what the bot wrote
// while a smoke test ran.
type SmokeCheck int

// Smoke checks, with the arguments SmokeCount takes for each.
const (
	// SmokeToxicNoteFlags counts toxic-language flags of barbie notes
	// (guild id, user id, since).
	SmokeToxicNoteFlags SmokeCheck = iota
	// SmokeXPAdjustAudit counts adjust-xp audit records (actor id, target
	// id).
	SmokeXPAdjustAudit
	// SmokeWarnings counts a member's warnings (guild id, user id).
	SmokeWarnings
	// SmokeExportAudit counts gdpr_export audit records (target id).
	SmokeExportAudit
)

var smokeQueries = map[SmokeCheck]string{
	SmokeToxicNoteFlags: `SELECT count(*) FROM content_flags WHERE guild_id = $1 AND user_id = $2 AND content_type = 'barbie_note'
		AND flag_reason = 'toxic_language' AND created_at >= $3`,
	SmokeXPAdjustAudit: `SELECT count(*) FROM audit_log WHERE action_type = 'adjust-xp' AND actor_id = $1 AND target_id = $2`,
	SmokeWarnings:      `SELECT count(*) FROM user_warnings WHERE guild_id = $1 AND user_id = $2`,
	SmokeExportAudit:   `SELECT count(*) FROM audit_log WHERE action_type = 'gdpr_export' AND target_id = $1`,
}

// SmokeCount runs one smoke check with its arguments.
func (s *Store) SmokeCount(ctx context.Context, check SmokeCheck, args ...any) (int, error) {
	query, ok := smokeQueries[check]
	if !ok {
		return 0, fmt.Errorf("unknown smoke check %d", check)
	}
	var n int
	if err := s.pool.QueryRow(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("smoke check %d: %w", check, err)
	}
	return n, nil
}
