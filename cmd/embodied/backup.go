package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/backup"
	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/store"
)

func init() {
	register("backup", "make, list or verify database backups", runBackup)
	register("restore", "restore a backup into a database", runRestore)
}

const backupSynopsis = `backup [--label L] | backup list | backup verify FILE [--restore]

  backup [--label L]          dump the database into SECOPS_BACKUP_DIR as
                              backup-<time>.sql.gz (labelled: backup-L-<time>.sql.gz,
                              never deleted by retention), then apply retention
  backup list                 list the backups, newest first
  backup verify FILE          check gzip integrity, checksum and pg_dump's trailer
  backup verify FILE --restore  also restore into a scratch database and compare
                              every table's row count with the manifest

Connects as MIGRATION_DATABASE_URL (the schema owner), else DATABASE_URL or DB_*.
Every backup, made or failed, is recorded in the audit log (as DATABASE_URL's
role); a failure exits 1 but, unlike the bot's, alerts no owner on Discord.
FILE is a name in SECOPS_BACKUP_DIR or a path.`

func runBackup(args []string, stdout, stderr io.Writer) error {
	fs := flags("backup", backupSynopsis, stdout)
	label := fs.String("label", "", "label for a kept backup, e.g. pre-phase11-prod")
	restore := fs.Bool("restore", false, "verify: also restore into a scratch database")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	action := ""
	if len(pos) > 0 {
		action, pos = pos[0], pos[1:]
	}
	switch action {
	case "":
		if *restore {
			return usagef("backup: --restore belongs to backup verify")
		}
		if *label != "" && !backup.ValidLabel(*label) {
			return usagef("backup: label %q: use letters, digits, '.', '_' and '-' (at most 64)", *label)
		}
	case "list":
		if len(pos) > 0 || *label != "" || *restore {
			return usagef("backup list takes no arguments")
		}
	case "verify":
		if len(pos) != 1 || *label != "" {
			return usagef("backup verify takes one FILE (and --restore)")
		}
	default:
		return usagef("backup: unknown action %q (list or verify; none to make a backup)", action)
	}

	cfg, e, err := engineFromEnv(stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch action {
	case "list":
		return backupList(e, stdout)
	case "verify":
		v, err := e.Verify(ctx, pos[0], *restore)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "OK %s: gzip intact, SHA-256 %s matches the manifest, dump complete (%s of SQL)\n",
			v.File, v.SHA256, backup.FormatSize(v.RawSize))
		if v.Restored {
			fmt.Fprintf(stdout, "OK restored into a scratch database: %d tables, row counts match the manifest\n", len(v.Tables))
		}
		return nil
	}
	fmt.Fprintln(stdout, backup.StartingMessage)
	res, err := e.Run(ctx, backup.Request{Label: *label, Trigger: backup.TriggerCLI})
	auditErr := reportBackup(cfg, *label, res, err)
	if err != nil {
		// The bot alerts the owners on Discord when a scheduled backup
		// fails; the CLI cannot, so it says so.
		fmt.Fprintln(stderr, "BACKUP FAILED. The owners have NOT been alerted (the CLI does not reach Discord): tell them.")
		if auditErr != nil {
			fmt.Fprintf(stderr, "The failure is not in the audit log either: %v\n", auditErr)
		}
		return fmt.Errorf("backup failed: %w", err)
	}
	fmt.Fprintln(stdout, res.Summary())
	fmt.Fprintf(stdout, "SHA-256: %s\nTables: %d\nDuration: %s\n", res.SHA256, len(res.Tables), res.Duration.Round(time.Millisecond))
	if lvl := backup.SizeLevel(res.Size); lvl != backup.LevelOK {
		fmt.Fprintf(stdout, "Size level: %s (warning over %s, critical over %s)\n", lvl,
			backup.FormatSize(backup.WarnSize), backup.FormatSize(backup.CriticalSize))
	}
	for _, f := range res.Pruned {
		fmt.Fprintf(stdout, "Deleted by retention: %s\n", f)
	}
	var pgErr *pgconn.PgError
	if errors.As(auditErr, &pgErr) && pgErr.Code == pgerrcode.UndefinedTable {
		// The pre-rollout backup of the runbook is taken before the
		// migrations create audit_log: nothing to record it in yet.
		fmt.Fprintln(stdout, "Not in the audit log: the database has no audit_log table yet (migrations not applied).")
		return nil
	}
	if auditErr != nil {
		return fmt.Errorf("backup %s was made but not recorded in the audit log: %w", res.File, auditErr)
	}
	return nil
}

// reportBackup hands a CLI backup (made or failed) to the Reporter the bot
// uses, which records it in audit_log as it records scheduled ones: guild
// "global", actor operator:<login>, action backup. The record is written
// as the application role (DATABASE_URL) through the store's
// same-transaction audit insert; the CLI has no metrics and no owner to
// alert.
func reportBackup(cfg *config.Config, label string, res backup.Result, runErr error) error {
	// Not the signal context: a backup cancelled by Ctrl-C is recorded too.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep := backup.Reporter{Actor: operator(), Audit: func(ctx context.Context, e audit.Entry) error {
		pool, err := store.Open(ctx, cfg.DatabaseURL, cfg.DBPassword.Reveal())
		if err != nil {
			return err
		}
		defer pool.Close()
		if err := store.New(pool).InTx(ctx, func(tx store.Tx) error { return tx.Audit(ctx, e) }); err != nil {
			return fmt.Errorf("record the backup in the audit log: %w", err)
		}
		return nil
	}}
	return rep.Report(ctx, backup.Outcome{Trigger: backup.TriggerCLI, Command: "embodied backup", Label: label, Result: res, Err: runErr})
}

func backupList(e *backup.Engine, stdout io.Writer) error {
	list, err := e.List()
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintf(stdout, "No backups in %s\n", e.Dir())
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tSIZE\tCREATED (UTC)\tLABEL\tTABLES\tMANIFEST")
	for _, en := range list {
		tables, manifest := "-", "missing"
		if en.Manifest != nil {
			tables, manifest = fmt.Sprint(len(en.Manifest.Tables)), "ok"
		}
		label := en.Label
		if label == "" {
			label = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", en.File, backup.FormatSize(en.Size),
			en.Time.Format("2006-01-02 15:04:05"), label, tables, manifest)
	}
	return tw.Flush()
}

func runRestore(args []string, stdout, stderr io.Writer) error {
	fs := flags("restore", `restore FILE --target-db NAME [--force]

  Restores FILE (a name in SECOPS_BACKUP_DIR or a path) into database NAME on the
  same server, with psql ON_ERROR_STOP in one transaction, after verifying it.
  A missing database is created. The live database, or one that holds tables,
  is refused unless --force, which drops and recreates it.

Connects as MIGRATION_DATABASE_URL (needs CREATEDB), else DATABASE_URL or DB_*.`, stdout)
	target := fs.String("target-db", "", "database to restore into (required)")
	force := fs.Bool("force", false, "overwrite an existing database, even the live one")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("restore takes one FILE")
	}
	if *target == "" {
		return usagef("restore: --target-db NAME is required")
	}
	_, e, err := engineFromEnv(stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := e.Restore(ctx, pos[0], *target, *force); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Restored %s into database %s\n", pos[0], *target)
	return nil
}

// engineFromEnv loads the configuration and builds the backup engine.
func engineFromEnv(stderr io.Writer) (*config.Config, *backup.Engine, error) {
	cfg, err := config.Load(false)
	if err != nil {
		return nil, nil, err
	}
	logger, _, err := logging.New(stderr, logging.Options{Format: cfg.LogFormat, Level: cfg.LogLevel})
	if err != nil {
		return nil, nil, err
	}
	e, err := backup.New(backup.OptionsFromConfig(cfg), logger)
	return cfg, e, err
}

// parseInterspersed parses flags that may follow positional arguments
// ("verify FILE --restore") and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parse(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos, args = append(pos, args[0]), args[1:]
	}
}
