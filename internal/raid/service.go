package raid

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/notify"
)

// State is a guild's raid mode, kept in PostgreSQL so that a restart
// still ends it and restores what it changed.
type State struct {
	GuildID string
	// StartedAt is when raid mode began; LastJoin the last qualifying join.
	StartedAt time.Time
	LastJoin  time.Time
	// Action is the response chosen when it began; Enforced whether it was
	// applied for real (false in safe mode).
	Action   Action
	Enforced bool
	// PreviousLevel is the verification level to restore, or -1 when raid
	// mode did not change it.
	PreviousLevel int
	// Joins counts the joins seen during raid mode.
	Joins int
}

// Store keeps the guilds' settings and raid states.
type Store interface {
	// RaidSettings returns the guild's settings; ok is false when it has
	// none (it uses Defaults).
	RaidSettings(ctx context.Context, guildID string) (s Settings, ok bool, err error)
	SaveRaidSettings(ctx context.Context, guildID, actorID string, s Settings) error
	// ActiveRaids lists the guilds in raid mode.
	ActiveRaids(ctx context.Context) ([]State, error)
	// Raid returns the guild's raid mode; ok is false when it has none.
	Raid(ctx context.Context, guildID string) (st State, ok bool, err error)
	SaveRaid(ctx context.Context, st State) error
	EndRaid(ctx context.Context, guildID string) error
}

// Discord is what raid mode does on Discord.
type Discord interface {
	Timeout(ctx context.Context, guildID, userID string, until time.Time, auditReason string) error
	VerificationLevel(ctx context.Context, guildID string) (int, error)
	SetVerificationLevel(ctx context.Context, guildID string, level int, auditReason string) error
}

// Options configure a Service.
type Options struct {
	// Enforce applies the guild's response; false (safe mode) only alerts
	// and records what it would have done.
	Enforce bool
	// Audit and Security record every step (the bot's audit writer).
	Audit    func(audit.Entry)
	Security func(audit.SecurityEvent)
	// Alert tells the guild's owner and mod log.
	Alert  func(ctx context.Context, guildID, text string) error
	Now    func() time.Time
	Logger *slog.Logger
	// Owns reports whether this process receives the guild's joins (the
	// guild is on one of its gateway shards); nil: every guild. Load takes
	// over only those raids: another process cannot tell when a raid it
	// does not see goes quiet.
	Owns func(guildID string) bool
	// Recheck is how long this process trusts its cached settings before
	// reading them again (notify.DefaultRecheck when 0): the fallback
	// when a change's notification is lost.
	Recheck time.Duration
}

// Service watches joins and runs raid mode.
//
// A guild's settings are cached: a change made by any process on the
// database (/security raid answered by an HTTP-mode instance, while the
// joins arrive on the guild's shard) NOTIFYs, and internal/notify calls
// Forget; a cached value older than Options.Recheck is read again. A raid's
// join window and the raid mode it detects belong to the process that sees
// the guild's joins; other processes read raid mode from the database
// (Status).
type Service struct {
	db      Store
	discord Discord
	opts    Options
	log     *slog.Logger

	handled atomic.Int64

	mu       sync.Mutex
	windows  map[string]*window
	users    map[string][]windowUser // a guild's window's joins, for the timeout
	settings *notify.GuildCache[Settings]
	raids    map[string]*State
	loaded   bool
}

// windowUser is a join of a guild's window.
type windowUser struct {
	id    string
	young bool
}

// New returns a Service; Load reads the raids in progress.
func New(db Store, discord Discord, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{db: db, discord: discord, opts: opts, log: opts.Logger.With("component", "RaidDetection"),
		windows: map[string]*window{}, users: map[string][]windowUser{}, raids: map[string]*State{}}
	s.settings = notify.NewGuildCache(s.loadSettings, opts.Recheck)
	return s
}

// Forget drops the guild's cached settings, changed by another process
// (notify.Cache).
func (s *Service) Forget(guildID string) { s.settings.Forget(guildID) }

// ForgetAll drops every guild's cached settings (notify.Cache).
func (s *Service) ForgetAll() { s.settings.ForgetAll() }

// Settings returns the guild's settings (Defaults when it has none).
func (s *Service) Settings(ctx context.Context, guildID string) (Settings, error) {
	return s.settings.Get(ctx, guildID)
}

// loadSettings reads the guild's settings from the database.
func (s *Service) loadSettings(ctx context.Context, guildID string) (Settings, error) {
	set, ok, err := s.db.RaidSettings(ctx, guildID)
	if err != nil {
		return Settings{}, fmt.Errorf("read the raid settings of guild %s: %w", guildID, err)
	}
	if !ok {
		set = Defaults()
	}
	return set, nil
}

// Configure stores new settings for the guild; actorID changed them (the
// command that calls it writes the audit record).
func (s *Service) Configure(ctx context.Context, guildID, actorID string, set Settings) error {
	if err := set.Validate(); err != nil {
		return err
	}
	if err := s.db.SaveRaidSettings(ctx, guildID, actorID, set); err != nil {
		return fmt.Errorf("save the raid settings of guild %s: %w", guildID, err)
	}
	s.settings.Set(guildID, set)
	return nil
}

// Status returns the guild's raid mode as the database has it, so that
// any process can show it (an HTTP-mode instance answering /security raid
// does not see the joins).
func (s *Service) Status(ctx context.Context, guildID string) (State, bool, error) {
	st, ok, err := s.db.Raid(ctx, guildID)
	if err != nil {
		return State{}, false, fmt.Errorf("read the raid mode of guild %s: %w", guildID, err)
	}
	return st, ok, nil
}

// Active returns the guild's raid mode as this process runs it, if any.
func (s *Service) Active(guildID string) (State, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.raids[guildID]
	if !ok {
		return State{}, false
	}
	return *st, true
}

// Handled counts the joins Handle has seen.
func (s *Service) Handled() int64 { return s.handled.Load() }

// Load reads the raids in progress of the guilds this process owns
// (Options.Owns), so that they still end after a restart.
func (s *Service) Load(ctx context.Context) error {
	raids, err := s.db.ActiveRaids(ctx)
	if err != nil {
		return fmt.Errorf("read the raids in progress: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range raids {
		if s.opts.Owns == nil || s.opts.Owns(st.GuildID) {
			s.raids[st.GuildID] = &st
		}
	}
	s.loaded = true
	return nil
}

// Handle sees one join: it starts raid mode when the join makes a breach,
// and during raid mode applies the guild's response to it.
func (s *Service) Handle(ctx context.Context, j Join) error {
	defer s.handled.Add(1)
	created, err := CreatedAt(j.UserID)
	if err != nil {
		return err
	}
	set, err := s.Settings(ctx, j.GuildID)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	young := j.At.Sub(created) < set.YoungAge
	if st, ok := s.raids[j.GuildID]; ok {
		st.Joins++
		if young && j.At.After(st.LastJoin) {
			st.LastJoin = j.At
		}
		if err := s.db.SaveRaid(ctx, *st); err != nil {
			return fmt.Errorf("save the raid of guild %s: %w", j.GuildID, err)
		}
		return s.respond(ctx, st, set, []string{j.UserID})
	}
	w := s.windows[j.GuildID]
	if w == nil {
		w = &window{}
		s.windows[j.GuildID] = w
	}
	before := len(w.at)
	joins, youngs := w.add(j.At, young, set.Window)
	users := append(s.users[j.GuildID][before+1-joins:], windowUser{j.UserID, young})
	s.users[j.GuildID] = users
	if !set.breach(joins, youngs) {
		return nil
	}
	delete(s.windows, j.GuildID)
	delete(s.users, j.GuildID)
	// The raiders of the window that triggered raid mode are its young
	// accounts; members who joined beside them are left alone.
	var raiders []string
	for _, u := range users {
		if u.young {
			raiders = append(raiders, u.id)
		}
	}
	return s.begin(ctx, j, set, joins, youngs, raiders)
}

// begin starts raid mode: the state first (so that a restart ends it),
// then the alert and the response.
func (s *Service) begin(ctx context.Context, j Join, set Settings, joins, youngs int, users []string) error {
	st := &State{GuildID: j.GuildID, StartedAt: j.At, LastJoin: j.At, Action: set.Action, Enforced: s.opts.Enforce,
		PreviousLevel: -1, Joins: joins}
	if s.opts.Enforce && set.Action == ActionVerification {
		level, err := s.discord.VerificationLevel(ctx, j.GuildID)
		if err != nil {
			return fmt.Errorf("read the verification level of guild %s: %w", j.GuildID, err)
		}
		if level < set.Level {
			st.PreviousLevel = level
		}
	}
	if err := s.db.SaveRaid(ctx, *st); err != nil {
		return fmt.Errorf("save the raid of guild %s: %w", j.GuildID, err)
	}
	s.raids[j.GuildID] = st
	details := map[string]any{"joins": joins, "youngJoins": youngs, "window": set.Window.String(),
		"action": string(set.Action), "enforced": s.opts.Enforce}
	s.record(j.GuildID, audit.SystemActor, "raid-start", "", "raid detected", details)
	s.security(j.GuildID, "raid_detected", audit.High, fmt.Sprintf("%d joins in %s, %d from young accounts", joins, set.Window, youngs), details)
	s.alert(ctx, j.GuildID, StartAlert(joins, youngs, set, s.opts.Enforce))
	var errs []error
	if st.PreviousLevel >= 0 {
		err := s.discord.SetVerificationLevel(ctx, j.GuildID, set.Level, "Raid mode: raise the verification level")
		if err != nil {
			errs = append(errs, fmt.Errorf("raise the verification level of guild %s: %w", j.GuildID, err))
		}
		s.record(j.GuildID, audit.SystemActor, "raid-verification", "", "raid mode: verification level raised",
			map[string]any{"from": st.PreviousLevel, "to": set.Level, "ok": err == nil})
	} else if !s.opts.Enforce && set.Action == ActionVerification {
		s.record(j.GuildID, audit.SystemActor, "raid-dry-run", "", "raid mode (safe mode): would raise the verification level",
			map[string]any{"to": set.Level})
	}
	errs = append(errs, s.respond(ctx, st, set, users))
	return errors.Join(errs...)
}

// respond times out users when the raid's action is a timeout; in safe
// mode it records what it would have done.
func (s *Service) respond(ctx context.Context, st *State, set Settings, users []string) error {
	if st.Action != ActionTimeout {
		return nil
	}
	var errs []error
	for _, u := range users {
		if !st.Enforced {
			s.record(st.GuildID, audit.SystemActor, "raid-dry-run", u, "raid mode (safe mode): would time out a new member",
				map[string]any{"duration": set.TimeoutFor.String()})
			continue
		}
		err := s.discord.Timeout(ctx, st.GuildID, u, s.opts.Now().Add(set.TimeoutFor), "Raid mode: new member timed out")
		if err != nil {
			errs = append(errs, fmt.Errorf("time out %s in guild %s: %w", u, st.GuildID, err))
		}
		s.record(st.GuildID, audit.SystemActor, "raid-timeout", u, "raid mode: new member timed out",
			map[string]any{"duration": set.TimeoutFor.String(), "ok": err == nil})
	}
	return errors.Join(errs...)
}

// RunOnce ends every raid mode that has been quiet long enough and
// restores what it changed.
func (s *Service) RunOnce(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded {
		return nil
	}
	now := s.opts.Now()
	var errs []error
	for guildID, st := range s.raids {
		set, err := s.Settings(ctx, guildID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if now.Sub(st.LastJoin) < set.Quiet {
			continue
		}
		if err := s.end(ctx, st, set); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// end restores the verification level, then forgets the raid.
func (s *Service) end(ctx context.Context, st *State, set Settings) error {
	if st.PreviousLevel >= 0 {
		err := s.discord.SetVerificationLevel(ctx, st.GuildID, st.PreviousLevel, "Raid mode ended: restore the verification level")
		s.record(st.GuildID, audit.SystemActor, "raid-verification", "", "raid mode ended: verification level restored",
			map[string]any{"to": st.PreviousLevel, "ok": err == nil})
		if err != nil {
			// Kept: the next run tries again.
			return fmt.Errorf("restore the verification level of guild %s: %w", st.GuildID, err)
		}
	}
	if err := s.db.EndRaid(ctx, st.GuildID); err != nil {
		return fmt.Errorf("end the raid of guild %s: %w", st.GuildID, err)
	}
	delete(s.raids, st.GuildID)
	details := map[string]any{"joins": st.Joins, "startedAt": st.StartedAt, "quiet": set.Quiet.String()}
	s.record(st.GuildID, audit.SystemActor, "raid-end", "", "raid mode ended after a quiet period", details)
	s.security(st.GuildID, "raid_ended", audit.Medium, "raid mode ended", details)
	s.alert(ctx, st.GuildID, EndAlert(*st, set))
	return nil
}

// Start runs RunOnce every interval until ctx ends or Stop.
func (s *Service) Start(ctx context.Context, interval time.Duration) func() {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := s.RunOnce(ctx); err != nil {
					s.log.Error("Could not end a raid mode", "error", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

func (s *Service) record(guildID, actorID, action, target, reason string, details map[string]any) {
	if s.opts.Audit != nil {
		s.opts.Audit(audit.Entry{GuildID: guildID, ActionType: action, ActorID: actorID, TargetID: target, Reason: reason,
			Details: details})
	}
}

func (s *Service) security(guildID, eventType string, sev audit.Severity, attempted string, details map[string]any) {
	if s.opts.Security != nil {
		s.opts.Security(audit.SecurityEvent{EventType: eventType, Severity: sev, GuildID: guildID, ActorID: audit.SystemActor,
			Attempted: attempted, Details: details})
	}
}

func (s *Service) alert(ctx context.Context, guildID, text string) {
	if s.opts.Alert == nil {
		return
	}
	if err := s.opts.Alert(ctx, guildID, text); err != nil {
		s.log.Error("Could not deliver a raid alert", "guildId", guildID, "error", err)
	}
}
