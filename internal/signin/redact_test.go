package signin

import (
	"context"
	"testing"

	"github.com/example/cognito-sam-go/internal/apigw/apigwtest"
	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/secret"
	"github.com/example/cognito-sam-go/internal/secret/secrettest"
	"golang.org/x/oauth2"
)

// TestRedacted: the Server (once it has sealed a cookie, so it holds the
// derived key) and every type of this package that carries a code, a
// cookie or a token print redacted, however they are formatted or logged.
func TestRedacted(t *testing.T) {
	v := secret.Value{ClientID: "client-id", ClientSecret: "client-secret-value-x", CookieKey: "cookie-key-value-x-0123456789abcdef",
		PreviousCookieKey: "previous-cookie-key-value-x-0123456789abcdef"}
	cfg := &config.Config{CognitoDomain: domain, SecretName: "s", Scopes: config.DefaultScopes}
	s := New(Options{Config: cfg, Secrets: secret.Static{Value: v}, Cognito: cognito.New(cognito.Options{Domain: domain}), Logger: discard})
	if resp, _ := s.Login(context.Background(), apigwtest.Request("/login", nil, nil)); resp.StatusCode != 302 {
		t.Fatalf("/login: %d", resp.StatusCode)
	}
	tok := (&oauth2.Token{AccessToken: "access-token-x", RefreshToken: "refresh-token-x"}).WithExtra(map[string]any{"id_token": "id-token-x"})
	secrets := []string{v.ClientSecret, v.CookieKey, v.PreviousCookieKey, "the-code-x", "the-state-x", "the-cookie-x", "access-token-x", "refresh-token-x", "id-token-x"}
	for name, x := range map[string]any{
		"*Server":         s,
		"*keyCache":       s.keys, // holds the cookie key once /login ran
		"callbackRequest": callbackRequest{code: "the-code-x", state: "the-state-x", cookie: "the-cookie-x"},
		"tokenBody":       tokenBody{AccessToken: "access-token-x", IDToken: "id-token-x", RefreshToken: "refresh-token-x"},
		"verified":        verified{token: tok, idToken: "id-token-x"},
	} {
		t.Run(name, func(t *testing.T) { secrettest.AssertRedacted(t, x, secrets...) })
	}
}
