package doctor

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/config"
)

// portal ends the interactions check's detail.
const portal = "; Discord POSTs there once the Interactions Endpoint URL (HTTPS, through a TLS proxy or load balancer) is saved in the Developer Portal"

// With the HTTP interactions endpoint on, doctor says so and whether the
// instance also connects to the gateway; with it off, nothing is shown.
func TestCheckInteractions(t *testing.T) {
	tests := []struct {
		name string
		cfg  config.Config
		want []Result
	}{
		{name: "off", cfg: config.Config{}},
		{name: "beside the gateway", cfg: config.Config{InteractionsAddr: "127.0.0.1:8080"},
			want: []Result{{Status: Pass, Check: "interactions", Detail: "HTTP interactions: on at 127.0.0.1:8080, beside the gateway" + portal}}},
		{name: "HTTP mode", cfg: config.Config{InteractionsAddr: ":8080", HTTPOnly: true},
			want: []Result{{Status: Pass, Check: "interactions", Detail: "HTTP interactions: on at :8080; no gateway connection (SECOPS_GATEWAY=false): a gateway process must run too, for the events" + portal}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Report{}
			checkInteractions(r, &tt.cfg)
			if diff := cmp.Diff(tt.want, r.Results); diff != "" {
				t.Errorf("results mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
