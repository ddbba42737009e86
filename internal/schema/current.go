package schema

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Why a database is not ready for this binary; CheckCurrent wraps one of
// them in an error that says what to do.
var (
	ErrNotMigrated = errors.New("no migrations applied")
	ErrDirty       = errors.New("a migration failed half-way")
	ErrBehind      = errors.New("migrations pending")
)

// CheckCurrent reports whether the database's migrations (golang-migrate's
// schema_migrations) are clean and at least at the binary's latest. Other
// errors, such as the role lacking SELECT on the table, come back wrapped
// as they are.
func CheckCurrent(ctx context.Context, pool *pgxpool.Pool) error {
	var version int64
	var dirty bool
	err := pool.QueryRow(ctx, `SELECT version, dirty FROM schema_migrations`).Scan(&version, &dirty)
	switch {
	case errors.Is(err, pgx.ErrNoRows), isUndefinedTable(err):
		return fmt.Errorf("%w: run `embodied migrate up` (as the schema owner)", ErrNotMigrated)
	case err != nil:
		return fmt.Errorf("read schema_migrations: %w", err)
	case dirty:
		return fmt.Errorf("%w: migration %03d (it runs in one transaction, so nothing of it was applied); fix the cause, then `embodied migrate force %03d` and `embodied migrate up`", ErrDirty, version, Before(uint(version)))
	case version < 0 || uint(version) < Latest():
		return fmt.Errorf("%w: the schema is at %03d, this binary needs %03d: run `embodied migrate up`", ErrBehind, version, Latest())
	}
	return nil
}

func isUndefinedTable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == pgerrcode.UndefinedTable
}
