package signin

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/example/cognito-sam-go/internal/apigw/apigwtest"
	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/secret"
)

// hangingSecretsManager answers the first GetSecretValue with the secret
// and hangs on every later one until the call's context ends, as Secrets
// Manager does when it stops answering.
type hangingSecretsManager struct {
	value string
	calls atomic.Int32
}

func (h *hangingSecretsManager) GetSecretValue(ctx context.Context, _ *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if h.calls.Add(1) == 1 {
		v := h.value
		return &secretsmanager.GetSecretValueOutput{SecretString: &v}, nil
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// BenchmarkWarmLoginSecretsManagerHanging times GET /login in a warm
// environment whose secret.Cache (default TTL, RetryAfter and FetchTimeout)
// holds the secret: "fresh" within the TTL, "hanging" past it with Secrets
// Manager no longer answering. Before each request the cache's clock moves
// on by RetryAfter, so every request is one that may call Secrets Manager
// again, as in an environment serving steady traffic. Compare the two
// ns/op: the difference is what a hanging Secrets Manager costs a request.
func BenchmarkWarmLoginSecretsManagerHanging(b *testing.B) {
	for _, hang := range []bool{false, true} {
		name := "fresh"
		if hang {
			name = "hanging"
		}
		b.Run(name, func(b *testing.B) {
			sm := &hangingSecretsManager{value: fmt.Sprintf(`{"client_id":%q,"client_secret":%q,"cookie_key":%q}`,
				creds.ClientID, creds.ClientSecret, creds.CookieKey)}
			clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
			cache := secret.NewCache(sm, "name", secret.CacheOptions{Now: clk.Now})
			cfg := &config.Config{CognitoDomain: domain, SecretName: "name", Scopes: config.DefaultScopes}
			h := New(Options{Config: cfg, Secrets: cache, Logger: discard,
				Cognito: cognito.New(cognito.Options{Domain: cfg.CognitoDomain, Scopes: cfg.Scopes})})
			req := apigwtest.Request("/login", nil, nil)
			if resp, _ := h.Login(context.Background(), req); resp.StatusCode != http.StatusFound {
				b.Fatalf("first /login = %d, want 302", resp.StatusCode)
			}
			if hang {
				clk.Advance(secret.DefaultTTL)
			}
			b.ResetTimer()
			for range b.N {
				if hang {
					clk.Advance(secret.DefaultRetryAfter)
				}
				if resp, _ := h.Login(context.Background(), req); resp.StatusCode != http.StatusFound {
					b.Fatalf("/login = %d, want 302", resp.StatusCode)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(sm.calls.Load()-1), "refetches")
		})
	}
}
