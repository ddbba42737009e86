// Package raid detects raids — a burst of joins, many of them from freshly
// created accounts — and runs a guild's raid mode: it alerts, and with
// enforcement on it times out new joins or raises the guild's verification
// level, until a quiet period has passed, when it restores what it
// changed. It knows neither Discord's types nor SQL: the wiring hands it
// joins and the narrow interfaces it acts through.
package raid

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// discordEpoch is the first second of 2015, the zero of Discord's
// snowflakes, in Unix milliseconds.
const discordEpoch = 1420070400000

// CreatedAt is when the account with this id was created: on Discord a
// user's creation time is the timestamp in its snowflake id.
func CreatedAt(userID string) (time.Time, error) {
	id, err := strconv.ParseUint(userID, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("user id %q is not a snowflake: %w", userID, err)
	}
	return time.UnixMilli(int64(id>>22) + discordEpoch).UTC(), nil
}

// Snowflake returns an id whose timestamp is t (the low bits carry seq),
// as Discord mints them; CreatedAt(Snowflake(t, n)) is t to the
// millisecond.
func Snowflake(t time.Time, seq uint64) string {
	return strconv.FormatUint(uint64(t.UnixMilli()-discordEpoch)<<22|seq&(1<<22-1), 10)
}

// Action is what raid mode does to a guild with enforcement on.
type Action string

// Actions a guild may choose.
const (
	// ActionTimeout times out every member who joins during raid mode.
	ActionTimeout Action = "timeout"
	// ActionVerification raises the guild's verification level while raid
	// mode lasts and restores the previous one afterwards.
	ActionVerification Action = "verification"
)

// Verification levels, as Discord numbers them.
const (
	VerificationNone     = 0
	VerificationLow      = 1
	VerificationMedium   = 2
	VerificationHigh     = 3
	VerificationVeryHigh = 4
)

// Settings are a guild's raid thresholds and response.
type Settings struct {
	// Joins in Window trigger raid mode when at least YoungPercent of them
	// come from accounts younger than YoungAge.
	Joins        int
	Window       time.Duration
	YoungPercent int
	YoungAge     time.Duration
	// Action is the response; TimeoutFor the length of a join's timeout;
	// Level the verification level raid mode raises the guild to.
	Action     Action
	TimeoutFor time.Duration
	Level      int
	// Quiet ends raid mode: that long without a qualifying join (one from
	// a young account).
	Quiet time.Duration
}

// Defaults are the settings of a guild that has not changed them: 10 joins
// in 60 seconds with at least half of them from accounts younger than 7
// days; new joins timed out for 10 minutes; raid mode ends after 10 quiet
// minutes.
func Defaults() Settings {
	return Settings{Joins: 10, Window: time.Minute, YoungPercent: 50, YoungAge: 7 * 24 * time.Hour,
		Action: ActionTimeout, TimeoutFor: 10 * time.Minute, Level: VerificationHigh, Quiet: 10 * time.Minute}
}

// Validate reports every setting out of range at once.
func (s Settings) Validate() error {
	var errs []error
	check := func(ok bool, msg string) {
		if !ok {
			errs = append(errs, errors.New(msg))
		}
	}
	check(s.Joins >= 2 && s.Joins <= 1000, "joins must be between 2 and 1000")
	check(s.Window >= 5*time.Second && s.Window <= time.Hour, "window must be between 5 seconds and 1 hour")
	check(s.YoungPercent >= 0 && s.YoungPercent <= 100, "young share must be between 0 and 100 percent")
	check(s.YoungAge >= time.Hour && s.YoungAge <= 365*24*time.Hour, "young account age must be between 1 hour and 365 days")
	check(s.Action == ActionTimeout || s.Action == ActionVerification, "action must be timeout or verification")
	check(s.TimeoutFor >= time.Minute && s.TimeoutFor <= 28*24*time.Hour, "timeout must be between 1 minute and 28 days")
	check(s.Level >= VerificationLow && s.Level <= VerificationVeryHigh, "verification level must be between 1 and 4")
	check(s.Quiet >= time.Minute && s.Quiet <= 24*time.Hour, "quiet period must be between 1 minute and 24 hours")
	return errors.Join(errs...)
}

// Join is a member joining a guild.
type Join struct {
	GuildID string
	UserID  string
	// At is when they joined (GUILD_MEMBER_ADD's joined_at).
	At time.Time
}

// window is one guild's recent joins, oldest first.
type window struct {
	at    []time.Time
	young []bool
}

// add records a join and drops those older than the window; it returns
// the joins in the window and how many are young.
func (w *window) add(at time.Time, young bool, span time.Duration) (joins, youngs int) {
	w.at = append(w.at, at)
	w.young = append(w.young, young)
	cut := 0
	for cut < len(w.at) && at.Sub(w.at[cut]) >= span {
		cut++
	}
	w.at, w.young = w.at[cut:], w.young[cut:]
	for _, y := range w.young {
		if y {
			youngs++
		}
	}
	return len(w.at), youngs
}

// breach reports whether joins, youngs of them young, trigger raid mode.
func (s Settings) breach(joins, youngs int) bool {
	return joins >= s.Joins && youngs*100 >= s.YoungPercent*joins
}
