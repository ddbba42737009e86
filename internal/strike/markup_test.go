package strike

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The service says what happened as data; how Discord shows it (mentions,
// code spans, bold) is the Discord side's business. No string the service
// builds carries Discord markup.
func TestNoDiscordMarkup(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var offenders []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatalf("%s: %v", fset.Position(lit.Pos()), err)
			}
			for _, markup := range []string{"<@", "<#", "`", "**", "||"} {
				if strings.Contains(s, markup) {
					offenders = append(offenders, fset.Position(lit.Pos()).String()+": "+lit.Value)
					break
				}
			}
			return true
		})
	}
	if diff := cmp.Diff([]string(nil), offenders); diff != "" {
		t.Errorf("string literals with Discord markup mismatch (-want +got):\n%s", diff)
	}
}
