package discordact

import (
	"context"
	"net/http"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/strike"
)

// dmLinePrefix starts the last line of a warning's mod-log post
// (modLogText).
const dmLinePrefix = "\nDM: "

// EditModLogDM shows status on the DM line of a warning's mod-log post,
// leaving the rest of the post as Discord has it: it reads the post (Get
// Channel Message) and edits its embeds (Edit Message) only when the line
// says something else, so that a second call edits nothing. A post whose
// DM line was cut off (a description at its limit) is left as it is.
func (d *Discord) EditModLogDM(ctx context.Context, channelID, messageID string, status strike.DMStatus) error {
	what := "edit mod-log post " + messageID
	m, err := d.s.ChannelMessage(channelID, messageID, discordgo.WithContext(ctx))
	if err != nil {
		return classify(what, err)
	}
	if len(m.Embeds) == 0 {
		return nil
	}
	desc, ok := withDMLine(m.Embeds[0].Description, status)
	if !ok {
		return nil
	}
	m.Embeds[0].Description = desc
	body := struct {
		Embeds          []*discordgo.MessageEmbed         `json:"embeds"`
		AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
	}{m.Embeds, &discordgo.MessageAllowedMentions{}}
	ep := discordgo.EndpointChannelMessage(channelID, messageID)
	if _, err := d.s.RequestWithBucketID(http.MethodPatch, ep, body, discordgo.EndpointChannelMessages(channelID), discordgo.WithContext(ctx)); err != nil {
		return classify(what, err)
	}
	return nil
}

// withDMLine returns desc with its last line, the DM line, saying status,
// and whether that changed it.
func withDMLine(desc string, status strike.DMStatus) (string, bool) {
	i := strings.LastIndex(desc, dmLinePrefix)
	if i < 0 || strings.Contains(desc[i+1:], "\n") {
		return desc, false
	}
	out := desc[:i] + dmLinePrefix + string(status)
	return out, out != desc
}
