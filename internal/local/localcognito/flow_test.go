package localcognito

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// TestAuthorizationCodeFlow drives the pool the way the application does:
// golang.org/x/oauth2 with client_secret_basic and PKCE, then go-oidc to
// verify the ID token, over real HTTP with a cookie-keeping browser.
func TestAuthorizationCodeFlow(t *testing.T) {
	pool := newTestPool(t, func(o *Options) { o.Now = nil }) // real clock: go-oidc checks exp against time.Now
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	cfg := oauth2.Config{
		ClientID:     testClientID,
		ClientSecret: testSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:   pool.Domain() + "/oauth2/authorize",
			TokenURL:  pool.Domain() + "/oauth2/token",
			AuthStyle: oauth2.AuthStyleInHeader,
		},
		RedirectURL: testCallback,
		Scopes:      []string{oidc.ScopeOpenID, "email", "profile", "api/read"},
	}
	verifier := oauth2.GenerateVerifier()
	const state, nonce = "st-6f1c2a", "nc-93be7d"
	b := newBrowser(t)

	// authorize → sign-in page, with the same parameters
	res := b.get(cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)))
	if res.status != http.StatusFound {
		t.Fatalf("authorize: status %d, want 302", res.status)
	}
	if got, want := res.location().Path, "/login"; got != want {
		t.Fatalf("authorize redirected to %q, want %q", got, want)
	}
	res = b.get(res.header.Get("Location"))
	if res.status != http.StatusOK {
		t.Fatalf("sign-in page: status %d, want 200", res.status)
	}

	// credentials → back to the client with code and state
	form := formFields(res.body)
	form.Set("email", testEmail)
	form.Set("password", testPassword)
	res = b.post(pool.Domain()+"/login", pool.Domain(), form)
	if res.status != http.StatusFound {
		t.Fatalf("sign in: status %d, want 302; body %s", res.status, res.body)
	}
	back := res.location()
	if got := back.Scheme + "://" + back.Host + back.Path; got != testCallback {
		t.Fatalf("redirected to %q, want %q", got, testCallback)
	}
	if got := back.Query().Get("state"); got != state {
		t.Errorf("state = %q, want %q", got, state)
	}
	var sessionCookie *http.Cookie
	for _, c := range (&http.Response{Header: res.header}).Cookies() {
		if c.Name == SessionCookieName {
			sessionCookie = c
		}
	}
	if sessionCookie == nil || !sessionCookie.HttpOnly || sessionCookie.SameSite != http.SameSiteLaxMode || sessionCookie.Path != "/" {
		t.Errorf("session cookie = %+v, want %s HttpOnly SameSite=Lax Path=/", sessionCookie, SessionCookieName)
	}

	// code → tokens, with the real x/oauth2 client
	tok, err := cfg.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if tok.TokenType != "Bearer" || tok.RefreshToken == "" || tok.ExpiresIn != 3600 {
		t.Errorf("token = type %q, refresh %t, expires_in %d; want Bearer, a refresh token, 3600",
			tok.TokenType, tok.RefreshToken != "", tok.ExpiresIn)
	}
	rawID, _ := tok.Extra("id_token").(string)

	// ID token, verified by go-oidc against the discovered issuer and keys
	provider, err := oidc.NewProvider(ctx, pool.Issuer())
	if err != nil {
		t.Fatalf("NewProvider: %v", err)
	}
	idToken, err := provider.Verifier(&oidc.Config{ClientID: testClientID}).Verify(ctx, rawID)
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	if idToken.Nonce != nonce {
		t.Errorf("ID token nonce = %q, want %q", idToken.Nonce, nonce)
	}
	if err := idToken.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("ID token at_hash: %v", err)
	}
	sub, _ := pool.UserSub(testEmail)
	var id map[string]any
	if err := idToken.Claims(&id); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]any{
		"sub":              sub,
		"cognito:username": sub,
		"aud":              testClientID,
		"iss":              pool.Issuer(),
		"token_use":        "id",
		"email":            testEmail,
		"email_verified":   true,
	} {
		if got := id[name]; got != want {
			t.Errorf("ID token %s = %v, want %v", name, got, want)
		}
	}
	for _, name := range []string{"origin_jti", "event_id", "jti", "auth_time", "iat", "exp", "at_hash"} {
		if id[name] == nil {
			t.Errorf("ID token has no %s", name)
		}
	}

	// access token: signed by the same keys, Cognito's claims, no aud
	accessToken, err := provider.Verifier(&oidc.Config{SkipClientIDCheck: true}).Verify(ctx, tok.AccessToken)
	if err != nil {
		t.Fatalf("verify access token: %v", err)
	}
	var access map[string]any
	if err := accessToken.Claims(&access); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]any{
		"sub":        sub,
		"username":   sub,
		"client_id":  testClientID,
		"token_use":  "access",
		"scope":      "api/read email openid profile",
		"version":    float64(2),
		"origin_jti": id["origin_jti"],
		"event_id":   id["event_id"],
		"auth_time":  id["auth_time"],
	} {
		if got := access[name]; got != want {
			t.Errorf("access token %s = %v, want %v", name, got, want)
		}
	}
	if _, ok := access["aud"]; ok {
		t.Errorf("access token has aud %v; Cognito access tokens have none", access["aud"])
	}
	if access["jti"] == id["jti"] {
		t.Error("access and ID tokens share a jti")
	}

	// userInfo through go-oidc (which accepts Cognito's string email_verified)
	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("UserInfo: %v", err)
	}
	if info.Subject != sub || info.Email != testEmail || !info.EmailVerified {
		t.Errorf("UserInfo = %s %s %t, want %s %s true", info.Subject, info.Email, info.EmailVerified, sub, testEmail)
	}

	// refresh: new ID and access tokens for the same sign-in, no nonce
	refreshed, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	rawID2, _ := refreshed.Extra("id_token").(string)
	idToken2, err := provider.Verifier(&oidc.Config{ClientID: testClientID}).Verify(ctx, rawID2)
	if err != nil {
		t.Fatalf("verify refreshed ID token: %v", err)
	}
	var id2 map[string]any
	if err := idToken2.Claims(&id2); err != nil {
		t.Fatal(err)
	}
	if id2["nonce"] != nil || id2["origin_jti"] != id["origin_jti"] || id2["auth_time"] != id["auth_time"] || id2["jti"] == id["jti"] {
		t.Errorf("refreshed ID token: nonce %v, origin_jti %v, auth_time %v, jti %v; want no nonce, the same origin_jti and auth_time, a new jti",
			id2["nonce"], id2["origin_jti"], id2["auth_time"], id2["jti"])
	}
	if refreshed.AccessToken == tok.AccessToken {
		t.Error("refresh returned the same access token")
	}
}

func TestDiscoveryDocument(t *testing.T) {
	pool := newTestPool(t, nil)
	res := newBrowser(t).get(pool.Issuer() + "/.well-known/openid-configuration")
	if res.status != http.StatusOK {
		t.Fatalf("status %d, want 200", res.status)
	}
	for _, want := range []string{
		`"issuer":"` + pool.Issuer() + `"`,
		`"authorization_endpoint":"` + pool.Domain() + `/oauth2/authorize"`,
		`"token_endpoint":"` + pool.Domain() + `/oauth2/token"`,
		`"userinfo_endpoint":"` + pool.Domain() + `/oauth2/userInfo"`,
		`"revocation_endpoint":"` + pool.Domain() + `/oauth2/revoke"`,
		`"end_session_endpoint":"` + pool.Domain() + `/logout"`,
		`"jwks_uri":"` + pool.JWKSURL() + `"`,
		`"response_types_supported":["code"]`,
		`"id_token_signing_alg_values_supported":["RS256"]`,
		`"subject_types_supported":["public"]`,
		`"token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post"]`,
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("discovery document lacks %s\n%s", want, res.body)
		}
	}
	jwks := newBrowser(t).get(pool.JWKSURL())
	if jwks.status != http.StatusOK || !strings.Contains(jwks.body, `"kid":"`+pool.Signer().KeyID()+`"`) || strings.Contains(jwks.body, `"d":`) {
		t.Errorf("JWKS: status %d, body %s; want 200 with the public key only", jwks.status, jwks.body)
	}
}

func TestDefaultsAndAccessors(t *testing.T) {
	pool := newTestPool(t, nil)
	tests := []struct{ name, got, want string }{
		{"PoolID", pool.PoolID(), DefaultPoolID},
		{"Issuer", pool.Issuer(), pool.Domain() + "/" + DefaultPoolID},
		{"JWKSURL", pool.JWKSURL(), pool.Issuer() + "/.well-known/jwks.json"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	u, _ := url.Parse(pool.Domain())
	if u.Path != "" || slices.Contains([]string{"", "/"}, u.Host) {
		t.Errorf("Domain %q: want scheme://host only", pool.Domain())
	}
}
