package permission

import (
	"testing"

	"github.com/embodied-community/embodied/internal/middleware"
)

func TestLevel(t *testing.T) {
	g := New([]string{"100000000000000001", "100000000000000002"}, nil, nil, nil)
	tests := []struct {
		user  string
		perms int64
		want  middleware.Level
	}{
		{"100000000000000001", 0, middleware.Owner},
		{"100000000000000002", 0, middleware.Owner}, // second owner of the list
		{"300000000000000000", middleware.PermAdministrator, middleware.Admin},
		{"300000000000000000", middleware.PermManageGuild, middleware.Admin},
		{"300000000000000000", middleware.PermModerateMembers, middleware.Moderator},
		{"300000000000000000", middleware.PermBanMembers, middleware.Member}, // banning alone is not moderation here
		{"300000000000000000", 0, middleware.Member},
	}
	for _, tt := range tests {
		if got := g.Level(tt.user, tt.perms); got != tt.want {
			t.Errorf("Level(%s, %b) = %v, want %v", tt.user, tt.perms, got, tt.want)
		}
	}
}
