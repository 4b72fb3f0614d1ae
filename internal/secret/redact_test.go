package secret_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/example/cognito-sam-go/internal/secret"
	"github.com/example/cognito-sam-go/internal/secret/secrettest"
)

const (
	clientSecret = "client-secret-that-must-not-print"
	cookieKey    = "cookie-key-that-must-not-print-0123456789"
	previousKey  = "previous-cookie-key-that-must-not-print-0123456789"
)

type oneSecret string

func (s oneSecret) GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	v := string(s)
	return &secretsmanager.GetSecretValueOutput{SecretString: &v}, nil
}

// TestRedacted: every type of this package that holds the secret prints
// without it, however it is formatted or logged.
func TestRedacted(t *testing.T) {
	v := secret.Value{ClientID: "client-id", ClientSecret: clientSecret, CookieKey: cookieKey, PreviousCookieKey: previousKey}
	cache := secret.NewCache(oneSecret(`{"client_id":"client-id","client_secret":"`+clientSecret+`","cookie_key":"`+cookieKey+`","previous_cookie_key":"`+previousKey+`"}`), "name", secret.CacheOptions{})
	if got, err := cache.Get(context.Background()); err != nil || got != v {
		t.Fatalf("cache holds %v, %v; want the value", got, err)
	}
	for name, x := range map[string]any{
		"Value": v, "*Value": &v, "Static": secret.Static{Value: v}, "*Static": &secret.Static{Value: v}, "*Cache": cache,
		"SealKeys": v.SealKeys(),
	} {
		t.Run(name, func(t *testing.T) { secrettest.AssertRedacted(t, x, clientSecret, cookieKey, previousKey) })
	}
}
