// Package storetest gives each test its own freshly migrated PostgreSQL
// database on the real server that `make test` starts (or that DATABASE_URL
// and MIGRATION_DATABASE_URL point at), so tests run in parallel without
// seeing each other's rows.
//
// The migrations are applied once per schema version into a template
// database; each test then gets a cheap copy of it. Tests connect as the
// non-superuser application role, exactly as the bot does.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/embodied-community/embodied/internal/schema"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/migrations"
)

// DB is one test's database.
type DB struct {
	Name string
	// AppURL and OwnerURL connect to this database as the application role
	// and as the schema owner (passwords included: test clusters only).
	AppURL, OwnerURL string
	// App is a pool logged in as the application role.
	App *pgxpool.Pool
	// Store wraps App.
	Store *store.Store
}

// URLs returns the application and owner connection strings from the
// environment, failing the test with the fix when they are missing.
func URLs(t testing.TB) (app, owner string) {
	t.Helper()
	app = os.Getenv("DATABASE_URL")
	owner = os.Getenv("MIGRATION_DATABASE_URL")
	if app == "" || owner == "" {
		t.Fatal("DATABASE_URL and MIGRATION_DATABASE_URL are not set: run the tests with `make test`, which starts a throwaway PostgreSQL cluster")
	}
	return app, owner
}

// WithDatabase returns connURL pointing at database name.
func WithDatabase(connURL, name string) string {
	u, err := url.Parse(connURL)
	if err != nil {
		panic(fmt.Sprintf("storetest: bad URL: %v", err))
	}
	u.Path = "/" + name
	return u.String()
}

// New creates a migrated database for t, connects to it as the application
// role and drops it when the test ends.
func New(t testing.TB) *DB {
	t.Helper()
	appURL, ownerURL := URLs(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	admin, err := pgxpool.New(ctx, ownerURL)
	if err != nil {
		t.Fatalf("connect as owner: %v", err)
	}
	defer admin.Close()
	tmpl, err := template(ctx, admin, ownerURL)
	if err != nil {
		t.Fatalf("prepare template database: %v", err)
	}
	name := "test_" + randomSuffix()
	if err := createFrom(ctx, admin, name, tmpl); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() { drop(ownerURL, name) })
	// A copy does not inherit the template's database privileges: take
	// TEMPORARY from PUBLIC again, as migration 062 did on the template.
	if _, err := admin.Exec(ctx, "REVOKE TEMPORARY ON DATABASE "+name+" FROM PUBLIC"); err != nil {
		t.Fatalf("revoke TEMPORARY on the test database: %v", err)
	}

	db := &DB{Name: name, AppURL: WithDatabase(appURL, name), OwnerURL: WithDatabase(ownerURL, name)}
	db.App, err = store.Open(ctx, db.AppURL, "")
	if err != nil {
		t.Fatalf("connect as application role: %v", err)
	}
	t.Cleanup(db.App.Close)
	db.Store = store.New(db.App)
	return db
}

// Empty creates an empty database (no migrations) owned by the schema owner,
// for migration tests. It returns the owner URL for it.
func Empty(t testing.TB) string {
	t.Helper()
	_, ownerURL := URLs(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgxpool.New(ctx, ownerURL)
	if err != nil {
		t.Fatalf("connect as owner: %v", err)
	}
	defer admin.Close()
	name := "test_" + randomSuffix()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create empty database: %v", err)
	}
	t.Cleanup(func() { drop(ownerURL, name) })
	return WithDatabase(ownerURL, name)
}

// Pool opens a pool to connURL that closes when the test ends.
func Pool(t testing.TB, connURL string) *pgxpool.Pool {
	t.Helper()
	p, err := pgxpool.New(context.Background(), connURL)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

func randomSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// migrationsHash identifies the schema version so that a changed migration
// gets a new template.
func migrationsHash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(data))
		h.Write(data)
		return nil
	})
	fmt.Fprintf(h, "river\x00%d", schema.RiverVersion()) // migrate up applies River's too
	return hex.EncodeToString(h.Sum(nil))[:12], err
}

// template returns the name of a migrated template database, creating it
// under an advisory lock so that parallel test binaries share one.
func template(ctx context.Context, admin *pgxpool.Pool, ownerURL string) (string, error) {
	hash, err := migrationsHash()
	if err != nil {
		return "", fmt.Errorf("hash migrations: %w", err)
	}
	name := "embodied_tmpl_" + hash
	conn, err := admin.Acquire(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Release()
	key := int64(binary.BigEndian.Uint64([]byte(hash[:8])))
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return "", err
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", key) //nolint:errcheck
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_build"
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	m, err := schema.Open(WithDatabase(ownerURL, building), "", nil)
	if err != nil {
		return "", err
	}
	upErr := m.Up()
	if err := errors.Join(upErr, m.Close()); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
		return "", err
	}
	return name, nil
}

func createFrom(ctx context.Context, admin *pgxpool.Pool, name, tmpl string) error {
	var err error
	for attempt := 0; attempt < 50; attempt++ {
		_, err = admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+tmpl)
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "55006" {
			return err
		}
		time.Sleep(100 * time.Millisecond) // template briefly in use by a concurrent copy
	}
	return err
}

func drop(ownerURL, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgxpool.New(ctx, ownerURL)
	if err != nil {
		return
	}
	defer admin.Close()
	if !strings.HasPrefix(name, "test_") {
		return
	}
	_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
}

// SuperuserURL returns a superuser connection to db's database, for tests
// that must bypass what the application role cannot (for example, tampering
// with the append-only audit log to prove verification catches it).
func (db *DB) SuperuserURL(t testing.TB) string {
	t.Helper()
	su := os.Getenv("SUPERUSER_DATABASE_URL")
	if su == "" {
		t.Fatal("SUPERUSER_DATABASE_URL is not set: run the tests with `make test`")
	}
	return WithDatabase(su, db.Name)
}
