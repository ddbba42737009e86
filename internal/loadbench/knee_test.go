package loadbench

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFindKnee(t *testing.T) {
	ladder := []float64{25, 50, 100, 200}
	tests := []struct {
		name  string
		limit float64 // steps at or below pass
		flaky float64 // this step fails whatever the limit
		want  float64
		tried []float64
	}{
		{"passes everything", 1000, 0, 200, []float64{25, 50, 100, 200}},
		{"bisects towards the first failure", 80, 0, 75, []float64{25, 50, 100, 200, 75, 87.5}},
		{"one hiccup is forgiven", 150, 50, 150, []float64{25, 50, 100, 200, 150, 175}},
		{"the floor when the first rung fails", 20, 0, 17.5, []float64{25, 50, 10, 17.5, 21.25}},
		{"nothing passes", 5, 0, 0, []float64{25, 50, 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tried []float64
			got := findKnee(ladder, 10, 2, func(rate float64) bool {
				tried = append(tried, rate)
				return rate <= tt.limit && rate != tt.flaky
			})
			if got != tt.want {
				t.Errorf("knee = %g, want %g", got, tt.want)
			}
			if diff := cmp.Diff(tt.tried, tried); diff != "" {
				t.Errorf("steps mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
