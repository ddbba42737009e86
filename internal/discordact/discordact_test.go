package discordact

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/embodied-community/embodied/internal/bot"
	"github.com/embodied-community/embodied/internal/strike"
)

// A Confirm ban id fits Discord's 100 characters with the largest ids, and
// reads back, once verified, as the confirmation it was signed for.
func TestConfirmBanID(t *testing.T) {
	signer := bot.NewSigner([]byte("test key"))
	d := New(nil, signer)
	tests := []strike.BanConfirmation{
		{GuildID: "1576963932168388610", UserID: "1576963932201943050", Case: 3, Total: 3},
		{GuildID: "18446744073709551615", UserID: "18446744073709551615", Case: 1<<50 - 1, Total: 999},
	}
	for _, want := range tests {
		id, err := d.ConfirmBanID(want)
		if err != nil {
			t.Fatalf("ConfirmBanID(%+v): %v", want, err)
		}
		action, guildID, args, err := signer.Verify(id)
		if err != nil || action != strike.ConfirmBanAction {
			t.Fatalf("Verify(%q) = %q, %v", id, action, err)
		}
		got, ok := strike.ParseConfirmBan(guildID, args)
		if !ok {
			t.Fatalf("ParseConfirmBan(%q) failed", args)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("confirmation mismatch (-want +got):\n%s", diff)
		}
	}
}

func TestParseConfirmBanRejects(t *testing.T) {
	tests := [][]string{
		nil,
		{"1", "3"},
		{"", "3", "3"},
		{"1", "three", "3"},
		{"1", "3", "3", "extra"},
	}
	for _, args := range tests {
		if got, ok := strike.ParseConfirmBan("9", args); ok {
			t.Errorf("ParseConfirmBan(%q) = %+v, want a refusal", args, got)
		}
	}
}
