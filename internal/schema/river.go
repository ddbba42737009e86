package schema

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// River's own tables (the durable job queue of internal/jobs) come from
// River's migrator, not from a numbered file: `migrate up` applies them
// after the numbered migrations, in the same schema, as the schema owner,
// then grants the application role what a River client needs. A full
// `migrate down` removes them first; `migrate down N` leaves them.

// riverMigrator returns River's migrator on pool.
func riverMigrator(pool *pgxpool.Pool) (*rivermigrate.Migrator[pgx.Tx], error) {
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, fmt.Errorf("river migrator: %w", err)
	}
	return m, nil
}

// RiverVersion is the version of River's schema this binary's River needs.
func RiverVersion() int {
	m, err := riverMigrator(nil)
	if err != nil {
		return 0
	}
	all := m.AllVersions()
	if len(all) == 0 {
		return 0
	}
	return all[len(all)-1].Version
}

// riverGrants gives the application role what a River client uses: rows of
// River's tables, their sequences and River's functions.
const riverGrants = `DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT c.relname, c.relkind FROM pg_class c
             WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
               AND c.relname LIKE 'river\_%' AND c.relkind IN ('r', 'p', 'S') LOOP
        IF r.relkind = 'S' THEN
            EXECUTE format('GRANT USAGE, SELECT, UPDATE ON SEQUENCE %I TO embodied_app', r.relname);
        ELSE
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO embodied_app', r.relname);
        END IF;
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure AS fn FROM pg_proc p
             WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
               AND p.proname LIKE 'river\_%' LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO embodied_app', r.fn);
    END LOOP;
END
$$`

// riverLock serialises River's migrations across concurrent `migrate up`
// calls, as golang-migrate's own lock does the numbered ones.
const riverLock = 0x7269766572 // "river"

// RiverUp applies River's pending migrations (each in its own transaction:
// one adds an enum value a later statement uses) and the grants to the
// application role, under an advisory lock held on a connection of its
// own; out gets one line per applied migration (may be nil). `migrate up`
// calls it after the numbered files; an operator who applies those with
// psql -f runs `embodied migrate up` afterwards, which does only this.
func RiverUp(ctx context.Context, pool *pgxpool.Pool, out io.Writer) error {
	m, err := riverMigrator(pool)
	if err != nil {
		return err
	}
	lock, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("lock river migrations: %w", err)
	}
	defer lock.Release()
	if _, err := lock.Exec(ctx, `SELECT pg_advisory_lock($1)`, riverLock); err != nil {
		return fmt.Errorf("lock river migrations: %w", err)
	}
	defer lock.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, riverLock) //nolint:errcheck
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("migrate river up: %w", err)
	}
	for _, v := range res.Versions {
		if out != nil {
			fmt.Fprintf(out, "  applied river %03d %s (%s)\n", v.Version, v.Name, v.Duration)
		}
	}
	if _, err := pool.Exec(ctx, riverGrants); err != nil {
		return fmt.Errorf("grant river tables to embodied_app: %w", err)
	}
	return nil
}

// riverDown removes River's tables (every River migration, down).
func riverDown(ctx context.Context, pool *pgxpool.Pool) error {
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('river_migration') IS NOT NULL`).Scan(&exists); err != nil {
		return fmt.Errorf("look for river tables: %w", err)
	}
	if !exists {
		return nil
	}
	m, err := riverMigrator(pool)
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionDown, &rivermigrate.MigrateOpts{TargetVersion: -1}); err != nil {
		return fmt.Errorf("migrate river down: %w", err)
	}
	return nil
}

// riverGrantsQuery answers the river_grants check: the application role
// may use every River table and sequence.
const riverGrantsQuery = `SELECT count(*) > 0 AND bool_and(CASE c.relkind
		WHEN 'S' THEN has_sequence_privilege($2::name, c.oid, 'USAGE, SELECT, UPDATE')
		ELSE has_table_privilege($2::name, c.oid, 'SELECT, INSERT, UPDATE, DELETE') END)
	FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
	AND c.relname LIKE 'river\_%' AND c.relkind IN ('r', 'p', 'S') AND $1 = $1`

// riverAt reports whether River's migrations are applied up to version want.
func riverAt(ctx context.Context, pool *pgxpool.Pool, want string) (bool, error) {
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('river_migration') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return false, err
	}
	var v *int64
	if err := pool.QueryRow(ctx, `SELECT max(version) FROM river_migration WHERE line = 'main'`).Scan(&v); err != nil {
		return false, fmt.Errorf("read river_migration: %w", err)
	}
	return v != nil && fmt.Sprint(*v) == want, nil
}

// riverChecks lists River's part of Expected.
func riverChecks() []Check {
	var c []Check
	for _, t := range []string{"river_job", "river_leader", "river_queue", "river_migration"} {
		c = append(c, Check{Kind: "table", Table: t})
	}
	return append(c,
		Check{Kind: "river_version", Table: "river_migration", Name: fmt.Sprint(RiverVersion())},
		Check{Kind: "river_grants", Table: "river", Name: "embodied_app"})
}
