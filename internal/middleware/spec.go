package middleware

import "context"

// OptionType is the type of a command option.
type OptionType int

// Option types.
const (
	String OptionType = iota
	Integer
	Boolean
	UserOption
	// Role is a role option; its value is the role id.
	Role
	// Channel is a text channel option; its value is the channel id.
	Channel
)

// Option declares one command option and its limits.
type Option struct {
	Name, Description string
	Type              OptionType
	Required          bool
	MinLength         int // strings
	MaxLength         int // strings; 0 means Discord's 6000
	Min, Max          int64
	HasRange          bool // Min and Max apply (integers)
	Choices           []string
	// AllowNonMember lets a user option name someone outside the guild;
	// AllowBot lets it name a bot.
	AllowNonMember, AllowBot bool
}

// CommandType is the kind of application command a Spec declares.
type CommandType int

// Command types. A context-menu command (UserCommand, MessageCommand) has a
// name Discord shows as is (mixed case and spaces allowed, at most 32
// characters), no description and no options; it is invoked on a member or
// a message, which the interaction carries (Interaction.TargetID).
const (
	ChatInput CommandType = iota
	UserCommand
	MessageCommand
)

// Spec declares one command (or subcommand, "barbie add"): its options,
// policy and handler. One declaration drives registration, routing, option
// validation and the middleware; the bot resolves it once per interaction
// and carries it on the Interaction.
type Spec struct {
	// Type is ChatInput (a slash command, the zero value) or a
	// context-menu command.
	Type        CommandType
	Name        string
	Description string
	Options     []Option
	Policy      Policy
	// Check refuses a call before any effect or audit record, for rules
	// beyond the options' own limits (e.g. "only the owner may use this
	// flag"); it runs right after option validation. Optional.
	Check func(ctx context.Context, in *Interaction) error
	// Defer acknowledges at once: for handlers that may take longer than
	// about 2 s (they are deferred automatically at 2 s anyway).
	Defer  bool
	Handle Handler
}

// Component declares a button or select handler, routed by the action named
// in its signed custom id.
type Component struct {
	Action string
	Policy Policy
	Handle Handler
}

// Group describes a top-level command whose subcommands are Specs.
type Group struct {
	Name, Description string
}

// MsgUnknown refuses an interaction for a command or component that is not
// declared (any more).
const MsgUnknown = "❌ This command is not available any more."

// MsgForged refuses a component whose custom id the bot did not sign, or
// whose arguments are not what the bot signed.
const MsgForged = "❌ This button is not valid. Run the command again."
