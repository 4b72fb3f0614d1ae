package signin

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/cognito-sam-go/internal/cognito/cognitotest"
	"github.com/example/cognito-sam-go/internal/routes"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestFunctionsWarmUpWhatTheirRoutesNeed: each sign-in function's handler
// builds for its routes (routes.Handler fails if one is not bound), and at
// init it starts fetching the secret, and
// the key set only where ID tokens are verified (callback, refresh). A
// failed warm-up is logged and does not fail start-up.
func TestFunctionsWarmUpWhatTheirRoutesNeed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close() // Secrets Manager "is" there: every fetch fails at once
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", closed)
	for _, tt := range []struct {
		fn        string
		build     func(context.Context, string, func(string) string, *slog.Logger) (routes.HandlerFunc, error)
		wantsKeys bool
	}{
		{"login", LoginFunction, false},
		{"callback", CallbackFunction, true},
		{"refresh", RefreshFunction, true},
		{"logout", LogoutFunction, false},
	} {
		t.Run(tt.fn, func(t *testing.T) {
			cog := cognitotest.New(t)
			env := map[string]string{"COGNITO_DOMAIN": cog.URL, "COGNITO_ISSUER": cog.Issuer, "CLIENT_SECRET_NAME": "s"}
			var logs syncBuffer
			h, err := tt.build(context.Background(), tt.fn, func(k string) string { return env[k] }, slog.New(slog.NewJSONHandler(&logs, nil)))
			if err != nil || h == nil {
				t.Fatalf("build: %v", err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(logs.String(), `"warm_up":"secret"`) || tt.wantsKeys && cog.JWKSHits.Load() == 0 {
				if time.Now().After(deadline) {
					t.Fatalf("warm-ups not seen: %d key-set fetches, logs:\n%s", cog.JWKSHits.Load(), logs.String())
				}
				time.Sleep(5 * time.Millisecond)
			}
			time.Sleep(50 * time.Millisecond) // a key-set fetch that should not happen would have by now
			if got := cog.JWKSHits.Load(); got != map[bool]int32{true: 1, false: 0}[tt.wantsKeys] {
				t.Errorf("%d key-set fetches at init, want keys: %v", got, tt.wantsKeys)
			}
		})
	}
}
