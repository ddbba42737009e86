// Package lockdown locks guild channels in an emergency (a raid, a
// compromised account): it denies @everyone Send Messages and thread
// creation and sending in threads (CREATE_PUBLIC_THREADS,
// CREATE_PRIVATE_THREADS, SEND_MESSAGES_IN_THREADS) in one channel or in
// every text, announcement, forum and media channel, and lifts it again,
// restoring each channel's @everyone overwrite exactly as it was: an
// absent overwrite is deleted again, a present one gets back its allow and
// deny. Only the @everyone overwrite is touched; the channel's other
// overwrites (a staff role allowed to speak) stay as they are.
//
// The original overwrite is stored in PostgreSQL before the channel
// changes (store.Lockdown), so that neither a crash nor a second lockdown
// of a locked channel loses it. A timed lockdown lifts itself: the Service
// lifts due lockdowns every Options.Interval and at start, so one that
// fell due while the bot was down is lifted as soon as it is back.
//
// Lockdown is a human decision, not automation: it applies in safe mode
// (SECOPS_ENFORCE_MODERATION=false) as well, and is audited either way.
// Other features (raid mode, anti-nuke) may call Lock and Unlock.
//
// Discord is reached through the narrow Discord interface
// (internal/discordact implements it); this package knows no discordgo.
package lockdown

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/service"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/textcut"
)

// Discord permission bits a lockdown denies to @everyone.
const (
	PermSendMessages          int64 = 1 << 11
	PermCreatePublicThreads   int64 = 1 << 35
	PermCreatePrivateThreads  int64 = 1 << 36
	PermSendMessagesInThreads int64 = 1 << 38
	// Denied is every permission a lockdown denies.
	Denied = PermSendMessages | PermCreatePublicThreads | PermCreatePrivateThreads | PermSendMessagesInThreads
)

// Discord channel types a lockdown of "all channels" covers: where members
// post messages or start threads. Voice and stage channels (whose text
// chat follows their connect permissions), categories and threads are left
// alone.
const (
	TypeText         = 0
	TypeAnnouncement = 5
	TypeForum        = 15
	TypeMedia        = 16
)

// Lockable reports whether a channel of type t can be locked.
func Lockable(t int) bool {
	return t == TypeText || t == TypeAnnouncement || t == TypeForum || t == TypeMedia
}

// Errors of Discord and of the request, per channel.
var (
	// ErrForbidden is Discord refusing: the bot needs Manage Roles
	// ("Manage Permissions") in the channel, and may only deny what it
	// holds itself (Send Messages, Create Public Threads, Create Private
	// Threads, Send Messages in Threads), unless it is Administrator.
	ErrForbidden = errors.New("the bot may not edit this channel's permissions (it needs Manage Roles in the channel, and Send Messages, Create Public and Private Threads and Send Messages in Threads itself)")
	// ErrUnknownChannel is a channel Discord does not know (deleted).
	ErrUnknownChannel = errors.New("unknown channel")
	// ErrNotLockable is a channel of a type a lockdown does not cover.
	ErrNotLockable = errors.New("not a text, announcement, forum or media channel")
	// ErrNotLocked is an unlock of a channel that is not locked.
	ErrNotLocked = errors.New("not locked")
)

// Overwrite is a channel's @everyone permission overwrite; Present is
// false when the channel has none.
type Overwrite struct {
	Present     bool
	Allow, Deny int64
}

// Locked is o with the lockdown's permissions denied (and no longer
// allowed).
func (o Overwrite) Locked() Overwrite {
	return Overwrite{Present: true, Allow: o.Allow &^ Denied, Deny: o.Deny | Denied}
}

// Channel is a guild channel as the lockdown sees it.
type Channel struct {
	ID, Name string
	Type     int
	Everyone Overwrite
}

// Discord is the side of Discord a lockdown uses.
type Discord interface {
	// Channels lists a guild's channels with their @everyone overwrite,
	// as Discord has them now.
	Channels(ctx context.Context, guildID string) ([]Channel, error)
	// SetEveryoneOverwrite puts o as the channel's @everyone overwrite, or
	// deletes it when o is not Present, with the audit-log reason; errors
	// wrap ErrForbidden or ErrUnknownChannel where Discord said so.
	SetEveryoneOverwrite(ctx context.Context, guildID, channelID string, o Overwrite, auditReason string) error
}

// Store is the database the service uses (*store.Store).
type Store interface {
	RememberLockdown(ctx context.Context, l store.Lockdown) (store.Lockdown, bool, error)
	Lockdowns(ctx context.Context, guildID string) ([]store.Lockdown, error)
	DueLockdowns(ctx context.Context, now time.Time) ([]store.Lockdown, error)
	ForgetLockdown(ctx context.Context, guildID, channelID string) error
	// GuildLock serialises a guild's locks and unlocks (what is
	// "lockdown") across processes: the timed lift and an admin's command
	// never interleave, whichever processes run them.
	GuildLock(ctx context.Context, what, guildID string) (release func(), err error)
}

var _ Store = (*store.Store)(nil)

// Auditor takes audit records (*audit.Writer).
type Auditor interface {
	Audit(audit.Entry)
}

// Options configures a Service.
type Options struct {
	// Interval is how often due lockdowns are lifted (default 30 s); with
	// Schedule, how often a lift job looks again while this clock says the
	// lift is not due yet.
	Interval time.Duration
	// Schedule, when set, schedules a durable job (internal/jobs) that
	// calls LiftDue for the guild at the given time; it replaces the
	// Interval loop, so that with several processes each lift runs once.
	// Start schedules one for every timed lockdown already recorded.
	Schedule func(ctx context.Context, guildID string, at time.Time) error
	Now      func() time.Time
	Logger   *slog.Logger
}

// Service locks and unlocks channels and lifts timed lockdowns.
type Service struct {
	db    Store
	dc    Discord
	audit Auditor
	opts  Options
	log   *slog.Logger

	mu    sync.Mutex
	locks map[string]*sync.Mutex // one lock or unlock at a time per guild

	// StartStop gives the service Start's loop its Stop.
	service.StartStop
}

// New returns a stopped Service. It tags opts.Logger with its component,
// Lockdown.
func New(db Store, dc Discord, auditor Auditor, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Interval <= 0 {
		opts.Interval = 30 * time.Second
	}
	return &Service{db: db, dc: dc, audit: auditor, opts: opts, log: logging.Component(opts.Logger, "Lockdown"),
		locks: map[string]*sync.Mutex{}}
}

// Request is a lockdown to apply or lift.
type Request struct {
	GuildID string
	// ChannelIDs are the channels; none means every lockable channel (to
	// lock) or every locked one (to unlock).
	ChannelIDs []string
	// Until is when the lockdown lifts itself; zero keeps it until an
	// unlock. Unlock ignores it.
	Until time.Time
	// Reason is the staff member's reason, also sent to Discord's audit
	// log.
	Reason string
	// ActorID is who asked (audit.SystemActor for the bot itself);
	// ActorName names them in Discord's audit log.
	ActorID, ActorName string
}

// Failure is a channel that could not be locked or unlocked, and why.
type Failure struct {
	ChannelID string
	Err       error
}

// Report is what a lock or unlock did.
type Report struct {
	// Done are the channels locked (or unlocked) now.
	Done []string
	// Again are channels locked already, whose remembered original was
	// kept (their end and reason are the new request's).
	Again []string
	// Failed are the channels Discord or the request refused.
	Failed []Failure
}

// Summary says in a line what happened, e.g. "2 channels locked, 1 failed".
func (r Report) Summary(verb string) string {
	parts := []string{fmt.Sprintf("%d %s %s", len(r.Done), plural(len(r.Done), "channel"), verb)}
	if len(r.Again) > 0 {
		parts = append(parts, fmt.Sprintf("%d already locked (original kept)", len(r.Again)))
	}
	if len(r.Failed) > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", len(r.Failed)))
	}
	return strings.Join(parts, ", ")
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// guildLock serialises the locks and unlocks of one guild, so that the
// timed lift and an admin's command never interleave on a channel: in
// this process first (a waiter holds no database connection), then across
// processes through PostgreSQL (the command may reach an HTTP-mode
// instance while the lift's job runs on another).
func (s *Service) guildLock(ctx context.Context, guildID string) (func(), error) {
	s.mu.Lock()
	m := s.locks[guildID]
	if m == nil {
		m = &sync.Mutex{}
		s.locks[guildID] = m
	}
	s.mu.Unlock()
	m.Lock()
	release, err := s.db.GuildLock(ctx, "lockdown", guildID)
	if err != nil {
		m.Unlock()
		return nil, err
	}
	return func() { release(); m.Unlock() }, nil
}

// Lock locks req's channels: it remembers each channel's @everyone
// overwrite (unless the channel is locked already) and then denies
// @everyone the lockdown's permissions there. Channels Discord refuses are
// reported in Failed, not skipped; the others are locked all the same. It
// writes an audit record of the outcome.
func (s *Service) Lock(ctx context.Context, req Request) (Report, error) {
	unlock, err := s.guildLock(ctx, req.GuildID)
	if err != nil {
		return Report{}, fmt.Errorf("lock channels of %s: %w", req.GuildID, err)
	}
	defer unlock()
	channels, err := s.dc.Channels(ctx, req.GuildID)
	if err != nil {
		return Report{}, fmt.Errorf("lock channels of %s: %w", req.GuildID, err)
	}
	targets, rep := pick(channels, req.ChannelIDs)
	var until *time.Time
	if !req.Until.IsZero() {
		u := req.Until.UTC()
		until = &u
	}
	reason := discordReason("Lockdown", req)
	for _, ch := range targets {
		again, err := s.lockOne(ctx, req, ch, until, reason)
		switch {
		case err != nil:
			rep.Failed = append(rep.Failed, Failure{ChannelID: ch.ID, Err: err})
		case again:
			rep.Again = append(rep.Again, ch.ID)
		default:
			rep.Done = append(rep.Done, ch.ID)
		}
	}
	s.record(req, "lockdown", rep, until)
	if until != nil && s.opts.Schedule != nil && len(rep.Done)+len(rep.Again) > 0 {
		if err := s.opts.Schedule(ctx, req.GuildID, *until); err != nil {
			s.log.Error("Could not schedule the lockdown's lift; it is lifted at the next start", "guildId", req.GuildID, "error", err)
		}
	}
	return rep, nil
}

// lockOne locks one channel; again says it was locked already.
func (s *Service) lockOne(ctx context.Context, req Request, ch Channel, until *time.Time, reason string) (again bool, err error) {
	cur := ch.Everyone
	row, fresh, err := s.db.RememberLockdown(ctx, store.Lockdown{GuildID: req.GuildID, ChannelID: ch.ID, HadOverwrite: cur.Present,
		PrevAllow: cur.Allow, PrevDeny: cur.Deny, LockedBy: req.ActorID, Reason: textcut.Bytes(req.Reason, 512), LockedAt: s.opts.Now(), Until: until})
	if err != nil {
		return false, err
	}
	want := cur.Locked()
	if want == cur {
		return !fresh, nil
	}
	if err := s.dc.SetEveryoneOverwrite(ctx, req.GuildID, ch.ID, want, reason); err != nil {
		if fresh {
			// The channel did not change: nothing to remember.
			if ferr := s.db.ForgetLockdown(ctx, row.GuildID, row.ChannelID); ferr != nil {
				return false, errors.Join(err, ferr)
			}
		}
		return false, err
	}
	return !fresh, nil
}

// pick returns the channels named by ids (every lockable channel when
// none), and a report with the names that are unknown or not lockable.
func pick(channels []Channel, ids []string) ([]Channel, Report) {
	var rep Report
	if len(ids) == 0 {
		var out []Channel
		for _, ch := range channels {
			if Lockable(ch.Type) {
				out = append(out, ch)
			}
		}
		return out, rep
	}
	var out []Channel
	for _, id := range ids {
		i := slices.IndexFunc(channels, func(c Channel) bool { return c.ID == id })
		switch {
		case i < 0:
			rep.Failed = append(rep.Failed, Failure{ChannelID: id, Err: ErrUnknownChannel})
		case !Lockable(channels[i].Type):
			rep.Failed = append(rep.Failed, Failure{ChannelID: id, Err: ErrNotLockable})
		default:
			out = append(out, channels[i])
		}
	}
	return out, rep
}

// Unlock lifts the lockdown of req's channels (every locked channel of the
// guild when none), restoring each @everyone overwrite exactly as it was
// before. A channel Discord no longer knows is forgotten; one Discord
// refuses stays locked and is reported. It writes an audit record of the
// outcome.
func (s *Service) Unlock(ctx context.Context, req Request) (Report, error) {
	unlock, err := s.guildLock(ctx, req.GuildID)
	if err != nil {
		return Report{}, fmt.Errorf("unlock channels of %s: %w", req.GuildID, err)
	}
	defer unlock()
	rows, err := s.db.Lockdowns(ctx, req.GuildID)
	if err != nil {
		return Report{}, err
	}
	var rep Report
	if len(req.ChannelIDs) > 0 {
		var named []store.Lockdown
		for _, id := range req.ChannelIDs {
			i := slices.IndexFunc(rows, func(l store.Lockdown) bool { return l.ChannelID == id })
			if i < 0 {
				rep.Failed = append(rep.Failed, Failure{ChannelID: id, Err: ErrNotLocked})
				continue
			}
			named = append(named, rows[i])
		}
		rows = named
	}
	s.unlockRows(ctx, req, rows, &rep)
	s.record(req, "unlock", rep, nil)
	return rep, nil
}

func (s *Service) unlockRows(ctx context.Context, req Request, rows []store.Lockdown, rep *Report) {
	reason := discordReason("Lockdown lifted", req)
	for _, l := range rows {
		prev := Overwrite{Present: l.HadOverwrite, Allow: l.PrevAllow, Deny: l.PrevDeny}
		err := s.dc.SetEveryoneOverwrite(ctx, l.GuildID, l.ChannelID, prev, reason)
		if err != nil && !errors.Is(err, ErrUnknownChannel) {
			rep.Failed = append(rep.Failed, Failure{ChannelID: l.ChannelID, Err: err})
			continue
		}
		if ferr := s.db.ForgetLockdown(ctx, l.GuildID, l.ChannelID); ferr != nil {
			rep.Failed = append(rep.Failed, Failure{ChannelID: l.ChannelID, Err: ferr})
			continue
		}
		rep.Done = append(rep.Done, l.ChannelID)
	}
}

// record writes the audit record of a lock or unlock and logs it.
func (s *Service) record(req Request, action string, rep Report, until *time.Time) {
	details := map[string]any{"channels": nonNil(rep.Done)}
	if len(rep.Again) > 0 {
		details["alreadyLocked"] = rep.Again
	}
	if len(rep.Failed) > 0 {
		failed := map[string]string{}
		for _, f := range rep.Failed {
			failed[f.ChannelID] = f.Err.Error()
		}
		details["failed"] = failed
	}
	if until != nil {
		details["until"] = until.Format(time.RFC3339)
	}
	if len(req.ChannelIDs) == 0 {
		details["scope"] = "all"
	}
	s.audit.Audit(audit.Entry{GuildID: req.GuildID, ActionType: action + "-applied", ActorID: req.ActorID, Reason: req.Reason,
		Details: details})
	level := slog.LevelInfo
	if len(rep.Failed) > 0 {
		level = slog.LevelWarn
	}
	s.log.Log(context.Background(), level, "Channels "+map[string]string{"lockdown": "locked", "unlock": "unlocked"}[action],
		"guildId", req.GuildID, "userId", req.ActorID, "channels", len(rep.Done), "alreadyLocked", len(rep.Again), "failed", len(rep.Failed))
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// Start lifts the lockdowns due now, then every Options.Interval, until
// Stop. With Options.Schedule it schedules the lift of every timed lockdown
// recorded instead (lifts already scheduled are not repeated), and the
// jobs lift them.
func (s *Service) Start(ctx context.Context) error {
	ctx, stopped, err := s.StartInit(ctx)
	if err != nil {
		return fmt.Errorf("lockdown lifter: %w", err)
	}
	if s.opts.Schedule != nil {
		defer stopped()
		return s.scheduleAll(ctx)
	}
	go func() {
		defer stopped()
		s.runOnce(ctx)
		service.Every(ctx, s.opts.Interval, s.runOnce)
	}()
	return nil
}

// scheduleAll schedules the lift of every recorded timed lockdown.
func (s *Service) scheduleAll(ctx context.Context) error {
	// Lockdowns last at most 30 days (ParseDuration).
	timed, err := s.db.DueLockdowns(ctx, s.opts.Now().Add(31*24*time.Hour))
	if err != nil {
		return fmt.Errorf("lockdown lifter: %w", err)
	}
	type lift struct {
		guild string
		at    time.Time
	}
	seen := map[lift]bool{}
	for _, l := range timed {
		k := lift{l.GuildID, l.Until.UTC()}
		if seen[k] {
			continue
		}
		seen[k] = true
		if err := s.opts.Schedule(ctx, k.guild, k.at); err != nil {
			return fmt.Errorf("lockdown lifter: schedule the lift in %s: %w", k.guild, err)
		}
	}
	return nil
}

// LiftDue lifts the guild's timed lockdowns that are due, as the bot
// (audit.SystemActor), and returns when the next of its timed lockdowns
// ends (zero when none is left). A channel Discord refuses stays locked and
// makes an error, so that the job tries again.
func (s *Service) LiftDue(ctx context.Context, guildID string) (time.Time, error) {
	rows, err := s.db.Lockdowns(ctx, guildID)
	if err != nil {
		return time.Time{}, err
	}
	now := s.opts.Now()
	var due []string
	var next time.Time
	for _, l := range rows {
		switch {
		case l.Until == nil:
		case !l.Until.After(now):
			due = append(due, l.ChannelID)
		case next.IsZero() || l.Until.Before(next):
			next = *l.Until
		}
	}
	if len(due) == 0 {
		return next, nil
	}
	rep, err := s.Unlock(ctx, Request{GuildID: guildID, ChannelIDs: due, ActorID: audit.SystemActor, ActorName: "timer",
		Reason: "timed lockdown ended"})
	if err == nil && len(rep.Failed) > 0 {
		err = fmt.Errorf("lift the lockdown of %d channel(s) in %s: %w", len(rep.Failed), guildID, rep.Failed[0].Err)
	}
	return next, err
}

// runOnce lifts every timed lockdown that is due, guild by guild, as the
// bot (audit.SystemActor). A channel Discord refuses stays locked and is
// tried again at the next run.
func (s *Service) runOnce(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	due, err := s.db.DueLockdowns(ctx, s.opts.Now())
	if err != nil {
		s.log.Error("Could not read the due lockdowns", "error", err)
		return
	}
	byGuild := map[string][]string{}
	var guilds []string
	for _, l := range due {
		if byGuild[l.GuildID] == nil {
			guilds = append(guilds, l.GuildID)
		}
		byGuild[l.GuildID] = append(byGuild[l.GuildID], l.ChannelID)
	}
	for _, g := range guilds {
		req := Request{GuildID: g, ChannelIDs: byGuild[g], ActorID: audit.SystemActor, ActorName: "timer",
			Reason: "timed lockdown ended"}
		if _, err := s.Unlock(ctx, req); err != nil {
			s.log.Error("Could not lift the due lockdowns", "guildId", g, "error", err)
		}
	}
}

// discordReason is the X-Audit-Log-Reason: what, by whom, why; within
// Discord's 512 characters.
func discordReason(what string, req Request) string {
	who := req.ActorName
	if who == "" {
		who = req.ActorID
	}
	r := fmt.Sprintf("%s by %s", what, who)
	if req.Reason != "" {
		r += ": " + req.Reason
	}
	return textcut.Bytes(r, 512)
}

// ParseDuration reads a lockdown's duration: Go's units ("90m", "2h30m")
// and days ("1d", "1d12h"), from one minute to 30 days.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		var n int
		if _, err := fmt.Sscanf(s[:i], "%d", &n); err != nil || n < 0 || fmt.Sprint(n) != s[:i] {
			return 0, fmt.Errorf("duration %q: use e.g. 30m, 2h or 1d", s)
		}
		days, s = time.Duration(n)*24*time.Hour, s[i+1:]
	}
	var rest time.Duration
	if s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("duration %q: use e.g. 30m, 2h or 1d", s)
		}
		rest = d
	}
	d := days + rest
	if d < time.Minute || d > 30*24*time.Hour {
		return 0, fmt.Errorf("duration %s: from 1 minute to 30 days", d)
	}
	return d, nil
}
