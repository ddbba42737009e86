package bot

import (
	"errors"

	"github.com/bwmarrin/discordgo"

	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/view"
)

// message is a Response rendered to discordgo's types.
type message struct {
	embeds     []*discordgo.MessageEmbed
	components []discordgo.MessageComponent
	files      []*discordgo.File
}

// render turns a Response's view types into discordgo's, signing each
// button's action and arguments for guildID. Nil lists stay nil and empty
// ones empty: on an update, an empty list clears what the message had.
func render(m middleware.Response, signer *Signer, guildID string) (message, error) {
	var out message
	if m.Embeds != nil {
		out.embeds = make([]*discordgo.MessageEmbed, 0, len(m.Embeds))
		for _, e := range m.Embeds {
			out.embeds = append(out.embeds, renderEmbed(e))
		}
	}
	if m.Components != nil {
		out.components = make([]discordgo.MessageComponent, 0, len(m.Components))
		for _, row := range m.Components {
			buttons := make([]discordgo.MessageComponent, 0, len(row))
			for _, b := range row {
				if signer == nil {
					return message{}, errors.New("render buttons: no signer")
				}
				id, err := signer.Sign(b.Action, guildID, b.Args...)
				if err != nil {
					return message{}, err
				}
				buttons = append(buttons, discordgo.Button{Label: b.Label, Style: discordgo.ButtonStyle(b.Style), CustomID: id})
			}
			out.components = append(out.components, discordgo.ActionsRow{Components: buttons})
		}
	}
	if m.Files != nil {
		out.files = make([]*discordgo.File, 0, len(m.Files))
		for _, f := range m.Files {
			out.files = append(out.files, &discordgo.File{Name: f.Name, ContentType: f.ContentType, Reader: f.Reader})
		}
	}
	return out, nil
}

// renderModal renders a modal, its custom id signed for guildID as a
// button's: the submit is routed and verified like a click.
func renderModal(m *view.Modal, signer *Signer, guildID string) (*discordgo.InteractionResponseData, error) {
	if signer == nil {
		return nil, errors.New("render modal: no signer")
	}
	id, err := signer.Sign(m.Action, guildID, m.Args...)
	if err != nil {
		return nil, err
	}
	rows := make([]discordgo.MessageComponent, 0, len(m.Inputs))
	for _, in := range m.Inputs {
		style := discordgo.TextInputShort
		if in.Paragraph {
			style = discordgo.TextInputParagraph
		}
		rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.TextInput{
			CustomID: in.ID, Label: in.Label, Placeholder: in.Placeholder, Style: style, Required: in.Required,
			MinLength: in.MinLength, MaxLength: in.MaxLength}}})
	}
	return &discordgo.InteractionResponseData{CustomID: id, Title: m.Title, Components: rows}, nil
}

func renderEmbed(e view.Embed) *discordgo.MessageEmbed {
	out := &discordgo.MessageEmbed{Title: e.Title, Description: e.Description, Color: e.Color}
	if e.Footer != "" {
		out.Footer = &discordgo.MessageEmbedFooter{Text: e.Footer}
	}
	for _, f := range e.Fields {
		out.Fields = append(out.Fields, &discordgo.MessageEmbedField{Name: f.Name, Value: f.Value, Inline: f.Inline})
	}
	return out
}
