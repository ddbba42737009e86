package discordact

import (
	"context"
	"errors"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/strike"
)

// SendDM sends the DM, worded, to the member.
func (d *Discord) SendDM(ctx context.Context, dm strike.DM) error {
	return d.DM(ctx, dm.UserID, DMText(dm))
}

// DM sends text, mentioning nobody, in the user's DM channel. Discord keeps
// a DM channel for good, so it is opened once and remembered; one that
// Discord no longer knows (10003 Unknown Channel) is forgotten and reopened,
// once.
func (d *Discord) DM(ctx context.Context, userID, text string) error {
	chID, known := d.dms.Get(userID)
	if !known {
		var err error
		if chID, err = d.openDM(ctx, userID); err != nil {
			return err
		}
	}
	err := d.send(ctx, chID, text)
	if known && discordCode(err) == codeUnknownChannel {
		d.dms.Remove(userID)
		if chID, err = d.openDM(ctx, userID); err != nil {
			return err
		}
		err = d.send(ctx, chID, text)
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

func (d *Discord) send(ctx context.Context, channelID, text string) error {
	_, err := d.s.ChannelMessageSendComplex(channelID, &discordgo.MessageSend{Content: text,
		AllowedMentions: &discordgo.MessageAllowedMentions{}}, discordgo.WithContext(ctx))
	return err
}

// discordCode returns the JSON error code of a Discord REST error, or 0.
func discordCode(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	return 0
}
