package discordsim

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// openapiGz is Discord's OpenAPI 3.1 description (discord/discord-api-spec,
// specs/openapi.json at 74fda0fad044, MIT, see spec/LICENSE.openapi), gzipped so the
// emulator also runs as a standalone process.
//
//go:embed spec/openapi.json.gz
var openapiGz []byte

const specURL = "https://discord.com/api/v10/openapi.json"

type specIndex struct {
	err      error
	compiler *jsonschema.Compiler
	paths    map[string]map[string]any // template -> method -> operation
	mu       sync.Mutex
	cache    map[string]*jsonschema.Schema
}

var printer = message.NewPrinter(language.English)

var (
	specOnce sync.Once
	spec     specIndex
)

func loadSpec() *specIndex {
	specOnce.Do(func() {
		spec.err = spec.load()
	})
	return &spec
}

func (x *specIndex) load() error {
	zr, err := gzip.NewReader(bytes.NewReader(openapiGz))
	if err != nil {
		return fmt.Errorf("open embedded openapi: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return fmt.Errorf("read embedded openapi: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("parse openapi: %w", err)
	}
	relaxIntegers(doc)
	root, _ := doc.(map[string]any)
	paths, _ := root["paths"].(map[string]any)
	x.paths = map[string]map[string]any{}
	for p, item := range paths {
		ops, _ := item.(map[string]any)
		x.paths[p] = ops
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	for _, name := range []string{"snowflake", "int32", "int64", "double", "nonce"} {
		c.RegisterFormat(&jsonschema.Format{Name: name, Validate: func(any) error { return nil }})
	}
	if err := c.AddResource(specURL, doc); err != nil {
		return fmt.Errorf("add openapi resource: %w", err)
	}
	x.compiler = c
	x.cache = map[string]*jsonschema.Schema{}
	return nil
}

// relaxIntegers lets integer-typed fields also take decimal strings. Discord parses
// both (discordgo sends default_member_permissions and permission bitsets as strings,
// which the spec types as integers), so a string of digits is no violation.
func relaxIntegers(v any) {
	switch n := v.(type) {
	case map[string]any:
		if isIntegerType(n["type"]) {
			switch t := n["type"].(type) {
			case string:
				n["type"] = []any{t, "string"}
			case []any:
				n["type"] = append(t, "string")
			}
			if _, ok := n["pattern"]; !ok {
				n["pattern"] = "^-?[0-9]+$"
			}
		}
		for _, c := range n {
			relaxIntegers(c)
		}
	case []any:
		for _, c := range n {
			relaxIntegers(c)
		}
	}
}

func isIntegerType(t any) bool {
	switch t := t.(type) {
	case string:
		return t == "integer"
	case []any:
		return slices.Contains(t, any("integer")) && !slices.Contains(t, any("string"))
	}
	return false
}

// schemaFor returns the compiled request-body schema of method on template, or nil when
// the operation declares no JSON body.
func (x *specIndex) schemaFor(method, template string) (*jsonschema.Schema, error) {
	if x.err != nil {
		return nil, x.err
	}
	method = strings.ToLower(method)
	op, _ := x.paths[template][method].(map[string]any)
	if op == nil {
		return nil, fmt.Errorf("openapi has no %s %s", method, template)
	}
	rb, _ := op["requestBody"].(map[string]any)
	content, _ := rb["content"].(map[string]any)
	if _, ok := content["application/json"]; !ok {
		return nil, nil
	}
	key := method + " " + template
	x.mu.Lock()
	defer x.mu.Unlock()
	if sch, ok := x.cache[key]; ok {
		return sch, nil
	}
	loc := specURL + "#/paths/" + escapePointer(template) + "/" + method + "/requestBody/content/application~1json/schema"
	sch, err := x.compiler.Compile(loc)
	if err != nil {
		return nil, fmt.Errorf("compile schema %s: %w", key, err)
	}
	x.cache[key] = sch
	return sch, nil
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// schemaError is a body that does not match the spec.
type schemaError struct {
	schemaPath, instancePath, message string
}

func (e *schemaError) Error() string {
	return fmt.Sprintf("%s: %s (schema %s)", e.instancePath, e.message, e.schemaPath)
}

// validateBody checks a JSON body against the operation's schema.
func validateBody(method, template string, body []byte) error {
	x := loadSpec()
	sch, err := x.schemaFor(method, template)
	if err != nil || sch == nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return &schemaError{schemaPath: "#", instancePath: "/", message: "body is not JSON: " + err.Error()}
	}
	err = sch.Validate(inst)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	leaf := deepest(ve)
	sp := leaf.SchemaURL
	if i := strings.Index(sp, "#"); i >= 0 {
		sp = sp[i:]
	}
	if u, err := url.PathUnescape(sp); err == nil {
		sp = u
	}
	if kp := leaf.ErrorKind.KeywordPath(); len(kp) > 0 {
		sp += "/" + strings.Join(kp, "/")
	}
	return &schemaError{
		schemaPath:   sp,
		instancePath: "/" + strings.Join(leaf.InstanceLocation, "/"),
		message:      leaf.ErrorKind.LocalizedString(printer),
	}
}

// deepest picks the leaf error that points furthest into the body: with anyOf/oneOf
// unions it is the branch that matched the most before failing.
func deepest(e *jsonschema.ValidationError) *jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return e
	}
	var best *jsonschema.ValidationError
	for _, c := range e.Causes {
		l := deepest(c)
		if best == nil || len(l.InstanceLocation) > len(best.InstanceLocation) {
			best = l
		}
	}
	return best
}
