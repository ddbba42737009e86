// Package store is the bot's PostgreSQL access layer (pgx/v5, no ORM). SQL
// sits next to the method that runs it, one file per table or area. Every
// method that touches guild data takes the guild id and scopes its query by
// it, so no caller can forget to.
//
// All the SQL the bot runs is here, with one Go type per table. The
// exceptions, each explained in its own package comment: the migrations and
// the schema verifier (internal/schema), the backup engine's snapshot
// session, which must run on the connection whose snapshot pg_dump imports
// (internal/backup), and test fixtures (storetest, privacytest). Services
// take the narrow interface they use (strike.Store, modrules.Store, …), each
// with a compile-time check that *Store satisfies it.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrNotFound is returned when a row asked for does not exist.
var ErrNotFound = errors.New("not found")

// Store wraps the connection pool. Its calls wait for the database as long
// as their context allows, or the wait WithWait sets.
type Store struct {
	pool db
}

// New returns a Store using pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: db{pool: pool}} }

// Open creates a pool for connURL (without password) authenticating with
// password. Errors never contain the password.
func Open(ctx context.Context, connURL, password string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(connURL)
	if err != nil {
		return nil, errors.New("parse database URL: invalid connection string")
	}
	if password != "" {
		cfg.ConnConfig.Password = password
	}
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "embodied"
	}
	cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	return pool, nil
}

// Ping checks that the database answers within ctx.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// inTx runs fn in a transaction, committing when fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// one maps pgx.ErrNoRows to ErrNotFound.
func one[T any](v T, err error) (T, error) {
	if errors.Is(err, pgx.ErrNoRows) {
		return v, ErrNotFound
	}
	return v, err
}
