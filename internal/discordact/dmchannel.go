package discordact

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/jobs"
	"github.com/embodied-community/embodied/internal/strike"
)

// SendDM sends the DM, worded, to the member. Queued, it names its
// warning, whose DM status the job then settles.
func (d *Discord) SendDM(ctx context.Context, dm strike.DM) error {
	return d.sendText(ctx, jobs.Delivery{What: "DM " + dm.UserID, UserID: dm.UserID, GuildID: dm.GuildID, WarningID: dm.WarningID}, DMText(dm))
}

// DM sends text, mentioning nobody, in the user's DM channel; a 429 or 5xx
// queues it (QueueFailed). Discord keeps a DM channel for good, so it is
// opened once and remembered; one that Discord no longer knows (10003
// Unknown Channel) is forgotten and reopened, once.
func (d *Discord) DM(ctx context.Context, userID, text string) error {
	return d.sendText(ctx, jobs.Delivery{What: "DM " + userID, UserID: userID}, text)
}

// sendText DMs text to del.UserID, queuing it as del on a 429 or 5xx.
func (d *Discord) sendText(ctx context.Context, del jobs.Delivery, text string) error {
	msg := &discordgo.MessageSend{Content: text, AllowedMentions: &discordgo.MessageAllowedMentions{}}
	return d.queueIfTransient(ctx, del, msg, d.dm(ctx, del.UserID, msg))
}

func (d *Discord) dm(ctx context.Context, userID string, msg any) error {
	chID, known := d.dms.Get(userID)
	if !known {
		var err error
		if chID, err = d.openDM(ctx, userID); err != nil {
			return err
		}
	}
	_, err := d.send(ctx, chID, msg)
	if known && discordCode(err) == codeUnknownChannel {
		d.dms.Remove(userID)
		if chID, err = d.openDM(ctx, userID); err != nil {
			return err
		}
		_, err = d.send(ctx, chID, msg)
	}
	return classify("DM "+userID, err)
}

// openDM opens the user's DM channel and remembers it.
func (d *Discord) openDM(ctx context.Context, userID string) (string, error) {
	ch, err := d.s.UserChannelCreate(userID, discordgo.WithContext(ctx))
	if err != nil {
		return "", classify("open DM with "+userID, err)
	}
	d.dms.Add(userID, ch.ID)
	return ch.ID, nil
}

// send posts msg (a *discordgo.MessageSend, or a queued message's JSON) to
// the channel and returns the message's id.
func (d *Discord) send(ctx context.Context, channelID string, msg any) (string, error) {
	ep := discordgo.EndpointChannelMessages(channelID)
	body, err := d.s.RequestWithBucketID(http.MethodPost, ep, msg, ep, discordgo.WithContext(ctx))
	if err != nil {
		return "", err
	}
	var m struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return "", fmt.Errorf("read the message posted to %s: %w", channelID, err)
	}
	return m.ID, nil
}

// discordCode returns the JSON error code of a Discord REST error, or 0.
func discordCode(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	return 0
}
