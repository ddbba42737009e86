package view

// Modal is a form the bot opens in answer to a command or a button: its
// submit runs the component handler declared for Action with Args (signed
// into the modal's custom id, as a button's) and the values typed into
// Inputs, by input id.
type Modal struct {
	Title  string
	Action string
	Args   []string
	Inputs []TextInput
}

// TextInput is one text field of a Modal.
type TextInput struct {
	ID, Label, Placeholder string
	// Paragraph is a multi-line field; otherwise one line.
	Paragraph bool
	Required  bool
	// MinLength and MaxLength bound the value in characters (Discord
	// allows at most 4000); 0 leaves them to Discord.
	MinLength, MaxLength int
}
