package strike

// Line is one line of a mod-log post: Before, the member UserID (when set;
// the Discord side shows a mention), then After. The service says whom a
// line names; how a member is shown is the Discord side's business.
type Line struct {
	Before, UserID, After string
}

// textLine is a line that names no member.
func textLine(s string) Line { return Line{Before: s} }
