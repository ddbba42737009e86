package backup

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/klauspost/compress/gzip"

	"github.com/embodied-community/embodied/internal/audit"
)

// lockKey is the advisory lock every process takes around a backup.
var lockKey = int64(binary.BigEndian.Uint64([]byte("embdbkup")))

// trailer is the last line pg_dump writes to a complete plain dump.
const trailer = "-- PostgreSQL database dump complete"

// gzipLevel is klauspost/compress's BestSpeed: on one core it compresses
// faster than pg_dump produces SQL (about 450 MB/s), so the backup runs at
// pg_dump's pace. The parallel pgzip measured slower here (BenchmarkCompress
// and BenchmarkBackup on 2 cores, where pg_dump and the server need the
// other core) and needs more memory; level 6 is 3× slower for a 5% smaller
// file.
const gzipLevel = gzip.BestSpeed

// pipeSize is the pg_dump pipe's capacity, so that pg_dump keeps writing
// while a block is being compressed.
const pipeSize = 1 << 20

// manifest is the JSON file beside each backup.
type manifest struct {
	Version int `json:"manifestVersion"`
	Result
}

// ErrCancelled is why a backup ended, or did not start, once Cancel was
// called.
var ErrCancelled = errors.New("the bot is shutting down")

// Cancel ends the backup running in this process, if any, as a cancelled
// context would (pg_dump stopped, the temporary file removed, no final
// name), and makes later Runs return ErrCancelled. The bot calls it first
// when it shuts down: a dump can outlast any shutdown budget, and the next
// start can simply back up again.
func (e *Engine) Cancel() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cancelled = true
	if e.cancel != nil {
		e.cancel()
	}
}

// Run makes one backup, then applies retention. A failed or cancelled run
// leaves no file with a final name behind.
func (e *Engine) Run(ctx context.Context, req Request) (res Result, err error) {
	if req.Label != "" && !ValidLabel(req.Label) {
		return Result{}, fmt.Errorf("backup label %q: use letters, digits, '.', '_' and '-' (at most 64)", req.Label)
	}
	if req.Trigger == "" {
		req.Trigger = TriggerManual
	}
	start := e.now()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	e.mu.Lock()
	if e.cancelled {
		e.mu.Unlock()
		return Result{}, fmt.Errorf("backup not started: %w", ErrCancelled)
	}
	if !e.running.IsZero() {
		started := e.running
		e.mu.Unlock()
		return Result{}, &RunningError{Started: started}
	}
	e.running, e.cancel = start, func() { cancel(ErrCancelled) }
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.running, e.cancel = time.Time{}, nil
		switch {
		case errors.Is(err, ErrRunning):
			// Another backup runs: nothing failed.
		case err != nil:
			e.status.LastError, e.status.LastErrorAt = err, e.now()
		default:
			e.status.LastError, e.status.LastErrorAt = nil, time.Time{}
			e.status.LastSuccess, e.status.LastSuccessAt = res, e.now()
		}
		e.mu.Unlock()
	}()

	log := e.logger.With("trigger", req.Trigger, "label", req.Label)
	log.Info("Backup started", "database", e.db.dbname, "dir", e.dir)
	res, err = e.run(ctx, req, start)
	if err != nil {
		if !errors.Is(err, ErrRunning) {
			log.Error("Backup failed", "error", err)
		}
		return res, err
	}
	attrs := []any{"file", res.File, "sizeBytes", res.Size, "size", FormatSize(res.Size),
		"durationMs", res.Duration.Milliseconds(), "tables", len(res.Tables), "sizeLevel", SizeLevel(res.Size)}
	if h := res.AuditHead; h != nil {
		attrs = append(attrs, "auditHeadSeq", h.Seq, "auditHeadHash", h.Hash)
	}
	log.Info("Backup completed", attrs...)
	switch SizeLevel(res.Size) {
	case LevelWarning:
		log.Warn("Backup size is over the warning threshold", "file", res.File, "size", FormatSize(res.Size))
	case LevelCritical:
		log.Error("Backup size is over the critical threshold", "file", res.File, "size", FormatSize(res.Size))
	}
	if e.retention > 0 {
		pruned, perr := e.Prune(e.now())
		res.Pruned = pruned
		if perr != nil {
			// The backup itself is fine; a retention problem is only logged.
			log.Warn("Backup retention failed", "error", perr)
		}
	}
	return res, nil
}

func (e *Engine) run(ctx context.Context, req Request, start time.Time) (Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	if err := os.MkdirAll(e.dir, 0o700); err != nil {
		return Result{}, fmt.Errorf("create backup directory: %w", classify(err))
	}
	if err := os.Chmod(e.dir, 0o700); err != nil {
		return Result{}, fmt.Errorf("restrict backup directory: %w", err)
	}

	c, err := e.db.connect(ctx)
	if err != nil {
		return Result{}, err
	}
	defer c.Close(context.Background())

	var locked bool
	if err := c.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", lockKey).Scan(&locked); err != nil {
		return Result{}, fmt.Errorf("take the backup lock: %w", err)
	}
	if !locked {
		return Result{}, &RunningError{Started: lockHolderStart(ctx, c)}
	}
	// Closing the connection releases the lock too.
	defer c.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", lockKey) //nolint:errcheck

	e.removeStaleTemps()

	var serverNum int
	var serverVersion string
	if err := c.QueryRow(ctx, "SELECT current_setting('server_version_num')::int, current_setting('server_version')").
		Scan(&serverNum, &serverVersion); err != nil {
		return Result{}, fmt.Errorf("read server version: %w", err)
	}
	dumpVersion, err := e.checkPgDump(ctx, serverNum, serverVersion)
	if err != nil {
		return Result{}, err
	}

	tx, err := c.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return Result{}, fmt.Errorf("begin snapshot transaction: %w", err)
	}
	defer tx.Rollback(context.Background()) //nolint:errcheck
	var snapshot string
	if err := tx.QueryRow(ctx, "SELECT pg_export_snapshot()").Scan(&snapshot); err != nil {
		return Result{}, fmt.Errorf("export snapshot: %w", err)
	}
	head, err := auditHead(ctx, tx)
	if err != nil {
		// The backup matters more than its anchor.
		e.logger.Warn("Backup without the audit chain head", "error", err)
	}

	name := FileName(req.Label, start)
	final := filepath.Join(e.dir, name)
	if _, err := os.Lstat(final); err == nil {
		return Result{}, fmt.Errorf("backup file %s already exists: try again in a second", name)
	}
	tmp, err := os.CreateTemp(e.dir, tempPrefix+name+".*")
	if err != nil {
		return Result{}, fmt.Errorf("create temporary backup file: %w", classify(err))
	}
	tmpName := tmp.Name()
	committed := false
	defer func() {
		if !committed {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	// The exclusive flock tells removeStaleTemps that this file is live.
	if err := syscall.Flock(int(tmp.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return Result{}, fmt.Errorf("lock temporary backup file: %w", err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		return Result{}, fmt.Errorf("restrict temporary backup file: %w", err)
	}

	// --enable-row-security: as the application role (MIGRATION_DATABASE_URL
	// unset), pg_dump would refuse the tables with row security rather than
	// read them through their policies; `migrate verify` checks the role's
	// policies let it read every row. The owner bypasses row security
	// either way.
	cmd := exec.CommandContext(ctx, e.pgDump,
		"--format=plain", "--no-password", "--lock-wait-timeout=60000", "--enable-row-security",
		"--snapshot="+snapshot, "--dbname="+e.db.url)
	cmd.Env = e.db.childEnv()
	stderr := &tailBuffer{}
	cmd.Stderr = stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return Result{}, fmt.Errorf("pg_dump pipe: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return Result{}, fmt.Errorf("start pg_dump: %w", err)
	}

	if f, ok := stdout.(*os.File); ok {
		// Best effort: a smaller pipe is only slower.
		_, _ = unix.FcntlInt(f.Fd(), unix.F_SETPIPE_SZ, pipeSize)
	}

	done := make(chan copied, 1)
	go func() {
		r := compress(tmp, stdout, req.Progress)
		if r.err != nil {
			cancel()                    // ends pg_dump
			io.Copy(io.Discard, stdout) //nolint:errcheck
		}
		done <- r
	}()

	var sqlCounts map[string]int64
	var countErr error
	if e.countInSnapshot {
		if sqlCounts, countErr = countRows(ctx, tx); countErr != nil {
			cancel()
		}
	}
	cp := <-done
	waitErr := cmd.Wait()
	switch {
	case cp.err != nil:
		return Result{}, fmt.Errorf("write backup: %w", cp.err)
	case countErr != nil:
		return Result{}, countErr
	case ctx.Err() != nil:
		return Result{}, fmt.Errorf("backup cancelled: %w", context.Cause(ctx))
	case waitErr != nil:
		return Result{}, fmt.Errorf("pg_dump failed: %w%s", waitErr, stderr.suffix())
	case !bytes.Contains(cp.tail, []byte(trailer)):
		return Result{}, fmt.Errorf("pg_dump exited without its completion trailer%s", stderr.suffix())
	}
	if diff := tableDiff(sqlCounts, cp.tables); e.countInSnapshot && len(diff) > 0 {
		return Result{}, fmt.Errorf("the dump's row counts differ from the snapshot's: %s", strings.Join(diff, "; "))
	}
	if err := tx.Commit(ctx); err != nil {
		return Result{}, fmt.Errorf("end snapshot transaction: %w", err)
	}

	res := Result{
		File: name, Path: final, Label: req.Label, Trigger: req.Trigger, Database: e.db.dbname,
		Started: start.UTC(), Duration: e.now().Sub(start), Size: cp.size, RawSize: cp.raw, SHA256: cp.sum,
		ServerVersion: serverVersion, PgDumpVersion: dumpVersion, Tables: cp.tables, AuditHead: head,
	}
	if err := tmp.Sync(); err != nil {
		return Result{}, fmt.Errorf("sync backup file: %w", classify(err))
	}
	if err := tmp.Close(); err != nil {
		return Result{}, fmt.Errorf("close backup file: %w", classify(err))
	}
	// The manifest goes first: a backup with a final name always has one.
	if err := writeManifest(filepath.Join(e.dir, ManifestName(name)), res); err != nil {
		return Result{}, err
	}
	if err := os.Rename(tmpName, final); err != nil {
		os.Remove(filepath.Join(e.dir, ManifestName(name)))
		return Result{}, fmt.Errorf("rename backup file: %w", err)
	}
	committed = true
	if err := syncDir(e.dir); err != nil {
		return res, fmt.Errorf("sync backup directory: %w", err)
	}
	return res, nil
}

// copied is what compress wrote.
type copied struct {
	raw, size int64            // bytes of SQL, bytes of file
	sum       string           // SHA-256 of the file
	tail      []byte           // the last bytes of SQL
	tables    map[string]int64 // rows per table, counted in the SQL
	err       error
}

// compress streams src through gzip into f, hashing the file and counting
// the rows of each table in the SQL.
func compress(f *os.File, src io.Reader, progress func(int64)) copied {
	h := sha256.New()
	out := &countingWriter{w: f, h: h, progress: progress}
	bw := bufio.NewWriterSize(out, 256<<10)
	zw, err := gzip.NewWriterLevel(bw, gzipLevel)
	if err != nil {
		return copied{err: err}
	}
	tw := &tailWriter{max: 256}
	rows := newCopyCounter()
	raw, err := io.CopyBuffer(io.MultiWriter(zw, tw, rows), src, make([]byte, 256<<10))
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return copied{raw: raw, size: out.n, err: classify(err)}
	}
	out.report(true)
	return copied{raw: raw, size: out.n, sum: hex.EncodeToString(h.Sum(nil)), tail: tw.buf, tables: rows.counts}
}

// countingWriter writes to the file, hashes what it writes and reports
// progress about once a second.
type countingWriter struct {
	w        io.Writer
	h        hash.Hash
	n        int64
	progress func(int64)
	last     time.Time
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	c.report(false)
	return n, err
}

func (c *countingWriter) report(final bool) {
	if c.progress == nil {
		return
	}
	if now := time.Now(); final || now.Sub(c.last) >= time.Second {
		c.last = now
		c.progress(c.n)
	}
}

// tailWriter keeps the last max bytes written.
type tailWriter struct {
	max int
	buf []byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	if len(p) >= t.max {
		t.buf = append(t.buf[:0], p[len(p)-t.max:]...)
		return len(p), nil
	}
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// tailBuffer keeps the last max bytes of a child's stderr for error messages.
type tailBuffer struct {
	tailWriter
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	if t.tailWriter.max == 0 {
		t.tailWriter.max = 4096
	}
	return t.tailWriter.Write(p)
}

// suffix renders the captured stderr as ": message", or "".
func (t *tailBuffer) suffix() string {
	s := strings.TrimSpace(string(t.buf))
	if s == "" {
		return ""
	}
	return ": " + s
}

// classify marks out-of-space errors with ErrDiskFull.
func classify(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", ErrDiskFull, err)
	}
	return err
}

func (c conn) connect(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(c.url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if c.password != "" {
		cfg.Password = c.password
	}
	pc, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database %s: %w", c.dbname, err)
	}
	return pc, nil
}

// lockHolderStart returns when the backup holding the lock began (its
// snapshot transaction's start), or zero when that cannot be seen.
func lockHolderStart(ctx context.Context, c *pgx.Conn) time.Time {
	var t *time.Time
	err := c.QueryRow(ctx, `
		SELECT COALESCE(a.xact_start, a.backend_start)
		FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted
		  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
		  AND l.classid = ($1::bigint >> 32)::oid AND l.objid = ($1::bigint & 4294967295)::oid
		  AND l.objsubid = 1
		LIMIT 1`, lockKey).Scan(&t)
	if err != nil || t == nil {
		return time.Time{}
	}
	return *t
}

// querier is a *pgx.Conn or a pgx.Tx.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// countRows counts the rows of every table that holds data (partitioned
// parents hold none: their partitions are counted), inside the snapshot
// transaction when tx is one.
func countRows(ctx context.Context, tx querier) (map[string]int64, error) {
	rows, _ := tx.Query(ctx, `
		SELECT n.nspname, c.relname
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r'
		  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
		ORDER BY 1, 2`)
	names, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pgx.Identifier, error) {
		var schema, name string
		err := r.Scan(&schema, &name)
		return pgx.Identifier{schema, name}, err
	})
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	counts := make(map[string]int64, len(names))
	for _, id := range names {
		var n int64
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+id.Sanitize()).Scan(&n); err != nil {
			return nil, fmt.Errorf("count rows of %s.%s: %w", id[0], id[1], err)
		}
		counts[id[0]+"."+id[1]] = n
	}
	return counts, nil
}

var versionRE = regexp.MustCompile(`\(PostgreSQL\) (\d+)((?:\.\d+)*)`)

// parseClientVersion returns the version and major version from
// `pg_dump --version` output ("pg_dump (PostgreSQL) 15.18 (Debian …)");
// 9.6 counts as major 9.
func parseClientVersion(out string) (major int, version string, ok bool) {
	m := versionRE.FindStringSubmatch(out)
	if m == nil {
		return 0, "", false
	}
	major, err := strconv.Atoi(m[1])
	if err != nil {
		return 0, "", false
	}
	return major, m[1] + m[2], true
}

// checkPgDump refuses a pg_dump older than the server's major version: it
// would fail half-way or, worse, miss objects.
func (e *Engine) checkPgDump(ctx context.Context, serverNum int, serverVersion string) (string, error) {
	cmd := exec.CommandContext(ctx, e.pgDump, "--version")
	cmd.Env = childEnv(os.Environ(), "")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("run %s --version: %w (install the PostgreSQL client tools or set the pg_dump path)", e.pgDump, err)
	}
	major, version, ok := parseClientVersion(string(out))
	if !ok {
		return "", fmt.Errorf("%s --version printed %q, not a pg_dump version", e.pgDump, strings.TrimSpace(string(out)))
	}
	if serverMajor := serverNum / 10000; major < serverMajor {
		return "", fmt.Errorf("pg_dump %s (%s) is older than the server (PostgreSQL %s): install the PostgreSQL %d client tools (Debian: apt-get install postgresql-client-%d) and put them first on PATH",
			version, e.pgDump, serverVersion, serverMajor, serverMajor)
	}
	return version, nil
}

// auditHead reads the audit chain's head in the snapshot being dumped,
// inside a savepoint so that a database without the chain (not yet
// migrated) leaves the snapshot's transaction usable: that is no error.
func auditHead(ctx context.Context, tx pgx.Tx) (*audit.Anchor, error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit chain head: savepoint: %w", err)
	}
	head, err := audit.Head(ctx, sp)
	if err != nil {
		if rerr := sp.Rollback(ctx); rerr != nil {
			return nil, fmt.Errorf("audit chain head: roll back to savepoint: %w", rerr)
		}
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (pgErr.Code == pgerrcode.UndefinedTable || pgErr.Code == pgerrcode.UndefinedColumn) {
			return nil, nil
		}
		return nil, err
	}
	if err := sp.Commit(ctx); err != nil {
		return nil, fmt.Errorf("audit chain head: release savepoint: %w", err)
	}
	if head.IsZero() {
		return nil, nil
	}
	return &head, nil
}

// ReadManifest reads a backup's manifest, named by its own path or by the
// backup file's.
func ReadManifest(path string) (Result, error) {
	return readManifest(filepath.Dir(path), strings.TrimSuffix(filepath.Base(path), manifestExt))
}

func writeManifest(path string, res Result) error {
	data, err := json.MarshalIndent(manifest{Version: 1, Result: res}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create manifest: %w", classify(err))
	}
	_, err = f.Write(append(data, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write manifest: %w", classify(err))
	}
	return nil
}

// readManifest reads the manifest of backup file name in dir.
func readManifest(dir, name string) (Result, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestName(name)))
	if err != nil {
		return Result{}, fmt.Errorf("read manifest of %s: %w", name, err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return Result{}, fmt.Errorf("decode manifest of %s: %w", name, err)
	}
	m.Result.Path = filepath.Join(dir, name)
	return m.Result, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// removeStaleTemps deletes temporary files left by a crashed backup: ours by
// name, and no longer locked by a live writer.
func (e *Engine) removeStaleTemps() {
	entries, err := os.ReadDir(e.dir)
	if err != nil {
		return
	}
	for _, ent := range entries {
		if !ent.Type().IsRegular() || !strings.HasPrefix(ent.Name(), tempPrefix+"backup-") {
			continue
		}
		p := filepath.Join(e.dir, ent.Name())
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			e.logger.Warn("Removing a temporary file left by an interrupted backup", "file", ent.Name())
			os.Remove(p)
		}
		f.Close()
	}
}
