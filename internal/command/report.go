package command

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/middleware/auditlog"
	"github.com/embodied-community/embodied/internal/store"
	"github.com/embodied-community/embodied/internal/view"
)

// Member reports: "Report message" and "Report user" in the context menus,
// open to every member of a guild. The command captures what is reported
// in a draft (PostgreSQL, so that any process may serve the submit) and
// opens a modal asking for a reason; the submit files the report into the
// review queue. The reported member is never told, and nothing they can
// see names the reporter.
const (
	// ReportLimit reports per ReportWindow per reporter and guild.
	ReportLimit  = 5
	ReportWindow = 10 * time.Minute
	// reportDraftTTL is how long a modal may stay open: an interaction
	// token's life.
	reportDraftTTL = 15 * time.Minute
	// ReportReasonMin and ReportReasonMax bound the reason, in characters
	// (Discord's text input allows 4000; moderators read the queue in an
	// embed).
	ReportReasonMin = 5
	ReportReasonMax = 1000
	// excerptMax is content_flags.excerpt's limit.
	excerptMax = 500
	// reportFlagReason is a report's flag reason in the queue. It goes
	// into a confirmed report's warning, so it never says who reported.
	reportFlagReason = "reported by a member"
	reportAction     = "report-submit"
	reportInput      = "reason"
)

// Replies to a reporter.
const (
	MsgReportThanks     = "✅ Thank you. Your report is with the moderators, who will review it. The member is not told that they were reported, nor by whom."
	MsgReportSelf       = "❌ You cannot report yourself."
	MsgReportBot        = "❌ Bots cannot be reported. If a bot misbehaves, tell the moderators."
	MsgReportOwnMessage = "❌ That message was posted by this bot and cannot be reported. If something is wrong with it, tell the moderators."
	MsgReportNotMember  = "❌ Only members of this server can be reported."
	MsgReportExpired    = "❌ This report form expired or was already sent. Use Report again on the message or member."
	MsgReportPending    = "❌ You already reported this, and the moderators have not reviewed it yet. Thank you for your patience."
	MsgReportNoMessage  = "❌ Discord did not say which message or whose it is; it cannot be reported."
)

// MsgReportLimit refuses a report beyond the reporter's allowance.
var MsgReportLimit = fmt.Sprintf("❌ You have sent %d reports in the last %d minutes, the most a member may. Please wait before reporting more; if it is urgent, contact a moderator directly.",
	ReportLimit, int(ReportWindow.Minutes()))

// registerReport declares the two report commands and the modal's submit.
func registerReport(reg Registry, d Deps) {
	// The in-memory limit only stops floods of the menu; the allowance of
	// reports is counted in PostgreSQL (ReportLimit), across processes.
	policy := middleware.Policy{Level: middleware.Member, GuildOnly: true, Ephemeral: true,
		Limit: middleware.Limit{Burst: 2 * ReportLimit, Per: time.Minute}}
	submit := policy
	submit.ActionType, submit.Effect = store.ReportActionType, middleware.DatabaseOnly
	reg.Add(
		middleware.Spec{Type: middleware.MessageCommand, Name: "Report message", Policy: policy,
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				m := in.TargetMessage
				if m == nil || m.Author.ID == "" {
					return middleware.Errorf(MsgReportNoMessage)
				}
				if err := reportable(d, in, m.Author); err != nil {
					return err
				}
				ch, id := m.ChannelID, m.ID
				return openReport(ctx, d, in, store.ReportDraft{TargetUserID: m.Author.ID, ContentType: store.ContentMessageReport,
					ChannelID: &ch, MessageID: &id, Excerpt: clip(m.Content, excerptMax)}, "Report a message")
			}},
		middleware.Spec{Type: middleware.UserCommand, Name: "Report user", Policy: policy,
			Handle: func(ctx context.Context, in *middleware.Interaction) error {
				u, ok := in.Resolved[in.TargetID]
				if !ok {
					u = middleware.User{ID: in.TargetID}
				}
				if err := reportable(d, in, u); err != nil {
					return err
				}
				if u.Member == nil {
					return middleware.Errorf(MsgReportNotMember)
				}
				return openReport(ctx, d, in, store.ReportDraft{TargetUserID: u.ID, ContentType: store.ContentUserReport},
					clip("Report "+u.Username, 45))
			}},
	)
	reg.AddComponent(middleware.Component{Action: reportAction, Policy: submit,
		Handle: func(ctx context.Context, in *middleware.Interaction) error {
			if len(in.Values) < 1 {
				return middleware.Errorf(middleware.MsgForged)
			}
			reason := strings.TrimSpace(in.ModalValues[reportInput])
			if n := len([]rune(reason)); n < ReportReasonMin || n > ReportReasonMax {
				return middleware.Errorf("❌ Please give a reason of %d to %d characters.", ReportReasonMin, ReportReasonMax)
			}
			f, err := d.Store.FileReport(ctx, store.Report{GuildID: in.GuildID, ReporterID: in.User.ID, Nonce: in.Values[0],
				Reason: reason, FlagReason: reportFlagReason, Severity: "medium", Limit: ReportLimit, Window: ReportWindow,
				// The reported member is not the record's target: a
				// member's data export lists the records naming them.
				Audit: auditlog.Entry(in, "", "")})
			if err != nil {
				return reportRefusal(err)
			}
			in.Log.Info("Member report filed", "guildId", in.GuildID, "flagId", f.ID, "contentType", f.ContentType)
			return in.Send(ctx, middleware.Response{Content: MsgReportThanks, Ephemeral: true})
		}})
}

// reportRefusal words why a report was not filed; other errors pass
// through.
func reportRefusal(err error) error {
	switch {
	case errors.Is(err, store.ErrReportLimit):
		return middleware.Errorf("%s", MsgReportLimit)
	case errors.Is(err, store.ErrReportPending):
		return middleware.Errorf(MsgReportPending)
	case errors.Is(err, store.ErrNotFound):
		return middleware.Errorf(MsgReportExpired)
	}
	return err
}

// reportable refuses a report of the reporter themselves, of a bot, or of
// a message this bot posted.
func reportable(d Deps, in *middleware.Interaction, target middleware.User) error {
	switch {
	case target.ID == in.User.ID:
		return middleware.Errorf(MsgReportSelf)
	case d.SelfID != nil && target.ID == d.SelfID():
		return middleware.Errorf(MsgReportOwnMessage)
	case target.Bot:
		return middleware.Errorf(MsgReportBot)
	}
	return nil
}

// openReport refuses a reporter over the limit before asking for a reason,
// stores the draft and opens the modal whose submit files it.
func openReport(ctx context.Context, d Deps, in *middleware.Interaction, draft store.ReportDraft, title string) error {
	n, err := d.Store.CountReports(ctx, in.GuildID, in.User.ID, ReportWindow)
	if err != nil {
		return err
	}
	if n >= ReportLimit {
		return middleware.Errorf("%s", MsgReportLimit)
	}
	draft.GuildID, draft.ReporterID = in.GuildID, in.User.ID
	if err := d.Store.CheckReport(ctx, draft); err != nil {
		return reportRefusal(err)
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("report nonce: %w", err)
	}
	draft.Nonce = hex.EncodeToString(b[:])
	if err := d.Store.SaveReportDraft(ctx, draft, reportDraftTTL); err != nil {
		return err
	}
	return in.Send(ctx, middleware.Response{Modal: &view.Modal{Title: title, Action: reportAction, Args: []string{draft.Nonce},
		Inputs: []view.TextInput{{ID: reportInput, Label: "Why are you reporting this?", Paragraph: true, Required: true,
			Placeholder: "Only the moderators see your report and your name.", MinLength: ReportReasonMin, MaxLength: ReportReasonMax}}}})
}
