// Package view describes what the bot shows a member, without Discord's
// types: embeds with fields, rows of buttons that name an action and its
// arguments, and files. Handlers build these; the bot package renders them
// to discordgo and signs each button's action for the interaction's guild,
// so that no package below the edge imports discordgo.
package view

import "io"

// Embed is a rich message block.
type Embed struct {
	Title       string
	Description string
	Color       int
	Fields      []Field
	// Footer is the footer's text; "" means no footer.
	Footer string
}

// Field is one name/value pair of an Embed.
type Field struct {
	Name, Value string
	Inline      bool
}

// Style is how a button looks.
type Style int

// Button styles, as Discord numbers them.
const (
	Primary   Style = 1
	Secondary Style = 2
	Success   Style = 3
	Danger    Style = 4
)

// Button is a button that, when clicked, runs the component handler
// declared for Action with Args (the bot signs both into its custom id,
// bound to the guild of the interaction it is sent in).
type Button struct {
	Label  string
	Style  Style
	Action string
	Args   []string
}

// Row is one row of buttons.
type Row []Button

// File is an attachment.
type File struct {
	Name, ContentType string
	Reader            io.Reader
}
