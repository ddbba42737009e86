package discordsim

import (
	"errors"
	"testing"
)

func TestValidateBody(t *testing.T) {
	tests := []struct {
		name, method, template, body string
		wantSchema                   string // substring of the failing schema path; "" = valid
	}{
		{"bulk overwrite with string permissions", "PUT", "/applications/{application_id}/commands",
			`[{"name":"ping","description":"x","default_member_permissions":"8","options":null}]`, ""},
		{"content wrong type", "POST", "/channels/{channel_id}/messages", `{"content":5}`, "/components/schemas/MessageCreateRequest/properties/content/type"},
		{"ban seconds too high", "PUT", "/guilds/{guild_id}/bans/{user_id}", `{"delete_message_seconds":604801}`, "BanUserFromGuildRequest/properties/delete_message_seconds/maximum"},
		{"timeout not a date", "PATCH", "/guilds/{guild_id}/members/{user_id}", `{"communication_disabled_until":"tomorrow"}`, "communication_disabled_until/format"},
		{"callback embed title too long", "POST", "/interactions/{interaction_id}/{interaction_token}/callback",
			`{"type":4,"data":{"embeds":[{"title":"` + string(make([]byte, 0)) + long(257) + `"}]}}`, "RichEmbed/properties/title/maxLength"},
		{"callback ok", "POST", "/interactions/{interaction_id}/{interaction_token}/callback", `{"type":4,"data":{"content":"hi","flags":64}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateBody(tt.method, tt.template, []byte(tt.body))
			var se *schemaError
			switch {
			case tt.wantSchema == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantSchema != "" && !errors.As(err, &se):
				t.Fatalf("error = %v, want a schema error", err)
			case tt.wantSchema != "" && !contains(se.schemaPath, tt.wantSchema):
				t.Fatalf("schema path = %q (%s), want it to contain %q", se.schemaPath, se.message, tt.wantSchema)
			}
		})
	}
}

func long(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}

func contains(s, sub string) bool { return len(sub) == 0 || (len(s) >= len(sub) && index(s, sub) >= 0) }

func index(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
