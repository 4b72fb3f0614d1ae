package secret_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/example/cognito-sam-go/internal/secret"
	"github.com/example/cognito-sam-go/internal/secret/mototest"
)

// TestCacheAgainstSecretsManager drives the real SDK client, built from the
// environment exactly as the functions build it, against moto_server.
func TestCacheAgainstSecretsManager(t *testing.T) {
	endpoint := mototest.Start(t)
	mototest.UseEndpoint(t, endpoint)
	sm := mototest.Client(t)
	const name = "stack/cognito-app-client"
	key := "k0123456789abcdef0123456789abcdef"
	mototest.PutSecret(t, sm, name, fmt.Sprintf(`{"client_id":"cid","client_secret":"one","cookie_key":%q}`, key))

	c := secret.NewCache(sm, name, secret.CacheOptions{RetryAfter: 1})
	ctx := context.Background()
	v, err := c.Get(ctx)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if v.ClientID != "cid" || v.ClientSecret != "one" || v.CookieKey != key {
		t.Fatalf("Get = %+v, want the stored fields", v)
	}

	// Rotation: the forced refresh sees the new value.
	mototest.PutSecret(t, sm, name, fmt.Sprintf(`{"client_id":"cid","client_secret":"two","cookie_key":%q}`, key))
	v2, err := c.Refresh(ctx, v)
	if err != nil || v2.ClientSecret != "two" {
		t.Fatalf("Refresh = %v, %v; want client_secret two", v2.ClientSecret, err)
	}

	// A missing secret is ErrUnavailable, through the SDK's real error.
	missing := secret.NewCache(sm, "no/such/secret", secret.CacheOptions{})
	if _, err := missing.Get(ctx); !errors.Is(err, secret.ErrUnavailable) {
		t.Fatalf("Get missing = %v, want ErrUnavailable", err)
	}
}
