package backup

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/pgzip"

	"github.com/embodied-community/embodied/internal/storetest"
)

// benchDatabase creates a database of about BENCH_BACKUP_MB megabytes
// (default 20, at most limit) of audit-log-like rows and returns its owner
// URL.
func benchDatabase(b *testing.B, limit int) string {
	b.Helper()
	mb := 20
	if v := os.Getenv("BENCH_BACKUP_MB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("BENCH_BACKUP_MB=%q is not a positive number of megabytes", v)
		}
		mb = n
	}
	mb = min(mb, limit)
	url := storetest.Empty(b)
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, `CREATE TABLE bench_audit (
		id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, guild_id text NOT NULL, actor_id text NOT NULL,
		action_type text NOT NULL, reason text, details jsonb NOT NULL, created_at timestamptz NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	const batch = 200000
	for start := 0; ; start += batch {
		var size int64
		if err := c.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&size); err != nil {
			b.Fatal(err)
		}
		if size >= int64(mb)*MB {
			// Set hint bits and freeze now, so that no sub-benchmark pays
			// for the first read of freshly loaded rows or for autovacuum.
			if _, err := c.Exec(ctx, "VACUUM (FREEZE, ANALYZE) bench_audit"); err != nil {
				b.Fatal(err)
			}
			b.Logf("benchmark database: %s", FormatSize(size))
			return url
		}
		if _, err := c.Exec(ctx, `
			INSERT INTO bench_audit (guild_id, actor_id, action_type, reason, details, created_at)
			SELECT '10000000000000' || (g % 50), '2000000000000' || (g % 100000),
			       (ARRAY['warn', 'adjust-xp', 'timeout', 'ban', 'pardon'])[1 + g % 5],
			       'Member ' || (g % 997) || ' posted ' || md5(g::text) || ' in #general',
			       jsonb_build_object('xp', g % 1000, 'strike', g % 3, 'channel', 'general'),
			       timestamptz '2025-10-07 14:30:15+00' - g * interval '1 second'
			FROM generate_series($1::int, $2::int) g`, start, start+batch-1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBackup compares the engine with the shell pipeline
// `pg_dump | gzip` and with `pg_dump > /dev/null` (the floor) on the same
// database. Run by hand with BENCH_BACKUP_MB=1400 for a realistic size.
func BenchmarkBackup(b *testing.B) {
	url := benchDatabase(b, math.MaxInt)
	c, err := parseConn(url, "")
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	pgDump := realPgDump(b)

	b.Run("ours", func(b *testing.B) {
		e, err := New(Options{Dir: filepath.Join(dir, "ours"), DatabaseURL: url}, nil)
		if err != nil {
			b.Fatal(err)
		}
		var peak float64
		for i := 0; i < b.N; i++ {
			resetPeakRSS(b)
			res, err := e.Run(context.Background(), Request{Trigger: TriggerCLI})
			if err != nil {
				b.Fatal(err)
			}
			peak = max(peak, peakRSSMB(b))
			b.StopTimer()
			os.Remove(res.Path)
			os.Remove(res.Path + manifestExt)
			b.ReportMetric(float64(res.Size)/MB, "file-MB")
			b.StartTimer()
		}
		b.ReportMetric(peak, "peak-RSS-MB")
	})
	shell := func(name, pipeline string) {
		b.Run(name, func(b *testing.B) {
			out := filepath.Join(dir, name+".sql.gz")
			for i := 0; i < b.N; i++ {
				cmd := exec.Command("bash", "-c", "set -o pipefail; "+pipeline)
				cmd.Env = append(c.childEnv(), "PG_DUMP="+pgDump, "DB_URL="+c.url, "OUT="+out)
				if msg, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%s: %v\n%s", pipeline, err, msg)
				}
			}
			if fi, err := os.Stat(out); err == nil {
				b.ReportMetric(float64(fi.Size())/MB, "file-MB")
				os.Remove(out)
			}
		})
	}
	shell("baseline-pgdump-gzip", `"$PG_DUMP" --dbname="$DB_URL" | gzip > "$OUT"`)
	shell("baseline-pgdump-devnull", `"$PG_DUMP" --dbname="$DB_URL" > /dev/null`)
}

// resetPeakRSS resets the process's high-water mark (VmHWM) on Linux.
func resetPeakRSS(b *testing.B) {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSSMB returns the process's VmHWM in megabytes (1024*1024 bytes).
func peakRSSMB(b *testing.B) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkCompress measures the gzip writers available here on pg_dump
// output held in memory, to choose the engine's (BENCH_BACKUP_MB as for
// BenchmarkBackup, at most 300).
func BenchmarkCompress(b *testing.B) {
	url := benchDatabase(b, 300)
	c, err := parseConn(url, "")
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(realPgDump(b), "--dbname="+c.url)
	cmd.Env = c.childEnv()
	sql, err := cmd.Output()
	if err != nil {
		b.Fatal(err)
	}
	writers := []struct {
		name string
		new  func(io.Writer) io.WriteCloser
	}{
		{"compress-gzip-1", func(w io.Writer) io.WriteCloser { z, _ := gzip.NewWriterLevel(w, 1); return z }},
		{"compress-gzip-6", func(w io.Writer) io.WriteCloser { z, _ := gzip.NewWriterLevel(w, 6); return z }},
		{"pgzip-1", func(w io.Writer) io.WriteCloser { z, _ := pgzip.NewWriterLevel(w, 1); return z }},
		{"pgzip-1-4x1MB", func(w io.Writer) io.WriteCloser {
			z, _ := pgzip.NewWriterLevel(w, 1)
			_ = z.SetConcurrency(1<<20, 4)
			return z
		}},
		{"pgzip-6", func(w io.Writer) io.WriteCloser { z, _ := pgzip.NewWriterLevel(w, 6); return z }},
	}
	for _, wr := range writers {
		b.Run(wr.name, func(b *testing.B) {
			b.SetBytes(int64(len(sql)))
			var out countOnly
			for i := 0; i < b.N; i++ {
				out = 0
				z := wr.new(&out)
				if _, err := io.Copy(z, bytes.NewReader(sql)); err != nil {
					b.Fatal(err)
				}
				if err := z.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(out)/float64(len(sql))*100, "%size")
		})
	}
}

type countOnly int64

func (c *countOnly) Write(p []byte) (int, error) { *c += countOnly(len(p)); return len(p), nil }
