package logincookie

import (
	"testing"

	"github.com/example/cognito-sam-go/internal/secret/secrettest"
)

// TestRedacted: the attempt's state prints redacted, however it is
// formatted or logged.
func TestRedacted(t *testing.T) {
	st := State{State: "state-value-x", Nonce: "nonce-value-x", Verifier: "verifier-value-x", Created: t0}
	secrets := []string{st.State, st.Nonce, st.Verifier}
	for name, x := range map[string]any{"State": st, "*State": &st} {
		t.Run(name, func(t *testing.T) { secrettest.AssertRedacted(t, x, secrets...) })
	}
}
