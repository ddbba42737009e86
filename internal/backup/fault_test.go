package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/gzip"

	"github.com/embodied-community/embodied/internal/config"
	"github.com/embodied-community/embodied/internal/storetest"
)

func gz(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s)) //nolint:errcheck
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// waitFile waits until path exists and returns its content.
func waitFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 && bytes.HasSuffix(b, []byte("\n")) {
			return string(b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", path)
	return ""
}

func TestPasswordNeverInArgv(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	rec := t.TempDir()
	wrapper := script(t, "pg_dump", fmt.Sprintf(`
if [ "$1" != --version ]; then
  printf '%%s\n' "$@" > %[1]s/argv
  tr '\0' '\n' < /proc/$$/cmdline > %[1]s/cmdline
  if [ -n "$PGPASSWORD" ]; then echo set > %[1]s/pgpassword; fi
fi
exec %[2]s "$@"
`, rec, realPgDump(t)))
	// The password travels separately from the URL, as config does it.
	_, owner := storetest.URLs(t)
	u, pw := splitPassword(t, storetest.WithDatabase(owner, db.Name))
	e := newEngine(t, db, func(o *Options) {
		o.PgDumpPath = wrapper
		o.DatabaseURL, o.Password = u, config.Secret(pw)
	})
	if _, err := e.Run(context.Background(), Request{}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, f := range []string{"argv", "cmdline"} {
		b, err := os.ReadFile(filepath.Join(rec, f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), pw) {
			t.Errorf("the password appears in pg_dump's %s:\n%s", f, b)
		}
		if !strings.Contains(string(b), "--snapshot=") {
			t.Errorf("pg_dump's %s lacks --snapshot:\n%s", f, b)
		}
	}
	if _, err := os.Stat(filepath.Join(rec, "pgpassword")); err != nil {
		t.Error("pg_dump did not get PGPASSWORD in its environment")
	}
}

func splitPassword(t *testing.T, raw string) (string, string) {
	t.Helper()
	c, err := parseConn(raw, "")
	if err != nil || c.password == "" {
		t.Fatalf("parseConn(%q) = %+v, %v: the test cluster URL should hold a password", "…", c.url, err)
	}
	return c.url, c.password
}

func TestConcurrentBackupRefused(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	rec := t.TempDir()
	// This pg_dump dumps, then lingers until the test lets it go.
	slow := script(t, "pg_dump", fmt.Sprintf(`
[ "$1" = --version ] && exec %[2]s "$@"
%[2]s "$@" || exit 1
echo $$ > %[1]s/started
while [ ! -e %[1]s/release ]; do sleep 0.05; done
`, rec, realPgDump(t)))
	first := newEngine(t, db, func(o *Options) { o.PgDumpPath = slow })
	// Another process: same database, its own engine and directory.
	second := newEngine(t, db, nil)

	type outcome struct {
		res Result
		err error
	}
	done := make(chan outcome, 1)
	before := time.Now().Add(-time.Second)
	go func() {
		res, err := first.Run(context.Background(), Request{Trigger: TriggerScheduled})
		done <- outcome{res, err}
	}()
	waitFile(t, filepath.Join(rec, "started"))

	msgRE := regexp.MustCompile(`^A backup is already running \(started (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC\)$`)
	for name, e := range map[string]*Engine{"same process": first, "other process": second} {
		_, err := e.Run(context.Background(), Request{Trigger: TriggerManual})
		var re *RunningError
		if !errors.Is(err, ErrRunning) || !errors.As(err, &re) {
			t.Fatalf("%s: Run during a backup = %v, want ErrRunning", name, err)
		}
		m := msgRE.FindStringSubmatch(err.Error())
		if m == nil {
			t.Fatalf("%s: message %q", name, err.Error())
		}
		if re.Started.Before(before) || re.Started.After(time.Now()) {
			t.Errorf("%s: started %v, want about now", name, re.Started)
		}
	}
	if got := dirNames(t, second.Dir()); len(got) != 0 {
		t.Errorf("the refused backup left %v", got)
	}
	if err := os.WriteFile(filepath.Join(rec, "release"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if out := <-done; out.err != nil {
		t.Fatalf("first Run: %v", out.err)
	}
	// Once the first is done, the other process can back up.
	if _, err := second.Run(context.Background(), Request{}); err != nil {
		t.Fatalf("Run after the first finished: %v", err)
	}
}

func TestFailuresLeaveNothing(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	real := realPgDump(t)
	tests := []struct {
		name   string
		body   string // %[1]s: record dir, %[2]s: real pg_dump
		cancel bool
		want   string
	}{
		{
			name: "pg_dump fails half-way",
			body: `printf 'SET x = 1;\n%%0100000d\n' 0; echo "pg_dump: error: connection lost" >&2; exit 1`,
			want: "connection lost",
		},
		{
			name: "pg_dump ends early without its trailer",
			body: `printf 'SET x = 1;\n'`,
			want: "completion trailer",
		},
		{
			name:   "cancelled (SIGTERM) mid-dump",
			body:   `'%[2]s' "$@"; echo $$ > '%[1]s/started'; exec sleep 60`,
			cancel: true,
			want:   "cancelled",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := t.TempDir()
			body := fmt.Sprintf(`[ "$1" = --version ] && exec '%[2]s' "$@"`+"\n"+tt.body+"\n", rec, real)
			e := newEngine(t, db, func(o *Options) { o.PgDumpPath = script(t, "pg_dump", body) })
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			errc := make(chan error, 1)
			go func() {
				_, err := e.Run(ctx, Request{})
				errc <- err
			}()
			var pid int
			if tt.cancel {
				pid, _ = strconv.Atoi(strings.TrimSpace(waitFile(t, filepath.Join(rec, "started"))))
				if got := dirNames(t, e.Dir()); len(got) != 1 || !strings.HasPrefix(got[0], tempPrefix) {
					t.Errorf("during the dump the directory holds %v, want one temporary file", got)
				}
				cancel()
			}
			err := <-errc
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Run = %v, want an error saying %q", err, tt.want)
			}
			if got := dirNames(t, e.Dir()); len(got) != 0 {
				t.Errorf("the failed backup left %v", got)
			}
			if pid > 0 {
				if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
					t.Errorf("pg_dump (pid %d) still exists after the cancelled backup: %v", pid, err)
				}
			}
			if s := e.Status(); s.LastError == nil || s.Running {
				t.Errorf("Status() = %+v, want the failure recorded", s)
			}
		})
	}
}

func TestOldPgDumpRefused(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	old := script(t, "pg_dump", `echo "pg_dump (PostgreSQL) 9.6.24"`)
	e := newEngine(t, db, func(o *Options) { o.PgDumpPath = old })
	_, err := e.Run(context.Background(), Request{})
	if err == nil || !strings.Contains(err.Error(), "pg_dump 9.6.24") || !strings.Contains(err.Error(), "is older than the server") {
		t.Fatalf("Run with pg_dump 9.6 = %v, want a refusal", err)
	}
	if got := dirNames(t, e.Dir()); len(got) != 0 {
		t.Errorf("left %v", got)
	}
}

func TestParseClientVersion(t *testing.T) {
	tests := []struct {
		in        string
		major     int
		version   string
		wantMatch bool
	}{
		{"pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n", 15, "15.18", true},
		{"pg_dump (PostgreSQL) 17devel", 17, "17", true},
		{"pg_dump (PostgreSQL) 9.6.24\n", 9, "9.6.24", true},
		{"bash: pg_dump: command not found", 0, "", false},
	}
	for _, tt := range tests {
		major, version, ok := parseClientVersion(tt.in)
		if major != tt.major || version != tt.version || ok != tt.wantMatch {
			t.Errorf("parseClientVersion(%q) = %d, %q, %v; want %d, %q, %v", tt.in, major, version, ok, tt.major, tt.version, tt.wantMatch)
		}
	}
}

// TestDiskFull runs a backup in a child process whose file-size limit
// (RLIMIT_FSIZE) is far below the dump's size: writes fail with EFBIG as
// they would with ENOSPC on a full disk, without root or a special mount.
func TestDiskFull(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	seed(t, db)
	owner := storetest.Pool(t, db.OwnerURL)
	// Incompressible rows so the dump's gzip output outgrows the limit.
	mustExec(t, owner, `CREATE TABLE filler AS SELECT g, md5(g::text) || md5((g * 7)::text) AS v FROM generate_series(1, 20000) g`)
	dir := filepath.Join(t.TempDir(), "backups")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		"BACKUP_TEST_HELPER=diskfull",
		"BACKUP_TEST_DIR="+dir,
		"BACKUP_TEST_URL="+db.OwnerURL,
		"BACKUP_TEST_FSIZE=65536")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the helper succeeded under a 64 KiB file-size limit:\n%s", out)
	}
	t.Logf("helper output:\n%s", out)
	if !strings.Contains(string(out), "disk full") || !strings.Contains(string(out), "ErrDiskFull=true") {
		t.Errorf("helper output does not report a full disk:\n%s", out)
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Errorf("the failed backup left %v", got)
	}
}

// runHelper is the child side of TestDiskFull.
func runHelper(name string) int {
	if name != "diskfull" {
		fmt.Fprintf(os.Stderr, "unknown helper %q\n", name)
		return 3
	}
	limit, _ := strconv.ParseUint(os.Getenv("BACKUP_TEST_FSIZE"), 10, 64)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		fmt.Fprintf(os.Stderr, "setrlimit: %v\n", err)
		return 3
	}
	e, err := New(Options{Dir: os.Getenv("BACKUP_TEST_DIR"), DatabaseURL: os.Getenv("BACKUP_TEST_URL")}, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	_, err = e.Run(context.Background(), Request{Trigger: TriggerCLI})
	if err == nil {
		fmt.Println("backup succeeded")
		return 0
	}
	fmt.Printf("%v\nErrDiskFull=%v\n", err, errors.Is(err, ErrDiskFull))
	return 1
}

func TestStaleTemporaryFilesRemoved(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	e := newEngine(t, db, nil)
	if err := os.MkdirAll(e.Dir(), 0o700); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(e.Dir(), tempPrefix+"backup-2025-10-07T14-30-15.sql.gz.111")
	live := filepath.Join(e.Dir(), tempPrefix+"backup-2025-10-07T14-30-16.sql.gz.222")
	other := filepath.Join(e.Dir(), ".tmp-notes.txt")
	for _, p := range []string{stale, live, other} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A writer still holds live (another process's backup in progress).
	f, err := os.Open(live)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	res, err := e.Run(context.Background(), Request{})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := []string{filepath.Base(live), filepath.Base(other), res.File, ManifestName(res.File)}
	if diff := cmp.Diff(want, dirNames(t, e.Dir())); diff != "" {
		t.Errorf("directory mismatch (-want +got):\n%s", diff)
	}
}
