// Package privacy implements the members' data rights (GDPR articles 15, 17
// and 20): an export of everything the bot stores about one member, streamed
// row by row so that memory stays flat however much the member wrote, and
// the erasure of their personal content that keeps what GDPR Art. 17(3)
// allows and accountability needs: the safety record about the member
// (warnings, moderation actions, flags, without the reasons and words), and
// whole, the audit records of the staff actions they took.
//
// It knows files, not Discord nor SQL: the command layer turns its results
// into replies and attachments, and the statements it runs are in package
// store (store/export.go, store/erasure.go).
package privacy

import (
	"log/slog"
	"time"

	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/store"
)

// DefaultRetention is how long an export too large to attach is kept in the
// exports directory when Options.Retention is zero.
const DefaultRetention = 7 * 24 * time.Hour

// Options configures a Service. Zero values take the defaults.
type Options struct {
	// Dir is the private directory (0700, files 0600) where exports are
	// written and where those too large to attach are kept (default
	// "exports").
	Dir string
	// Retention is how long a kept export stays before it is deleted
	// (default DefaultRetention).
	Retention time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives the service's log lines, tagged with the component
	// Privacy (default discarded).
	Logger *slog.Logger
}

// Service exports and erases members' data.
type Service struct {
	db   *store.Store
	opts Options
	log  *slog.Logger
}

// New returns a Service reading and writing through db.
func New(db *store.Store, opts Options) *Service {
	if opts.Dir == "" {
		opts.Dir = "exports"
	}
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, opts: opts, log: logging.Component(opts.Logger, "Privacy")}
}

// Retention is how long kept exports stay.
func (s *Service) Retention() time.Duration { return s.opts.Retention }

// Subject names whose data, and where: one guild, or every guild when
// GuildID is empty (the bot owner's and the operator's export).
type Subject struct {
	UserID  string
	GuildID string
}

// AllGuilds reports whether the subject spans every guild.
func (s Subject) AllGuilds() bool { return s.GuildID == "" }
