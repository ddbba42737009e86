package privacy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/embodied-community/embodied/internal/privacy/privacytest"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/storetest"
)

// BenchmarkExport exports one member with BENCH_EXPORT_ROWS rows (default
// 20000; the goal is under 32 MB of peak RSS growth for 1000000) to a file:
// `ours` streams row by row, `baseline-collect-in-memory` loads every
// category into slices and marshals one document, as a straightforward
// implementation would. Both report peak-RSS-MB, the growth of the
// process's resident set over the run.
func BenchmarkExport(b *testing.B) {
	rows := 20000
	if v := os.Getenv("BENCH_EXPORT_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("BENCH_EXPORT_ROWS=%q is not a positive number", v)
		}
		rows = n
	}
	ctx := context.Background()
	db := storetest.New(b)
	m := privacytest.Member{GuildID: "100000000000000001", UserID: "200000000000000001", OtherID: "200000000000000002", Marker: "bench"}
	if err := privacytest.Generate(ctx, db.App, m, rows); err != nil {
		b.Fatal(err)
	}
	subj := Subject{UserID: m.UserID, GuildID: m.GuildID}
	dir := b.TempDir()
	svc := New(db.Store, Options{Dir: dir})

	b.Run("ours", func(b *testing.B) {
		measure(b, func() int64 {
			f, err := svc.Export(ctx, subj, math.MaxInt64)
			if err != nil {
				b.Fatal(err)
			}
			if err := f.Remove(); err != nil {
				b.Fatal(err)
			}
			return f.Size
		})
	})
	b.Run("baseline-collect-in-memory", func(b *testing.B) {
		measure(b, func() int64 {
			n, err := collectInMemory(ctx, db.App, subj, filepath.Join(dir, "baseline.json"))
			if err != nil {
				b.Fatal(err)
			}
			return n
		})
	})
}

// measure runs f b.N times and reports the bytes written per run and the
// peak growth of the resident set.
func measure(b *testing.B, f func() int64) {
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS(b)
	base := statusKB(b, "VmRSS")
	b.ResetTimer()
	var size int64
	for b.Loop() {
		size = f()
	}
	b.StopTimer()
	b.SetBytes(size)
	b.ReportMetric(float64(statusKB(b, "VmHWM")-base)/1024, "peak-RSS-MB")
}

// resetPeakRSS resets VmHWM to the current RSS (Linux 4.0+).
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Skipf("cannot reset the peak RSS: %v", err)
	}
}

// statusKB reads a kB field of /proc/self/status.
func statusKB(b *testing.B, field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skipf("no /proc/self/status: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				b.Fatalf("%s: %v", field, err)
			}
			return n
		}
	}
	b.Fatalf("%s not in /proc/self/status", field)
	return 0
}

// collect loads every row into a slice.
func collect[T any](rows pgx.Rows) (any, error) {
	return pgx.CollectRows(rows, pgx.RowToStructByPos[T])
}

var collectors = map[string]func(pgx.Rows) (any, error){
	"stats": collect[Stats], "dailyRecords": collect[DailyRecord], "tenseys": collect[Tensey],
	"barbieList": collect[BarbieContact], "journalEntries": collect[JournalEntry], "courseProgress": collect[CourseProgress],
	"duels": collect[Duel], "warnings": collect[Warning], "auditLog": collect[AuditRecord],
	"contentFlags": collect[ContentFlag], "rateLimitViolations": collect[RateLimitViolation],
	"moderationActions": collect[ModerationAction], "securityEvents": collect[SecurityEvent],
	"reportsFiled": collect[ReportFiled],
}

// collectInMemory is the baseline: the same queries, every category
// collected into memory, one MarshalIndent of the whole document, one
// write.
func collectInMemory(ctx context.Context, pool interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, subj Subject, path string) (int64, error) {
	doc := map[string]any{"userId": subj.UserID, "guildId": subj.GuildID}
	sql, args := store.ExportQuery("profile", subj.UserID, subj.GuildID)
	rows, err := pool.Query(ctx, sql, args...)
	if err != nil {
		return 0, err
	}
	if doc["profile"], err = collect[Profile](rows); err != nil {
		return 0, err
	}
	for _, key := range store.ExportSectionKeys {
		sql, args := store.ExportQuery(key, subj.UserID, subj.GuildID)
		rows, err := pool.Query(ctx, sql, args...)
		if err != nil {
			return 0, err
		}
		if doc[key], err = collectors[key](rows); err != nil {
			return 0, fmt.Errorf("%s: %w", key, err)
		}
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return 0, err
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return 0, err
	}
	return int64(len(data)), os.Remove(path)
}
