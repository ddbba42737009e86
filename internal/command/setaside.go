package command

import (
	"fmt"

	"github.com/embodied-community/embodied/internal/middleware"
	"github.com/embodied-community/embodied/internal/view"
)

// addSetAside shows owners the audit records set aside for a human (refused
// by the database or unreadable in the fallback file). They may come from
// any guild, so only owners see the figure.
func addSetAside(e *view.Embed, d Deps, in *middleware.Interaction) {
	if d.AuditSetAside == nil || in.Caller < middleware.Owner {
		return
	}
	n := d.AuditSetAside()
	v := "0"
	if n > 0 {
		v = fmt.Sprintf("%d — run `embodied audit rejected`", n)
		e.Color = colorDanger
	}
	e.Fields = append(e.Fields, view.Field{Name: "Audit records set aside", Value: v, Inline: true})
}
