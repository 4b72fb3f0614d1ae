package logincookie

import (
	"testing"

	"github.com/example/cognito-sam-go/internal/secret/secrettest"
)

// TestRedacted: the attempt's state and the cookie key print redacted,
// however they are formatted or logged.
func TestRedacted(t *testing.T) {
	st := State{State: "state-value-x", Nonce: "nonce-value-x", Verifier: "verifier-value-x", Created: t0}
	var sealers Sealers
	if _, err := sealers.For(key); err != nil {
		t.Fatal(err)
	}
	secrets := []string{st.State, st.Nonce, st.Verifier, key}
	for name, x := range map[string]any{"State": st, "*State": &st, "*Sealers": &sealers} {
		t.Run(name, func(t *testing.T) { secrettest.AssertRedacted(t, x, secrets...) })
	}
}
