package privacy

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/embodied-community/embodied/internal/store"
)

// FormatVersion is the export's "formatVersion"; it changes only when a key
// is renamed or removed (new keys may appear at the end).
const FormatVersion = 1

// Keys lists the export's top-level keys in the order they are written.
var Keys = []string{
	"exportDate", "formatVersion", "userId", "guildId",
	"profile", "stats", "dailyRecords", "tenseys", "barbieList", "journalEntries",
	"courseProgress", "duels", "warnings", "auditLog",
	"contentFlags", "rateLimitViolations", "moderationActions", "securityEvents", "reportsFiled",
}

// The export's parts are store's Export* types (store/export.go).
type (
	// Profile is the member's profile in one guild.
	Profile = store.ExportProfile
	// Stats is one stats submission.
	Stats = store.ExportStats
	// DailyRecord is one day's note.
	DailyRecord = store.ExportDailyRecord
	// Tensey is one completed comfort-zone challenge.
	Tensey = store.ExportTensey
	// BarbieContact is one contact on the member's list.
	BarbieContact = store.ExportBarbieContact
	// JournalEntry is one journal entry.
	JournalEntry = store.ExportJournalEntry
	// CourseProgress is one completed course module.
	CourseProgress = store.ExportCourseProgress
	// Duel is a duel the member challenged or was challenged to.
	Duel = store.ExportDuel
	// Warning is one strike given to the member.
	Warning = store.ExportWarning
	// AuditRecord is one audit_log record naming the member as actor or target.
	AuditRecord = store.ExportAuditRecord
	// ContentFlag is one piece of the member's text the moderator flagged.
	ContentFlag = store.ExportContentFlag
	// RateLimitViolation is the member's refused calls of one command in one hour.
	RateLimitViolation = store.ExportRateLimitViolation
	// ModerationAction is a timeout or ban.
	ModerationAction = store.ExportModerationAction
	// SecurityEvent is a refused attempt by (or against) the member.
	SecurityEvent = store.ExportSecurityEvent
	// ReportFiled is a report the member filed about someone else.
	ReportFiled = store.ExportReportFiled
)

// Counts is the number of rows exported per key, in Keys order.
type Counts []Count

// Count is one key's row count.
type Count struct {
	Key  string
	Rows int64
}

// Total is the number of rows exported.
func (c Counts) Total() int64 {
	var n int64
	for _, x := range c {
		n += x.Rows
	}
	return n
}

// Map returns the counts keyed by section, for audit details.
func (c Counts) Map() map[string]int64 {
	m := make(map[string]int64, len(c))
	for _, x := range c {
		m[x.Key] = x.Rows
	}
	return m
}

// WriteJSON writes the subject's export to w, row by row from one
// consistent snapshot. Keys come in Keys order; arrays hold one row per
// line. Memory use does not depend on the number of rows.
func (s *Service) WriteJSON(ctx context.Context, w io.Writer, subj Subject) (Counts, error) {
	if subj.UserID == "" {
		return nil, fmt.Errorf("export: no user id")
	}
	var counts Counts
	err := s.db.InExportSnapshot(ctx, func(r store.ExportReader) error {
		var err error
		counts, err = writeDoc(ctx, r, w, subj, s.opts.Now())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("export data of %s: %w", subj.UserID, err)
	}
	return counts, nil
}

// writeDoc writes the document for subj, reading through r.
func writeDoc(ctx context.Context, r store.ExportReader, w io.Writer, subj Subject, now time.Time) (Counts, error) {
	out := &docWriter{w: bufio.NewWriterSize(w, 64<<10)}
	out.raw("{\n  \"exportDate\": ")
	out.value(now.UTC().Format(time.RFC3339))
	out.raw(",\n  \"formatVersion\": " + strconv.Itoa(FormatVersion))
	out.raw(",\n  \"userId\": ")
	out.value(subj.UserID)
	out.raw(",\n  \"guildId\": ")
	if subj.AllGuilds() {
		out.raw("null")
	} else {
		out.value(subj.GuildID)
	}
	counts := make(Counts, 0, len(store.ExportSectionKeys)+1)

	// profile: the object itself for one guild (null when there is none);
	// an object keyed by guild id for every guild.
	out.raw(",\n  \"profile\": ")
	n := int64(0)
	err := r.Profiles(ctx, subj.UserID, subj.GuildID, func(p Profile) {
		if subj.AllGuilds() {
			if n == 0 {
				out.raw("{\n    ")
			} else {
				out.raw(",\n    ")
			}
			out.value(p.GuildID)
			out.raw(": ")
		}
		out.value(p)
		n++
	})
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	switch {
	case n == 0 && subj.AllGuilds():
		out.raw("{}")
	case n == 0:
		out.raw("null")
	case subj.AllGuilds():
		out.raw("\n  }")
	}
	counts = append(counts, Count{Key: "profile", Rows: n})

	for _, key := range store.ExportSectionKeys {
		out.raw(",\n  ")
		out.value(key)
		out.raw(": [")
		out.items = 0
		if err := r.Section(ctx, key, subj.UserID, subj.GuildID, out.item); err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		if out.items > 0 {
			out.raw("\n  ")
		}
		out.raw("]")
		counts = append(counts, Count{Key: key, Rows: out.items})
		if out.err != nil {
			return nil, out.err
		}
	}
	out.raw("\n}\n")
	if out.err == nil {
		out.err = out.w.Flush()
	}
	if out.err != nil {
		return nil, fmt.Errorf("write export: %w", out.err)
	}
	return counts, nil
}

// docWriter writes JSON pieces, keeping the first error.
type docWriter struct {
	w     *bufio.Writer
	err   error
	items int64
}

func (d *docWriter) raw(s string) {
	if d.err == nil {
		_, d.err = d.w.WriteString(s)
	}
}

func (d *docWriter) value(v any) {
	if d.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		d.err = err
		return
	}
	_, d.err = d.w.Write(b)
}

// item writes one array element on its own line.
func (d *docWriter) item(v any) {
	if d.items == 0 {
		d.raw("\n    ")
	} else {
		d.raw(",\n    ")
	}
	d.value(v)
	d.items++
}
