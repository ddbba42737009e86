// Package moderator is the pipeline's content moderator: before a handler
// runs, it scans the command's declared free-text options with the
// moderation engine. Ordinary toxic language, personal information and spam
// are stored and flagged for review (content_flags); the most severe
// categories are refused with a clear message, and flagged too.
package moderator

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/embodied-community/embodied/internal/logging"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/moderation"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/textcut"
)

// Checker judges a piece of text.
type Checker interface {
	Check(text string) moderation.Verdict
}

// Refuser is a Checker that decides itself which of its verdicts are
// refused (a guild's action per category); it wins over Options.Refuse.
type Refuser interface {
	Refuses(moderation.Verdict) bool
}

// Exempter is a Checker that exempts members by role.
type Exempter interface {
	Exempt(roles []string) bool
}

// FlagStore stores flags in content_flags (*store.Store).
type FlagStore interface {
	AddFlag(ctx context.Context, f store.ContentFlag) error
}

var _ FlagStore = (*store.Store)(nil)

// Options configures the moderator.
type Options struct {
	// Checker returns the engine for a guild (its own rules compiled in).
	Checker func(ctx context.Context, guildID string) Checker
	// Refuse decides which verdicts block the submission. Default: critical
	// severity (slurs, threats and self-harm encouragement at their worst).
	Refuse func(moderation.Verdict) bool
	// OnFlag is called for every flag (metrics).
	OnFlag func(category string)
	// OnOverrun is called for every text whose guild rules did not finish
	// within their time budget (metrics).
	OnOverrun func()
}

// Moderator flags and refuses text.
type Moderator struct {
	db   FlagStore
	log  *slog.Logger
	opts Options
}

// New returns a Moderator writing flags to db. It tags logger with its
// component, ContentModerator.
func New(db FlagStore, logger *slog.Logger, opts Options) *Moderator {
	if opts.Checker == nil {
		engine := moderation.Default()
		opts.Checker = func(context.Context, string) Checker { return engine }
	}
	if opts.Refuse == nil {
		opts.Refuse = func(v moderation.Verdict) bool { return v.Severity >= moderation.SeverityCritical }
	}
	return &Moderator{db: db, log: logging.Component(logger, "ContentModerator"), opts: opts}
}

// RefusedMessage is the reply to a refused submission.
func RefusedMessage(category moderation.Category) string {
	return fmt.Sprintf("🚫 Not saved: your text contains %s, which this server does not allow. Please rephrase it.", describe(category))
}

func describe(c moderation.Category) string {
	switch c {
	case moderation.CategorySlur:
		return "a slur or identity attack"
	case moderation.CategoryThreat:
		return "a threat"
	case moderation.CategorySelfHarm:
		return "encouragement of self-harm"
	case moderation.CategorySextortion:
		return "sexual extortion"
	case moderation.CategorySexual:
		return "sexual content"
	case moderation.CategoryPII:
		return "personal information (an email address or phone number)"
	case moderation.CategorySpam:
		return "spam (an invite link or mass mention)"
	case moderation.CategoryInsult:
		return "an insult"
	default:
		return "abusive language"
	}
}

// Middleware scans the declared options.
func (m *Moderator) Middleware() middleware.Middleware {
	return func(next middleware.Handler) middleware.Handler {
		return func(ctx context.Context, in *middleware.Interaction) error {
			if len(in.Policy.Moderated) == 0 {
				return next(ctx, in)
			}
			checker := m.opts.Checker(ctx, in.GuildID)
			if ex, ok := checker.(Exempter); ok && in.User.Member != nil && ex.Exempt(in.User.Member.Roles) {
				m.log.Debug("Member exempt from content moderation", "userId", in.User.ID)
				return next(ctx, in)
			}
			refuses := m.opts.Refuse
			if r, ok := checker.(Refuser); ok {
				refuses = r.Refuses
			}
			refuse := moderation.Category("")
			for _, mo := range in.Policy.Moderated {
				text := in.String(mo.Option)
				if text == "" {
					continue
				}
				v := checker.Check(text)
				if v.Overrun {
					m.log.Warn("Guild rules overran their time budget", "guildId", in.GuildID, "userId", in.User.ID,
						"contentType", mo.ContentType, "flagReason", v.Reason)
					if m.opts.OnOverrun != nil {
						m.opts.OnOverrun()
					}
				}
				if !v.Flagged {
					continue
				}
				flag := middleware.Flag{Option: mo.Option, ContentType: mo.ContentType, Reason: v.Reason,
					Category: string(v.Category), Severity: v.Severity.String()}
				if err := m.addFlag(ctx, in, flag, Excerpt(text, v), MatchedTerm(text, v)); err != nil {
					return err
				}
				m.log.Info("Content flagged", "userId", in.User.ID, "contentType", mo.ContentType, "flagReason", v.Reason,
					"category", string(v.Category), "severity", v.Severity.String())
				if m.opts.OnFlag != nil {
					m.opts.OnFlag(string(v.Category))
				}
				in.Flags = append(in.Flags, flag)
				if refuse == "" && refuses(v) {
					refuse = v.Category
				}
			}
			if refuse != "" {
				in.Outcome = middleware.OutcomeFlagged
				return in.Reply.Respond(ctx, middleware.Response{Content: RefusedMessage(refuse), Ephemeral: true})
			}
			return next(ctx, in)
		}
	}
}

func (m *Moderator) addFlag(ctx context.Context, in *middleware.Interaction, f middleware.Flag, excerpt string, term *string) error {
	return m.db.AddFlag(ctx, store.ContentFlag{GuildID: in.GuildID, UserID: in.User.ID, ContentType: f.ContentType,
		FlagReason: f.Reason, Category: &f.Category, Severity: f.Severity, Excerpt: excerpt, MatchedTerm: term})
}

// Excerpt is the flagged text around the first match, at most 300 bytes (the column allows 500),
// cut on UTF-8 boundaries: the evidence a flag keeps (message moderation stores it too).
func Excerpt(text string, v moderation.Verdict) string {
	const limit = 300
	if len(text) <= limit {
		return text
	}
	start := 0
	if len(v.Matches) > 0 {
		start = max(0, v.Matches[0].Start-100)
	}
	for start > 0 && !utf8.RuneStart(text[start]) {
		start--
	}
	return textcut.Bytes(text[start:], limit)
}

// MatchedTerm is the member's wording behind the deciding match (the most
// severe, earliest), widened to whole words and lower-cased: what a
// moderator allows when they dismiss the flag as a false positive. It is
// nil for personal information and spam, which are not word matches, and
// for wording longer than an allow-list entry may be.
func MatchedTerm(text string, v moderation.Verdict) *string {
	if v.Category == moderation.CategoryPII || v.Category == moderation.CategorySpam {
		return nil
	}
	for _, mt := range v.Matches {
		if mt.Category != v.Category || mt.Severity != v.Severity || mt.Start < 0 || mt.End > len(text) || mt.Start >= mt.End {
			continue
		}
		start, end := mt.Start, mt.End
		for start > 0 {
			r, n := utf8.DecodeLastRuneInString(text[:start])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			start -= n
		}
		for end < len(text) {
			r, n := utf8.DecodeRuneInString(text[end:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			end += n
		}
		term := strings.ToLower(strings.TrimSpace(text[start:end]))
		if term == "" || len(term) > moderation.MaxKeywordLen {
			return nil
		}
		return &term
	}
	return nil
}
