// Package schema applies, rolls back and verifies the database migrations in
// migrations/ with golang-migrate (pgx/v5 driver, embedded files). Its
// advisory lock makes concurrent `migrate up` calls from several processes
// safe: one applies, the others wait and find nothing to do.
package schema

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // registers pgx5://
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/embodied-community/embodied/migrations"
)

// Migration is one numbered migration from the embedded files.
type Migration struct {
	Version uint
	Name    string
}

var fileRE = regexp.MustCompile(`^(\d+)_(.+)\.(up|down)\.sql$`)

// Available lists the embedded migrations in order.
func Available() ([]Migration, error) {
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	seen := map[uint]bool{}
	var out []Migration
	for _, e := range entries {
		m := fileRE.FindStringSubmatch(e.Name())
		if m == nil || m[3] != "up" {
			continue
		}
		v, _ := strconv.ParseUint(m[1], 10, 32)
		if !seen[uint(v)] {
			seen[uint(v)] = true
			out = append(out, Migration{Version: uint(v), Name: m[1] + "_" + m[2]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Latest returns the highest embedded migration version.
func Latest() uint {
	ms, err := Available()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// Before returns the version of the migration applied just before v (0 when
// v is the first): the version to force after migration v failed.
func Before(v uint) uint {
	ms, err := Available()
	if err != nil {
		return 0
	}
	var prev uint
	for _, m := range ms {
		if m.Version >= v {
			break
		}
		prev = m.Version
	}
	return prev
}

// Migrator runs migrations against one database.
type Migrator struct {
	m *migrate.Migrate
	// connURL and password reach the same database for River's migrator.
	connURL, password string
	out               io.Writer
}

// progress prints golang-migrate's one line per applied migration, which
// carries its duration: "10/u add_security_audit (12.3ms)".
type progress struct{ w io.Writer }

func (p progress) Printf(format string, v ...any) {
	fmt.Fprintf(p.w, "  applied "+format, v...)
}
func (p progress) Verbose() bool { return false }

// Open connects to the database at connURL (a postgres:// URL) with password
// kept out of every message. Progress lines go to out (may be nil).
func Open(connURL, password string, out io.Writer) (*Migrator, error) {
	u, err := url.Parse(connURL)
	if err != nil {
		return nil, errors.New("parse database URL: invalid URL")
	}
	u.Scheme = "pgx5"
	if u.User != nil && password != "" {
		u.User = url.UserPassword(u.User.Username(), password)
	}
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("open embedded migrations: %w", err)
	}
	m, err := migrate.NewWithSourceInstance("iofs", src, u.String())
	if err != nil {
		return nil, fmt.Errorf("connect for migrations: %s", redact(err.Error(), password))
	}
	if out != nil {
		m.Log = progress{w: out}
	}
	return &Migrator{m: m, connURL: connURL, password: password, out: out}, nil
}

// redact removes a password from an error text that may quote the URL.
func redact(s, password string) string {
	if password == "" {
		return s
	}
	s = strings.ReplaceAll(s, url.QueryEscape(password), "xxxxx")
	return strings.ReplaceAll(s, password, "xxxxx")
}

// Close releases the connection.
func (mg *Migrator) Close() error {
	srcErr, dbErr := mg.m.Close()
	return errors.Join(srcErr, dbErr)
}

// Up applies every pending migration, then River's (see river.go). It is a
// no-op when current.
func (mg *Migrator) Up() error {
	if err := mg.m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrate up: %w", err)
	}
	return mg.withPool(func(ctx context.Context, pool *pgxpool.Pool) error { return RiverUp(ctx, pool, mg.out) })
}

// withPool runs fn on a pool of its own to the migrated database.
func (mg *Migrator) withPool(fn func(context.Context, *pgxpool.Pool) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cfg, err := pgxpool.ParseConfig(mg.connURL)
	if err != nil {
		return errors.New("parse database URL: invalid URL")
	}
	if mg.password != "" {
		cfg.ConnConfig.Password = mg.password
	}
	cfg.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect for river migrations: %s", redact(err.Error(), mg.password))
	}
	defer pool.Close()
	return fn(ctx, pool)
}

// Force records the schema as at version v, clean, without running any
// migration (0: none applied). Every migration runs in one transaction, so
// one that failed left nothing behind but golang-migrate's dirty mark; after
// fixing the cause, force the version before it and migrate up again.
func (mg *Migrator) Force(v uint) error {
	target := int(v)
	if v == 0 {
		target = database.NilVersion
	}
	if err := mg.m.Force(target); err != nil {
		return fmt.Errorf("migrate force %03d: %w", v, err)
	}
	return nil
}

// Down rolls back n migrations, or all of them when n <= 0. River's tables
// go only with all of them (first); rolling back n leaves them.
func (mg *Migrator) Down(n int) error {
	var err error
	if n <= 0 {
		if err := mg.withPool(riverDown); err != nil {
			return err
		}
		err = mg.m.Down()
	} else {
		err = mg.m.Steps(-n)
	}
	if err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrate down: %w", err)
	}
	return nil
}

// Version returns the applied version (0 when none) and whether the last
// migration failed half-way.
func (mg *Migrator) Version() (uint, bool, error) {
	v, dirty, err := mg.m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("read migration version: %w", err)
	}
	return v, dirty, nil
}
