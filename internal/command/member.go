package command

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/embodied-community/embodied/internal/audit"
	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/view"
)

// memberPolicy is the policy of ordinary member commands.
func memberPolicy(ephemeral bool, moderated ...middleware.Moderated) middleware.Policy {
	return middleware.Policy{Level: middleware.Member, GuildOnly: true, Ephemeral: ephemeral, Moderated: moderated}
}

// flagNotice tells a member that part of their submission was flagged.
func flagNotice(in *middleware.Interaction) string {
	if len(in.Flags) == 0 {
		return ""
	}
	return "\n⚠️ Your submission was flagged for moderator review."
}

func registerMember(reg Registry, d Deps) {
	reg.Group(middleware.Group{Name: "barbie", Description: "Your private list of contacts"})
	reg.Group(middleware.Group{Name: "journal", Description: "Your private journal"})
	reg.Group(middleware.Group{Name: "course", Description: "Course progress"})
	reg.Group(middleware.Group{Name: "duel", Description: "Friendly XP duels"})

	count := func(name, desc string) middleware.Option {
		return middleware.Option{Name: name, Description: desc, Type: middleware.Integer, HasRange: true, Min: 0, Max: 1000}
	}
	statsPolicy := memberPolicy(false)
	statsPolicy.Limit = middleware.Limit{Burst: 3, Per: time.Hour}
	reg.Add(
		middleware.Spec{
			Name: "submit-stats", Description: "Log today's numbers and earn XP",
			Options: []middleware.Option{count("approaches", "Approaches today"), count("contacts", "Contacts made"), count("dates", "Dates")},
			Policy:  statsPolicy,
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				a, _ := in.Int("approaches")
				c, _ := in.Int("contacts")
				dt, _ := in.Int("dates")
				st, p, err := d.Store.SubmitStats(ctx, store.Stats{GuildID: in.GuildID, UserID: in.User.ID,
					Day: day(d.Now()), Approaches: int(a), Contacts: int(c), Dates: int(dt)})
				if err != nil {
					return err
				}
				return in.Say(ctx, "📊 Stats saved for %s: %d approaches, %d contacts, %d dates. +%d XP (total %d XP, level %d, streak %d %s).",
					st.Day.Format("2006-01-02"), st.Approaches, st.Contacts, st.Dates, st.XPAwarded, p.XP, p.Level, p.StreakDays, plural(p.StreakDays, "day"))
			},
		},
		middleware.Spec{
			Name: "barbie add", Description: "Add a contact to your list",
			Options: []middleware.Option{
				{Name: "name", Description: "Their name", Type: middleware.String, Required: true, MinLength: 1, MaxLength: 100},
				{Name: "notes", Description: "Notes (private)", Type: middleware.String, MaxLength: 1000},
			},
			Policy: memberPolicy(true, middleware.Moderated{Option: "name", ContentType: "barbie_name"},
				middleware.Moderated{Option: "notes", ContentType: "barbie_note"}),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				c, err := d.Store.AddBarbie(ctx, in.GuildID, in.User.ID, strings.TrimSpace(in.String("name")), in.String("notes"))
				if err != nil {
					return err
				}
				return in.Say(ctx, "✅ Added **%s** to your list (#%d).%s", escape(c.Name), c.ID, flagNotice(in))
			},
		},
		middleware.Spec{
			Name: "barbie list", Description: "Show your list", Policy: memberPolicy(true),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				list, err := d.Store.BarbieList(ctx, in.GuildID, in.User.ID, 25)
				if err != nil {
					return err
				}
				if len(list) == 0 {
					return in.Say(ctx, "Your list is empty. Add someone with `/barbie add`.")
				}
				e := &view.Embed{Title: "Your list", Color: colorInfo}
				for _, c := range list {
					notes := c.Notes
					if notes == "" {
						notes = "—"
					}
					e.Fields = append(e.Fields, view.Field{
						Name: fmt.Sprintf("#%d %s", c.ID, clip(c.Name, 200)), Value: clip(notes, 300)})
				}
				return in.Send(ctx, middleware.Response{Embeds: []view.Embed{*e}})
			},
		},
		middleware.Spec{
			Name: "barbie remove", Description: "Remove a contact from your list",
			Options: []middleware.Option{{Name: "id", Description: "The contact's number (see /barbie list)", Type: middleware.Integer,
				Required: true, HasRange: true, Min: 1, Max: 1<<53 - 1}},
			Policy: memberPolicy(true),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				id, _ := in.Int("id")
				name, err := d.Store.RemoveBarbie(ctx, in.GuildID, in.User.ID, id)
				if errors.Is(err, store.ErrNotYours) {
					return middleware.Refuse("foreign_record", audit.Medium, "", "❌ You have no contact #%d.", id)
				}
				if errors.Is(err, store.ErrNotFound) {
					return middleware.Errorf("❌ You have no contact #%d.", id)
				}
				if err != nil {
					return err
				}
				return in.Say(ctx, "🗑️ Removed **%s** from your list.", escape(name))
			},
		},
		middleware.Spec{
			Name: "journal add", Description: "Write a journal entry",
			Options: []middleware.Option{{Name: "entry", Description: "What happened, what you learned", Type: middleware.String,
				Required: true, MinLength: 1, MaxLength: 4000}},
			Policy: memberPolicy(true, middleware.Moderated{Option: "entry", ContentType: "journal_entry"}),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				e, err := d.Store.AddJournal(ctx, in.GuildID, in.User.ID, in.String("entry"))
				if err != nil {
					return err
				}
				return in.Say(ctx, "📓 Journal entry #%d saved.%s", e.ID, flagNotice(in))
			},
		},
		middleware.Spec{
			Name: "journal list", Description: "Read your recent entries", Policy: memberPolicy(true),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				list, err := d.Store.Journal(ctx, in.GuildID, in.User.ID, 10)
				if err != nil {
					return err
				}
				if len(list) == 0 {
					return in.Say(ctx, "Your journal is empty. Write with `/journal add`.")
				}
				e := &view.Embed{Title: "Your journal", Color: colorInfo}
				for _, j := range list {
					e.Fields = append(e.Fields, view.Field{
						Name: fmt.Sprintf("#%d — %s", j.ID, j.CreatedAt.UTC().Format("2006-01-02 15:04")), Value: clip(j.Content, 400)})
				}
				return in.Send(ctx, middleware.Response{Embeds: []view.Embed{*e}})
			},
		},
		middleware.Spec{
			Name: "profile", Description: "XP, level and streak",
			Options: []middleware.Option{{Name: "user", Description: "Whose profile (default: yours)", Type: middleware.UserOption}},
			Policy:  memberPolicy(false),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				who := in.User.ID
				if u, ok := in.Target("user"); ok {
					who = u.ID
				}
				p, err := d.Store.Profile(ctx, in.GuildID, who)
				if errors.Is(err, store.ErrNotFound) {
					return in.Say(ctx, "<@%s> has no XP yet: `/submit-stats` is the way to start.", who)
				}
				if err != nil {
					return err
				}
				return in.Send(ctx, middleware.Response{Embeds: []view.Embed{{
					Title: "Profile", Description: fmt.Sprintf("<@%s>", who), Color: colorInfo,
					Fields: []view.Field{
						{Name: "XP", Value: fmt.Sprint(p.XP), Inline: true},
						{Name: "Level", Value: fmt.Sprint(p.Level), Inline: true},
						{Name: "Streak", Value: fmt.Sprintf("%d %s", p.StreakDays, plural(p.StreakDays, "day")), Inline: true},
					},
				}}})
			},
		},
		middleware.Spec{
			Name: "daily", Description: "Write today's record",
			Options: []middleware.Option{{Name: "note", Description: "How today went", Type: middleware.String, Required: true, MinLength: 1, MaxLength: 2000}},
			Policy:  memberPolicy(true, middleware.Moderated{Option: "note", ContentType: "daily_record"}),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				today := day(d.Now())
				if err := d.Store.SaveDailyRecord(ctx, in.GuildID, in.User.ID, today, in.String("note")); err != nil {
					return err
				}
				return in.Say(ctx, "🗓️ Record for %s saved.%s", today.Format("2006-01-02"), flagNotice(in))
			},
		},
		middleware.Spec{
			Name: "tensey", Description: "Log a completed comfort-zone challenge",
			Options: []middleware.Option{{Name: "challenge", Description: "What you did", Type: middleware.String, Required: true, MinLength: 1, MaxLength: 1000}},
			Policy:  memberPolicy(false, middleware.Moderated{Option: "challenge", ContentType: "tensey"}),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				n, err := d.Store.AddTensey(ctx, in.GuildID, in.User.ID, in.String("challenge"))
				if err != nil {
					return err
				}
				return in.Say(ctx, "💪 Tensey logged. That makes %d.%s", n, flagNotice(in))
			},
		},
		middleware.Spec{
			Name: "course complete", Description: "Mark a course module as done",
			Options: []middleware.Option{{Name: "module", Description: "Module name", Type: middleware.String, Required: true, MinLength: 1, MaxLength: 100}},
			Policy:  memberPolicy(true),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				module := strings.TrimSpace(in.String("module"))
				added, err := d.Store.CompleteModule(ctx, in.GuildID, in.User.ID, module)
				if err != nil {
					return err
				}
				if !added {
					return in.Say(ctx, "You had already completed **%s**.", escape(module))
				}
				return in.Say(ctx, "🎓 Module **%s** completed.", escape(module))
			},
		},
		middleware.Spec{
			Name: "duel challenge", Description: "Challenge a member to an XP duel",
			Options: []middleware.Option{
				{Name: "user", Description: "Your opponent", Type: middleware.UserOption, Required: true},
				{Name: "stake", Description: "XP at stake", Type: middleware.Integer, HasRange: true, Min: 0, Max: 10000},
			},
			Policy: memberPolicy(false),
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				opp, _ := in.Target("user")
				if opp.ID == in.User.ID {
					return middleware.Errorf("❌ You cannot duel yourself.")
				}
				stake, _ := in.Int("stake")
				du, err := d.Store.CreateDuel(ctx, in.GuildID, in.User.ID, opp.ID, int(stake))
				if err != nil {
					return err
				}
				return in.Say(ctx, "⚔️ <@%s> challenged <@%s> to duel #%d for %d XP.", in.User.ID, opp.ID, du.ID, du.StakeXP)
			},
		},
	)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
