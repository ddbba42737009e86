package discordsim

import "github.com/bwmarrin/discordgo"

// messageWire is a message as Discord sends it. discordgo's Message leaves
// its components out of JSON (`json:"-"`: it only reads them, through its
// UnmarshalJSON), but Discord's message object carries them in every REST
// answer and gateway event.
type messageWire struct {
	*discordgo.Message
	Components []discordgo.MessageComponent `json:"components"`
}

// wire returns v ready to encode: messages, alone or in a list, with their
// components; anything else as it is.
func wire(v any) any {
	switch m := v.(type) {
	case *discordgo.Message:
		return wireMessage(m)
	case discordgo.Message:
		return wireMessage(&m)
	case []*discordgo.Message:
		out := make([]messageWire, len(m))
		for i, x := range m {
			out[i] = wireMessage(x)
		}
		return out
	case []discordgo.Message:
		out := make([]messageWire, len(m))
		for i := range m {
			out[i] = wireMessage(&m[i])
		}
		return out
	}
	return v
}

func wireMessage(m *discordgo.Message) messageWire {
	c := m.Components
	if c == nil {
		c = []discordgo.MessageComponent{}
	}
	return messageWire{Message: m, Components: c}
}
