package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
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

// TestChildEnvironment runs pg_dump and psql (through wrappers that record
// their environment) with a URL holding the password as a query parameter,
// in a process whose environment holds the bot's secrets: the children get
// the password only as PGPASSWORD, and none of the secrets.
func TestChildEnvironment(t *testing.T) {
	// Not parallel: t.Setenv changes the whole process's environment.
	t.Setenv("DISCORD_TOKEN", "discord-token-must-not-leak")
	t.Setenv("DB_PASSWORD", "db-password-must-not-leak")
	t.Setenv("PGPASSWORD", "inherited-password-must-not-leak")
	t.Setenv("PGCONNECT_TIMEOUT", "17")
	db := storetest.New(t)
	rec := t.TempDir()
	wrap := func(name, real string) string {
		return script(t, name, fmt.Sprintf(`
tag=run; [ "$1" = --version ] && tag=version
tr '\0' '\n' < /proc/$$/environ > %[1]s/%[2]s-$tag.environ
tr '\0' '\n' < /proc/$$/cmdline > %[1]s/%[2]s-$tag.cmdline
exec %[3]s "$@"
`, rec, name, real))
	}
	realPsql, err := exec.LookPath("psql")
	if err != nil {
		t.Fatalf("psql not on PATH (run the tests with scripts/with-db.sh): %v", err)
	}
	_, owner := storetest.URLs(t)
	u, pw := splitPassword(t, storetest.WithDatabase(owner, db.Name))
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := parsed.Query()
	q.Set("password", pw)
	parsed.RawQuery = q.Encode()
	withQuery := parsed.String()
	e := newEngine(t, db, func(o *Options) {
		o.PgDumpPath, o.PsqlPath = wrap("pg_dump", realPgDump(t)), wrap("psql", realPsql)
		o.DatabaseURL, o.Password = withQuery, ""
		o.AdminURL, o.AdminPassword = withQuery, ""
	})
	ctx := context.Background()
	res, err := e.Run(ctx, Request{})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	v, err := e.Verify(ctx, res.File, true)
	if err != nil || !v.Restored {
		t.Fatalf("Verify --restore: %+v, %v", v, err)
	}
	secrets := []string{pw, "discord-token-must-not-leak", "db-password-must-not-leak", "inherited-password-must-not-leak"}
	for _, f := range []string{"pg_dump-version", "pg_dump-run", "psql-run"} {
		environ, err := os.ReadFile(filepath.Join(rec, f+".environ"))
		if err != nil {
			t.Fatal(err)
		}
		cmdline, err := os.ReadFile(filepath.Join(rec, f+".cmdline"))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if strings.Contains(string(cmdline), s) {
				t.Errorf("%s's argv holds a secret:\n%s", f, cmdline)
			}
		}
		vars := map[string]string{}
		for _, kv := range strings.Split(strings.TrimSpace(string(environ)), "\n") {
			k, v, _ := strings.Cut(kv, "=")
			if _, dup := vars[k]; dup {
				t.Errorf("%s's environment sets %s twice", f, k)
			}
			vars[k] = v
		}
		for _, k := range []string{"DISCORD_TOKEN", "DB_PASSWORD", "DATABASE_URL", "MIGRATION_DATABASE_URL", "SUPERUSER_DATABASE_URL"} {
			if _, ok := vars[k]; ok {
				t.Errorf("%s's environment holds %s", f, k)
			}
		}
		if vars["PATH"] == "" || vars["PGCONNECT_TIMEOUT"] != "17" || vars["PGAPPNAME"] != appName {
			t.Errorf("%s's environment lacks PATH, the inherited PGCONNECT_TIMEOUT or PGAPPNAME:\n%s", f, environ)
		}
		wantPW := pw
		if f == "pg_dump-version" {
			wantPW = "" // pg_dump --version connects nowhere
		}
		if got := vars["PGPASSWORD"]; got != wantPW {
			t.Errorf("%s's PGPASSWORD is %q, want the connection's password", f, got)
		}
		for k, v := range vars {
			if k == "PGPASSWORD" {
				continue
			}
			for _, s := range secrets {
				if strings.Contains(v, s) {
					t.Errorf("%s's %s holds a secret", f, k)
				}
			}
		}
	}
}

func TestParseConnStripsPasswords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw, password string
		wantURL       string
		wantPassword  string
	}{
		{"postgres://u:pw@h:5432/db", "", "postgres://u@h:5432/db", "pw"},
		{"postgres://u@h/db?password=pw&sslmode=require", "", "postgres://u@h/db?sslmode=require", "pw"},
		{"postgresql://u@h/db?sslmode=disable&PASSWORD=pw", "", "postgresql://u@h/db?sslmode=disable", "pw"},
		{"postgres://u:a@h/db?password=b", "", "postgres://u@h/db", "a"},
		{"postgres://u:a@h/db?password=b", "explicit", "postgres://u@h/db", "explicit"},
		{"postgres://u@h/db?password=p%26w%3D", "", "postgres://u@h/db", "p&w="},
		{"postgres://u@h/db?sslmode=require", "", "postgres://u@h/db?sslmode=require", ""},
	} {
		c, err := parseConn(tc.raw, tc.password)
		if err != nil {
			t.Errorf("parseConn(%q): %v", tc.raw, err)
			continue
		}
		if c.url != tc.wantURL || c.password != tc.wantPassword || c.dbname != "db" {
			t.Errorf("parseConn(%q, %q) = %q, %q, %q; want %q, %q, db", tc.raw, tc.password, c.url, c.password, c.dbname, tc.wantURL, tc.wantPassword)
		}
	}
}

func TestChildEnvKeepsOnlyWhatIsNeeded(t *testing.T) {
	t.Parallel()
	parent := []string{"PATH=/bin", "HOME=/h", "LANG=C.UTF-8", "LC_ALL=C", "TZ=UTC", "TMPDIR=/tmp",
		"PGSSLMODE=require", "PGPASSWORD=old", "PGPASSFILE=/pgpass", "DISCORD_TOKEN=t", "DB_PASSWORD=d",
		"DATABASE_URL=postgres://x", "SECOPS_BACKUP_DIR=/b", "USER=bot"}
	got := childEnv(parent, "new")
	want := []string{"PATH=/bin", "HOME=/h", "LANG=C.UTF-8", "LC_ALL=C", "TZ=UTC", "TMPDIR=/tmp",
		"PGSSLMODE=require", "PGAPPNAME=" + appName, "PGPASSWORD=new"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("childEnv (-want +got):\n%s", diff)
	}
	if got := childEnv([]string{"PGAPPNAME=ops"}, ""); !cmp.Equal(got, []string{"PGAPPNAME=ops"}) {
		t.Errorf("childEnv keeps no PGAPPNAME of ours or adds an empty password: %q", got)
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
