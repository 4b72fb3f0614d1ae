package seal_test

import (
	"testing"

	"github.com/example/cognito-sam-go/internal/seal"
	"github.com/example/cognito-sam-go/internal/secret/secrettest"
)

// TestRedacted: the keys and a Box print without the cookie keys.
func TestRedacted(t *testing.T) {
	k := seal.Keys{Current: "current-key-that-must-not-print-0123456789", Previous: "previous-key-that-must-not-print-0123456789", Deployment: "client-id"}
	b, err := seal.New(k, "label")
	if err != nil {
		t.Fatal(err)
	}
	for name, x := range map[string]any{"Keys": k, "*Keys": &k, "*Box": b} {
		t.Run(name, func(t *testing.T) { secrettest.AssertRedacted(t, x, k.Current, k.Previous) })
	}
}
