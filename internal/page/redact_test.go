package page

import (
	"testing"

	"github.com/example/cognito-sam-go/internal/secret/secrettest"
)

func TestSignedInRedacted(t *testing.T) {
	s := SignedIn{AccessToken: "access-token-value"}
	for name, x := range map[string]any{"SignedIn": s, "*SignedIn": &s} {
		t.Run(name, func(t *testing.T) {
			secrettest.AssertRedacted(t, x, s.AccessToken)
		})
	}
}
