package backup

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/klauspost/compress/gzip"
)

// Verification is what Verify found.
type Verification struct {
	File     string
	Size     int64  // bytes in the .sql.gz file
	RawSize  int64  // bytes of SQL
	SHA256   string // of the file, hex
	Manifest *Result
	// Restored is set when the backup was restored into a scratch
	// database; Tables then holds that database's row counts.
	Restored bool
	Tables   map[string]int64
	Duration time.Duration
}

// ErrVerify matches every verification failure (corruption, checksum or
// row-count mismatch, missing trailer or manifest).
var ErrVerify = errors.New("backup verification failed")

// resolve returns the path of a backup named by base name (in the backup
// directory) or by path.
func (e *Engine) resolve(file string) string {
	if strings.ContainsRune(file, os.PathSeparator) {
		return file
	}
	return filepath.Join(e.dir, file)
}

// Verify checks a backup: the gzip stream is intact, the SHA-256 and sizes
// match the manifest, and the SQL ends with pg_dump's completion trailer.
// With restore it also restores the backup into a scratch database (with
// the admin connection), compares every table's row count with the
// manifest and drops the scratch database.
func (e *Engine) Verify(ctx context.Context, file string, restore bool) (Verification, error) {
	start := time.Now()
	path := e.resolve(file)
	v := Verification{File: filepath.Base(path)}
	m, merr := readManifest(filepath.Dir(path), filepath.Base(path))
	if merr == nil {
		v.Manifest = &m
	}
	raw, size, sum, tail, err := scan(path)
	v.RawSize, v.Size, v.SHA256 = raw, size, sum
	if err != nil {
		return v, err
	}
	var problems []string
	if !bytes.Contains(tail, []byte(trailer)) {
		problems = append(problems, "the SQL does not end with pg_dump's completion trailer (the dump is truncated)")
	}
	if merr != nil {
		problems = append(problems, fmt.Sprintf("no usable manifest: %v", merr))
	} else {
		if m.SHA256 != sum {
			problems = append(problems, fmt.Sprintf("SHA-256 %s does not match the manifest's %s", sum, m.SHA256))
		}
		if m.Size != size {
			problems = append(problems, fmt.Sprintf("size %d does not match the manifest's %d", size, m.Size))
		}
		if m.RawSize != raw {
			problems = append(problems, fmt.Sprintf("SQL size %d does not match the manifest's %d", raw, m.RawSize))
		}
	}
	if len(problems) > 0 {
		return v, fmt.Errorf("%w: %s: %s", ErrVerify, v.File, strings.Join(problems, "; "))
	}
	if restore {
		tables, err := e.restoreDrill(ctx, path)
		if err != nil {
			return v, err
		}
		v.Restored, v.Tables = true, tables
		if diff := tableDiff(m.Tables, tables); len(diff) > 0 {
			return v, fmt.Errorf("%w: %s: restored row counts differ from the manifest: %s", ErrVerify, v.File, strings.Join(diff, "; "))
		}
	}
	v.Duration = time.Since(start)
	e.logger.Info("Backup verified", "file", v.File, "restored", v.Restored, "durationMs", v.Duration.Milliseconds())
	return v, nil
}

// scan reads a .sql.gz file once: its size and SHA-256, the size of the SQL
// and its last bytes. Corruption is an ErrVerify error.
func scan(path string) (raw, size int64, sum string, tail []byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, "", nil, fmt.Errorf("open backup: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	cr := &countReader{r: io.TeeReader(f, h)}
	zr, err := gzip.NewReader(bufio.NewReaderSize(cr, 256<<10))
	if err != nil {
		return 0, cr.n, "", nil, fmt.Errorf("%w: %s is not gzip: %w", ErrVerify, filepath.Base(path), err)
	}
	tw := &tailWriter{max: 256}
	raw, err = io.CopyBuffer(tw, zr, make([]byte, 256<<10))
	if err != nil {
		return raw, cr.n, "", nil, fmt.Errorf("%w: %s: gzip data is corrupt after %d bytes of SQL: %w", ErrVerify, filepath.Base(path), raw, err)
	}
	return raw, cr.n, hex.EncodeToString(h.Sum(nil)), tw.buf, nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// tableDiff lists the tables whose row counts differ.
func tableDiff(want, got map[string]int64) []string {
	names := map[string]bool{}
	for n := range want {
		names[n] = true
	}
	for n := range got {
		names[n] = true
	}
	var out []string
	for n := range names {
		w, inWant := want[n]
		g, inGot := got[n]
		switch {
		case !inGot:
			out = append(out, fmt.Sprintf("%s missing (manifest: %d rows)", n, w))
		case !inWant:
			out = append(out, fmt.Sprintf("%s not in the manifest (%d rows)", n, g))
		case w != g:
			out = append(out, fmt.Sprintf("%s has %d rows, manifest %d", n, g, w))
		}
	}
	sort.Strings(out)
	return out
}

// restoreDrill restores path into a new scratch database, counts its rows
// and drops it.
func (e *Engine) restoreDrill(ctx context.Context, path string) (map[string]int64, error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "embodied_verify_" + hex.EncodeToString(b[:])
	if err := e.adminExec(ctx, name, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return nil, fmt.Errorf("create scratch database (needs CREATEDB): %w", err)
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := e.adminExec(dctx, name, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			e.logger.Error("Could not drop the scratch database", "database", name, "error", err)
		}
	}()
	target := e.admin.withDatabase(name)
	if err := e.psqlRestore(ctx, path, target); err != nil {
		return nil, err
	}
	c, err := target.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close(context.Background())
	return countRows(ctx, c)
}

// adminExec runs a database-level statement as the admin role from a
// database other than target.
func (e *Engine) adminExec(ctx context.Context, target, sql string) error {
	var errs []error
	for _, db := range []string{e.admin.dbname, "postgres", "template1"} {
		if db == target {
			continue
		}
		c, err := e.admin.withDatabase(db).connect(ctx)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		_, err = c.Exec(ctx, sql)
		c.Close(context.Background())
		return err
	}
	return errors.Join(errs...)
}

// psqlRestore feeds the SQL of path to psql in one transaction that stops
// at the first error.
func (e *Engine) psqlRestore(ctx context.Context, path string, target conn) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open backup: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 256<<10))
	if err != nil {
		return fmt.Errorf("read backup: %w", err)
	}
	cmd := exec.CommandContext(ctx, e.psql, "--no-psqlrc", "--quiet", "--no-password",
		"--set=ON_ERROR_STOP=1", "--single-transaction", "--file=-", "--dbname="+target.url)
	cmd.Env = target.childEnv()
	cmd.Stdin = zr
	cmd.Stdout = io.Discard
	stderr := &tailBuffer{}
	cmd.Stderr = stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("psql restore into %s failed: %w%s", target.dbname, err, stderr.suffix())
	}
	return nil
}

// dbInfo describes an existing database for the restore refusal.
type dbInfo struct {
	exists bool
	tables int64
	rows   int64
	size   int64
}

func (e *Engine) inspect(ctx context.Context, name string) (dbInfo, error) {
	var info dbInfo
	c, err := e.admin.withDatabase(name).connect(ctx)
	if err != nil {
		// Tell "does not exist" apart from other failures through the catalog.
		var exists bool
		ac, aerr := e.admin.connect(ctx)
		if aerr != nil {
			ac, aerr = e.admin.withDatabase("postgres").connect(ctx)
		}
		if aerr != nil {
			return info, err
		}
		defer ac.Close(context.Background())
		if qerr := ac.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); qerr != nil {
			return info, qerr
		}
		if exists {
			return info, err
		}
		return info, nil
	}
	defer c.Close(context.Background())
	info.exists = true
	counts, err := countRows(ctx, c)
	if err != nil {
		return info, fmt.Errorf("inspect database %s: %w", name, err)
	}
	info.tables = int64(len(counts))
	for _, n := range counts {
		info.rows += n
	}
	if err := c.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&info.size); err != nil {
		return info, fmt.Errorf("inspect database %s: %w", name, err)
	}
	return info, nil
}

// Restore restores a backup into database targetDB on the same server, as
// the admin role, in one transaction that stops at the first error. The
// backup is verified first. A missing database is created; an empty one is
// used as is. An existing database with tables — and always the live one
// the bot uses — is refused unless force, in which case it is dropped and
// recreated; the refusal says what would be overwritten.
func (e *Engine) Restore(ctx context.Context, file, targetDB string, force bool) error {
	if targetDB == "" {
		return errors.New("restore: no target database named")
	}
	path := e.resolve(file)
	if _, err := e.Verify(ctx, path, false); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	info, err := e.inspect(ctx, targetDB)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	live := targetDB == e.db.dbname
	what := fmt.Sprintf("database %s (%d tables, %d rows, %s)", targetDB, info.tables, info.rows, FormatSize(info.size))
	if info.exists && (live || info.tables > 0) && !force {
		why := "it already exists and holds data"
		if live {
			why = "it is the live database the bot uses"
		}
		return fmt.Errorf("refusing to restore %s into %s: %s; with --force it would be dropped and replaced by the backup, losing everything written since", filepath.Base(path), what, why)
	}
	log := e.logger.With("file", filepath.Base(path), "database", targetDB)
	q := pgx.Identifier{targetDB}.Sanitize()
	switch {
	case info.exists && (live || info.tables > 0):
		log.Warn("Restore overwrites a database", "tables", info.tables, "rows", info.rows, "live", live)
		if err := e.adminExec(ctx, targetDB, "DROP DATABASE "+q+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("restore: drop %s: %w", targetDB, err)
		}
		fallthrough
	case !info.exists:
		if err := e.adminExec(ctx, targetDB, "CREATE DATABASE "+q); err != nil {
			return fmt.Errorf("restore: create %s (needs CREATEDB): %w", targetDB, err)
		}
	}
	start := time.Now()
	if err := e.psqlRestore(ctx, path, e.admin.withDatabase(targetDB)); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	// A dump holds no database privileges: a new database grants PUBLIC
	// TEMPORARY again, which migration 062 took away (a TEMP table may
	// shadow audit_log in a session). A non-owner's REVOKE only warns;
	// `embodied migrate verify` then names it.
	if err := e.adminExec(ctx, targetDB, "REVOKE TEMPORARY ON DATABASE "+q+" FROM PUBLIC"); err != nil {
		return fmt.Errorf("restore: revoke TEMPORARY on %s: %w", targetDB, err)
	}
	log.Info("Backup restored", "durationMs", time.Since(start).Milliseconds())
	return nil
}
