package doctor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sys/unix"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/schema"
	"github.com/embodied-community/embodied/internal/store"
)

func checkMigrations(ctx context.Context, r *Report, pool *pgxpool.Pool) {
	const name = "migrations current and verified"
	if err := schema.CheckCurrent(ctx, pool); err != nil {
		fix := "run `embodied migrate up` (as MIGRATION_DATABASE_URL, the schema owner)"
		if errors.Is(err, schema.ErrDirty) {
			fix = "fix the cause, then `embodied migrate force` the version before the failed one (`embodied migrate status` names it) and `embodied migrate up`"
		}
		r.add(Fail, name, err.Error(), fix)
		return
	}
	results, err := schema.Verify(ctx, pool)
	if err != nil {
		r.add(Fail, name, err.Error(), "run `embodied migrate verify` for details")
		return
	}
	var missing []string
	for _, x := range results {
		if !x.OK {
			missing = append(missing, x.Check.String())
		}
	}
	if len(missing) > 0 {
		r.add(Fail, name, fmt.Sprintf("%d of %d schema checks fail: %s", len(missing), len(results), strings.Join(missing, ", ")),
			"run `embodied migrate verify`; re-apply the named migration with `embodied migrate down 1 && embodied migrate up` on a copy first")
		return
	}
	r.add(Pass, name, fmt.Sprintf("at %03d, %d schema checks pass", schema.Latest(), len(results)), "")
}

var pgDumpVersionRE = regexp.MustCompile(`\(PostgreSQL\) (\d+)((?:\.\d+)*)`)

func checkPgDump(ctx context.Context, r *Report, db *store.Store, pgDump string) {
	const name = "pg_dump present and compatible"
	out, err := exec.CommandContext(ctx, pgDump, "--version").Output()
	if err != nil {
		r.add(Fail, name, fmt.Sprintf("%s --version: %v", pgDump, err), "install the PostgreSQL client tools (Debian: apt-get install postgresql-client)")
		return
	}
	m := pgDumpVersionRE.FindStringSubmatch(string(out))
	if m == nil {
		r.add(Fail, name, fmt.Sprintf("%s printed %q", pgDump, strings.TrimSpace(string(out))), "put PostgreSQL's pg_dump first on PATH")
		return
	}
	major, _ := strconv.Atoi(m[1])
	serverNum, err := db.ServerVersionNum(ctx)
	if err != nil {
		r.add(Warn, name, "pg_dump "+m[1]+m[2]+"; server version unknown: "+err.Error(), "")
		return
	}
	if major < serverNum/10000 {
		r.add(Fail, name, fmt.Sprintf("pg_dump %s%s is older than the server (%d)", m[1], m[2], serverNum/10000),
			fmt.Sprintf("install the PostgreSQL %d client tools (Debian: apt-get install postgresql-client-%d)", serverNum/10000, serverNum/10000))
		return
	}
	r.add(Pass, name, fmt.Sprintf("pg_dump %s%s, server %d", m[1], m[2], serverNum/10000), "")
}

// Free space thresholds for the backup directory.
const (
	minFree  = 100 << 20
	warnFree = 1 << 30
)

func checkBackupDir(ctx context.Context, r *Report, cfg *config.Config, db *store.Store) {
	const name = "backup directory writable with free space"
	dir := cfg.BackupDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		r.add(Fail, name, err.Error(), "create "+dir+" writable by the bot's user, or set SECOPS_BACKUP_DIR")
		return
	}
	f, err := os.CreateTemp(dir, ".doctor-*")
	if err != nil {
		r.add(Fail, name, dir+" is not writable: "+err.Error(), "chown the directory to the bot's user, or set SECOPS_BACKUP_DIR")
		return
	}
	f.Close()
	os.Remove(f.Name())
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		r.add(Warn, name, "free space unknown: "+err.Error(), "")
		return
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	need := int64(warnFree)
	if db != nil {
		if size, err := db.DatabaseSize(ctx); err == nil {
			need = max(need, 3*size)
		}
	}
	abs, _ := filepath.Abs(dir)
	detail := fmt.Sprintf("%s, %d MB free", abs, free>>20)
	switch {
	case free < minFree:
		r.add(Fail, name, detail, "free disk space or point SECOPS_BACKUP_DIR at a larger disk")
	case free < need:
		r.add(Warn, name, detail+fmt.Sprintf(" (less than %d MB: three uncompressed database sizes, at least 1 GB)", need>>20),
			"free disk space or lower SECOPS_BACKUP_RETENTION_DAYS")
	default:
		r.add(Pass, name, detail, "")
	}
}

// since formats an age for details.
func since(now, t time.Time) string {
	return now.Sub(t).Round(time.Minute).String() + " ago"
}
