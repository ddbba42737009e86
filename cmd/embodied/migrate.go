package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/schema"
	"github.com/embodied-community/embodied/internal/store"
)

func init() {
	register("migrate", "apply, roll back, list or verify database migrations", runMigrate)
}

func runMigrate(args []string, stdout, stderr io.Writer) error {
	fs := flags("migrate", "migrate up|down [N]|status|verify|force N\n\n"+
		"  up        apply every pending migration (prints each one's duration),\n"+
		"            then River's job queue tables (rivermigrate)\n"+
		"  down [N]  roll back N migrations (all when N is omitted: River's tables too)\n"+
		"  status    show applied and pending migrations\n"+
		"  verify    check every expected table, column, index and constraint\n"+
		"  force N   after a migration failed (DIRTY) and its cause is fixed: record\n"+
		"            version N, the one before it, as applied (runs nothing)\n\n"+
		"Connects with MIGRATION_DATABASE_URL (the schema owner), else DATABASE_URL or DB_*.", stdout)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usagef("migrate: missing action (up, down, status, verify or force)")
	}
	action, rest := fs.Arg(0), fs.Args()[1:]
	cfg, err := config.Load(false)
	if err != nil {
		return err
	}
	switch action {
	case "up", "status":
		if len(rest) > 0 {
			return usagef("migrate %s takes no arguments", action)
		}
	case "down":
		if len(rest) > 1 {
			return usagef("migrate down takes at most one argument")
		}
	case "verify":
		return migrateVerify(cfg, stdout)
	case "force":
		if len(rest) != 1 {
			return usagef("migrate force takes one version (the one before the failed migration)")
		}
	default:
		return usagef("migrate: unknown action %q (up, down, status, verify or force)", action)
	}

	m, err := schema.Open(cfg.MigrationURL, cfg.MigrationPassword.Reveal(), stdout)
	if err != nil {
		return err
	}
	defer m.Close()
	switch action {
	case "up":
		start := time.Now()
		if err := m.Up(); err != nil {
			return err
		}
		v, _, err := m.Version()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Schema at version %03d, River's queue at %03d (%s)\n", v, schema.RiverVersion(), time.Since(start).Round(time.Millisecond))
		return nil
	case "down":
		n := 0
		if len(rest) == 1 {
			if n, err = strconv.Atoi(rest[0]); err != nil || n < 1 {
				return usagef("migrate down: %q is not a positive number", rest[0])
			}
		}
		if err := m.Down(n); err != nil {
			return err
		}
		v, _, err := m.Version()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Schema at version %03d\n", v)
		return nil
	case "force":
		return migrateForce(m, rest[0], stdout)
	default:
		return migrateStatus(m, stdout)
	}
}

// migrateForce clears a failed migration's dirty mark by recording version
// arg (0 or an embedded migration's version) as the current one.
func migrateForce(m *schema.Migrator, arg string, stdout io.Writer) error {
	v, err := strconv.ParseUint(arg, 10, 32)
	if err != nil {
		return usagef("migrate force: %q is not a version number", arg)
	}
	known := v == 0
	all, err := schema.Available()
	if err != nil {
		return err
	}
	for _, mg := range all {
		known = known || mg.Version == uint(v)
	}
	if !known {
		return usagef("migrate force: there is no migration %03d (see `embodied migrate status`)", v)
	}
	if err := m.Force(uint(v)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Schema recorded at version %03d; run `embodied migrate up`\n", v)
	return nil
}

func migrateStatus(m *schema.Migrator, stdout io.Writer) error {
	v, dirty, err := m.Version()
	if err != nil {
		return err
	}
	all, err := schema.Available()
	if err != nil {
		return err
	}
	for _, mg := range all {
		state := "pending"
		switch {
		case mg.Version == v && dirty:
			state = fmt.Sprintf("DIRTY (failed; nothing of it was applied: fix the cause, then `embodied migrate force %03d` and `embodied migrate up`)", schema.Before(mg.Version))
		case mg.Version <= v:
			state = "applied"
		}
		fmt.Fprintf(stdout, "%-32s %s\n", mg.Name, state)
	}
	if dirty {
		return fmt.Errorf("migration %03d is dirty", v)
	}
	return nil
}

func migrateVerify(cfg *config.Config, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := store.Open(ctx, cfg.MigrationURL, cfg.MigrationPassword.Reveal())
	if err != nil {
		return err
	}
	defer pool.Close()
	results, err := schema.Verify(ctx, pool)
	if err != nil {
		return err
	}
	failed := 0
	for _, r := range results {
		mark := "PASS"
		if !r.OK {
			mark = "FAIL"
			failed++
		}
		fmt.Fprintf(stdout, "%s %s\n", mark, r.Check)
	}
	fmt.Fprintf(stdout, "%d checks, %d failed\n", len(results), failed)
	if failed > 0 {
		return errors.New("schema verification failed")
	}
	return nil
}
