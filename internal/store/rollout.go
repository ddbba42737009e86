package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/embodied-community/embodied/internal/textcut"
)

// HealthRun is a health_runs row: one periodic health check run, the
// safe-mode soak the enforcement gate reads.
type HealthRun struct {
	At       time.Time `db:"ran_at"`
	Passed   bool      `db:"passed"`
	Enforce  bool      `db:"enforce_moderation"`
	Env      string    `db:"app_env"`
	Failures int       `db:"failures"`
	Err      string    `db:"error"`
}

// healthRunRetention bounds the health_runs table; the gate needs 24 hours.
const healthRunRetention = 90 * 24 * time.Hour

// RecordHealthRun stores one health run, unless one is stored at the same
// time already (a retried job), and drops runs past the retention.
func (s *Store) RecordHealthRun(ctx context.Context, r HealthRun) error {
	r.Err = textcut.Bytes(r.Err, 1000)
	_, err := s.pool.Exec(ctx, `
		INSERT INTO health_runs (ran_at, passed, enforce_moderation, app_env, failures, error)
		SELECT $1::timestamptz, $2::boolean, $3::boolean, $4::text, $5::integer, $6::text WHERE NOT EXISTS (SELECT 1 FROM health_runs WHERE ran_at = $1)`, r.At, r.Passed, r.Enforce, r.Env, r.Failures, r.Err)
	if err != nil {
		return fmt.Errorf("record health run: %w", err)
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM health_runs WHERE ran_at < $1`, r.At.Add(-healthRunRetention)); err != nil {
		return fmt.Errorf("prune health runs: %w", err)
	}
	return nil
}

// HealthRunsSince returns the runs at or after since, newest first.
func (s *Store) HealthRunsSince(ctx context.Context, since time.Time) ([]HealthRun, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT ran_at, passed, enforce_moderation, app_env, failures, error
		FROM health_runs WHERE ran_at >= $1 ORDER BY ran_at DESC`, since)
	if err != nil {
		return nil, fmt.Errorf("read health runs: %w", err)
	}
	runs, err := pgx.CollectRows(rows, pgx.RowToStructByName[HealthRun])
	if err != nil {
		return nil, fmt.Errorf("read health runs: %w", err)
	}
	return runs, nil
}

// SmokeResult is one smoke test's outcome, an element of smoke_runs.results.
type SmokeResult struct {
	Name     string `json:"name"`
	Passed   bool   `json:"passed"`
	Expected string `json:"expected"`
	Seen     string `json:"seen"`
}

// SmokeRun is a smoke_runs row: one `embodied smoke` run.
type SmokeRun struct {
	StartedAt  time.Time     `db:"started_at"`
	FinishedAt time.Time     `db:"finished_at"`
	Passed     bool          `db:"passed"`
	Total      int           `db:"total"`
	Failed     int           `db:"failed"`
	Results    []SmokeResult `db:"results"`
}

// RecordSmokeRun stores a smoke run.
func (s *Store) RecordSmokeRun(ctx context.Context, r SmokeRun) error {
	results, err := json.Marshal(r.Results)
	if err != nil {
		return fmt.Errorf("encode smoke results: %w", err)
	}
	_, err = s.pool.Exec(ctx, `
		INSERT INTO smoke_runs (started_at, finished_at, passed, total, failed, results)
		VALUES ($1, $2, $3, $4, $5, $6)`, r.StartedAt, r.FinishedAt, r.Passed, r.Total, r.Failed, results)
	if err != nil {
		return fmt.Errorf("record smoke run: %w", err)
	}
	return nil
}

// LastSmokeRun returns the newest smoke run, or ErrNotFound.
func (s *Store) LastSmokeRun(ctx context.Context) (SmokeRun, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT started_at, finished_at, passed, total, failed, results
		FROM smoke_runs ORDER BY finished_at DESC, id DESC LIMIT 1`)
	if err != nil {
		return SmokeRun{}, fmt.Errorf("read the last smoke run: %w", err)
	}
	run, err := one(pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[SmokeRun]))
	if errors.Is(err, ErrNotFound) {
		return SmokeRun{}, err
	}
	if err != nil {
		return SmokeRun{}, fmt.Errorf("read the last smoke run: %w", err)
	}
	return run, nil
}
