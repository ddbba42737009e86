package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Stats is one day's numbers a member submits.
type Stats struct {
	ID         int64     `db:"id" json:"id"`
	GuildID    string    `db:"guild_id" json:"guildId"`
	UserID     string    `db:"user_id" json:"userId"`
	Day        time.Time `db:"day" json:"day"`
	Approaches int       `db:"approaches" json:"approaches"`
	Contacts   int       `db:"contacts" json:"contacts"`
	Dates      int       `db:"dates" json:"dates"`
	XPAwarded  int       `db:"xp_awarded" json:"xpAwarded"`
	CreatedAt  time.Time `db:"created_at" json:"createdAt"`
}

// StatsXP is the XP a submission earns: 10 for showing up, more for action.
func StatsXP(approaches, contacts, dates int) int {
	return min(10+approaches*5+contacts*10+dates*25, 500)
}

// SubmitStats records a day's numbers, awards XP and updates the streak
// (consecutive days with a submission).
func (s *Store) SubmitStats(ctx context.Context, st Stats) (Stats, Profile, error) {
	st.XPAwarded = StatsXP(st.Approaches, st.Contacts, st.Dates)
	var p Profile
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			INSERT INTO stats_submissions (guild_id, user_id, day, approaches, contacts, dates, xp_awarded)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, created_at`,
			st.GuildID, st.UserID, st.Day, st.Approaches, st.Contacts, st.Dates, st.XPAwarded).Scan(&st.ID, &st.CreatedAt)
		if err != nil {
			return fmt.Errorf("insert stats: %w", err)
		}
		if p, err = addXP(ctx, tx, st.GuildID, st.UserID, int64(st.XPAwarded)); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `
			UPDATE member_profiles SET
				streak_days = CASE
					WHEN last_active_day = $3::date THEN streak_days
					WHEN last_active_day = $3::date - 1 THEN streak_days + 1
					ELSE 1 END,
				last_active_day = GREATEST(coalesce(last_active_day, $3::date), $3::date)
			WHERE guild_id = $1 AND user_id = $2
			RETURNING streak_days, last_active_day`, st.GuildID, st.UserID, st.Day).Scan(&p.StreakDays, &p.LastActiveDay)
	})
	if err != nil {
		return st, p, fmt.Errorf("submit stats for %s/%s: %w", st.GuildID, st.UserID, err)
	}
	return st, p, nil
}

// DailyRecord is a member's note for one day.
type DailyRecord struct {
	ID        int64     `db:"id" json:"id"`
	GuildID   string    `db:"guild_id" json:"guildId"`
	UserID    string    `db:"user_id" json:"userId"`
	Day       time.Time `db:"day" json:"day"`
	Note      string    `db:"note" json:"note"`
	CreatedAt time.Time `db:"created_at" json:"createdAt"`
}

// SaveDailyRecord writes (or rewrites) a member's note for a day.
func (s *Store) SaveDailyRecord(ctx context.Context, guildID, userID string, day time.Time, note string) error {
	_, err := s.pool.Exec(ctx, `
		INSERT INTO daily_records (guild_id, user_id, day, note) VALUES ($1, $2, $3, $4)
		ON CONFLICT (guild_id, user_id, day) DO UPDATE SET note = EXCLUDED.note`, guildID, userID, day, note)
	if err != nil {
		return fmt.Errorf("save daily record for %s/%s: %w", guildID, userID, err)
	}
	return nil
}

// Tensey is one comfort-zone challenge a member completed.
type Tensey struct {
	ID          int64     `db:"id" json:"id"`
	GuildID     string    `db:"guild_id" json:"guildId"`
	UserID      string    `db:"user_id" json:"userId"`
	Description string    `db:"description" json:"description"`
	CreatedAt   time.Time `db:"created_at" json:"createdAt"`
}

// AddTensey records a completed challenge and returns the member's total.
func (s *Store) AddTensey(ctx context.Context, guildID, userID, description string) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO tenseys (guild_id, user_id, description) VALUES ($1, $2, $3)`,
			guildID, userID, description); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM tenseys WHERE guild_id = $1 AND user_id = $2`, guildID, userID).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("add tensey for %s/%s: %w", guildID, userID, err)
	}
	return n, nil
}

// BarbieContact is a contact on a member's list, with notes.
type BarbieContact struct {
	ID        int64     `db:"id" json:"id"`
	GuildID   string    `db:"guild_id" json:"guildId"`
	UserID    string    `db:"user_id" json:"userId"`
	Name      string    `db:"name" json:"name"`
	Notes     string    `db:"notes" json:"notes"`
	CreatedAt time.Time `db:"created_at" json:"createdAt"`
	UpdatedAt time.Time `db:"updated_at" json:"updatedAt"`
}

// AddBarbie adds a contact to a member's list.
func (s *Store) AddBarbie(ctx context.Context, guildID, userID, name, notes string) (BarbieContact, error) {
	rows, _ := s.pool.Query(ctx, `
		INSERT INTO barbie_list (guild_id, user_id, name, notes) VALUES ($1, $2, $3, $4)
		RETURNING id, guild_id, user_id, name, notes, created_at, updated_at`, guildID, userID, name, notes)
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[BarbieContact])
	if err != nil {
		return c, fmt.Errorf("add contact for %s/%s: %w", guildID, userID, err)
	}
	return c, nil
}

// BarbieList returns a member's contacts, newest first.
func (s *Store) BarbieList(ctx context.Context, guildID, userID string, limit int) ([]BarbieContact, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT id, guild_id, user_id, name, notes, created_at, updated_at FROM barbie_list
		WHERE guild_id = $1 AND user_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3`, guildID, userID, limit)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[BarbieContact])
	if err != nil {
		return nil, fmt.Errorf("list contacts of %s/%s: %w", guildID, userID, err)
	}
	return list, nil
}

// ErrNotYours is returned when a record exists but belongs to another
// member or guild: a probe, not a mistake.
var ErrNotYours = errors.New("belongs to another member")

// RemoveBarbie deletes one of the member's own contacts by id. It returns
// ErrNotFound when there is no such contact, and ErrNotYours when the id is
// someone else's (in any guild).
func (s *Store) RemoveBarbie(ctx context.Context, guildID, userID string, id int64) (string, error) {
	var name string
	err := s.pool.QueryRow(ctx, `DELETE FROM barbie_list WHERE guild_id = $1 AND user_id = $2 AND id = $3 RETURNING name`,
		guildID, userID, id).Scan(&name)
	if _, err = one(name, err); errors.Is(err, ErrNotFound) {
		var exists bool
		if qerr := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM barbie_list WHERE id = $1)`, id).Scan(&exists); qerr != nil {
			err = qerr
		} else if exists {
			err = ErrNotYours
		}
	}
	if err != nil {
		return "", fmt.Errorf("remove contact %d of %s/%s: %w", id, guildID, userID, err)
	}
	return name, nil
}

// JournalEntry is one journal entry.
type JournalEntry struct {
	ID        int64     `db:"id" json:"id"`
	GuildID   string    `db:"guild_id" json:"guildId"`
	UserID    string    `db:"user_id" json:"userId"`
	Content   string    `db:"content" json:"content"`
	CreatedAt time.Time `db:"created_at" json:"createdAt"`
}

// AddJournal writes a journal entry.
func (s *Store) AddJournal(ctx context.Context, guildID, userID, content string) (JournalEntry, error) {
	rows, _ := s.pool.Query(ctx, `
		INSERT INTO journal_entries (guild_id, user_id, content) VALUES ($1, $2, $3)
		RETURNING id, guild_id, user_id, content, created_at`, guildID, userID, content)
	e, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[JournalEntry])
	if err != nil {
		return e, fmt.Errorf("add journal entry for %s/%s: %w", guildID, userID, err)
	}
	return e, nil
}

// Journal returns a member's entries, newest first.
func (s *Store) Journal(ctx context.Context, guildID, userID string, limit int) ([]JournalEntry, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT id, guild_id, user_id, content, created_at FROM journal_entries
		WHERE guild_id = $1 AND user_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3`, guildID, userID, limit)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[JournalEntry])
	if err != nil {
		return nil, fmt.Errorf("list journal of %s/%s: %w", guildID, userID, err)
	}
	return list, nil
}

// CourseProgress is one completed course module.
type CourseProgress struct {
	GuildID     string    `db:"guild_id" json:"guildId"`
	UserID      string    `db:"user_id" json:"userId"`
	Module      string    `db:"module" json:"module"`
	CompletedAt time.Time `db:"completed_at" json:"completedAt"`
}

// CompleteModule marks a course module done; it reports false when it
// already was.
func (s *Store) CompleteModule(ctx context.Context, guildID, userID, module string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `
		INSERT INTO course_progress (guild_id, user_id, module) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, guildID, userID, module)
	if err != nil {
		return false, fmt.Errorf("complete module for %s/%s: %w", guildID, userID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Duel is a challenge between two members.
type Duel struct {
	ID           int64      `db:"id" json:"id"`
	GuildID      string     `db:"guild_id" json:"guildId"`
	ChallengerID string     `db:"challenger_id" json:"challengerId"`
	OpponentID   string     `db:"opponent_id" json:"opponentId"`
	StakeXP      int        `db:"stake_xp" json:"stakeXp"`
	Status       string     `db:"status" json:"status"`
	WinnerID     *string    `db:"winner_id" json:"winnerId"`
	CreatedAt    time.Time  `db:"created_at" json:"createdAt"`
	ResolvedAt   *time.Time `db:"resolved_at" json:"resolvedAt"`
}

// CreateDuel opens a challenge.
func (s *Store) CreateDuel(ctx context.Context, guildID, challenger, opponent string, stake int) (Duel, error) {
	rows, _ := s.pool.Query(ctx, `
		INSERT INTO duels (guild_id, challenger_id, opponent_id, stake_xp) VALUES ($1, $2, $3, $4)
		RETURNING id, guild_id, challenger_id, opponent_id, stake_xp, status, winner_id, created_at, resolved_at`,
		guildID, challenger, opponent, stake)
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Duel])
	if err != nil {
		return d, fmt.Errorf("create duel in %s: %w", guildID, err)
	}
	return d, nil
}
