package strike

import (
	"context"

	"github.com/embodied-community/embodied/internal/store"
)

// posted is where a mod-log post went: its channel and, once Discord took
// it, its message.
type posted struct{ channelID, messageID string }

// keepPost records a warning's mod-log post with the warning, so that a
// queued DM settling later can edit its DM line (SettleDM). shown is the DM
// status the post shows ("" when unknown): when the DM settled before the
// post was recorded, SettleDM had no post to edit, and the edit is made
// here. Both updates lock the warning's row, so exactly one of them sees
// both the post and the final status.
func (s *Service) keepPost(ctx context.Context, guildID string, warningID int64, p posted, shown DMStatus) {
	w, err := s.db.SetWarningModLogPost(ctx, guildID, warningID, p.channelID, p.messageID)
	if err != nil {
		s.log.Error("Could not keep the mod-log post with its warning", "guildId", guildID, "warningId", warningID, "error", err)
		return
	}
	if status := DMStatus(w.DMStatus); status != DMPending && status != shown {
		s.editPost(ctx, w, p, status)
	}
}

// ModLogPosted keeps a warning's mod-log post that a job delivered after
// Discord first refused it (429 or 5xx) with the warning, and brings its
// DM line up to date: the post was worded when it was queued. Posts of no
// warning (warningID 0) and failed deliveries (messageID "") are ignored.
func (s *Service) ModLogPosted(ctx context.Context, guildID string, warningID int64, channelID, messageID string) {
	if warningID == 0 || messageID == "" {
		return
	}
	s.keepPost(ctx, guildID, warningID, posted{channelID: channelID, messageID: messageID}, "")
}

// editPost shows status on the DM line of warning w's mod-log post p. A
// post the bot can no longer edit (deleted, channel gone, access lost) is
// left as it is: the warning row and the audit log keep the truth.
func (s *Service) editPost(ctx context.Context, w store.Warning, p posted, status DMStatus) {
	if err := s.fx.EditModLogDM(ctx, p.channelID, p.messageID, status); err != nil {
		s.log.Warn("Mod-log post not updated with the DM outcome; left as it is", "guildId", w.GuildID, "caseNumber", w.CaseNumber,
			"channelId", p.channelID, "messageId", p.messageID, "error", err)
		return
	}
	s.log.Info("Mod-log post updated with the DM outcome", "guildId", w.GuildID, "caseNumber", w.CaseNumber, "dmStatus", string(status))
}
