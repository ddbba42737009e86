package discordsim

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The Get Current Application answer matches the OpenAPI document's
// PrivateApplicationResponse (every required field, every type), with and
// without an interactions endpoint set.
func TestCurrentApplicationMatchesSpec(t *testing.T) {
	x := loadSpec()
	if x.err != nil {
		t.Fatal(x.err)
	}
	x.mu.Lock()
	sch, err := x.compiler.Compile(specURL + "#/components/schemas/PrivateApplicationResponse")
	x.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	for _, endpoint := range []string{"", "https://bot.example/interactions"} {
		t.Run("endpoint "+endpoint, func(t *testing.T) {
			s := NewTest(t, Options{InteractionsEndpoint: endpoint})
			s.SeedSandbox()
			req, _ := http.NewRequest(http.MethodGet, s.URL()+"/api/v10/applications/@me", nil)
			req.Header.Set("Authorization", "Bot "+s.Token())
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Errorf("%s\ndoes not match PrivateApplicationResponse: %v", body, err)
			}
		})
	}
}
