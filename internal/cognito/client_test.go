package cognito

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/cognito-sam-go/internal/cognito/cognitotest"
	"github.com/example/cognito-sam-go/internal/cognito/cognitotest/tokensign"
	"golang.org/x/oauth2"
)

const (
	clientID     = "client-id"
	clientSecret = "se:cr/et"
	redirectURI  = "https://abc.execute-api.us-east-1.amazonaws.com/Prod/callback"
)

func newClient(s *cognitotest.Server) *Client {
	return New(Options{Domain: s.URL, Issuer: s.Issuer, Scopes: []string{"openid", "email"}})
}

func TestAuthCodeURL(t *testing.T) {
	c := New(Options{Domain: "https://d.auth.us-east-1.amazoncognito.com/", Scopes: []string{"openid", "api/read"}})
	verifier := oauth2.GenerateVerifier()
	u, err := url.Parse(c.AuthCodeURL(clientID, redirectURI, "the-state", "the-nonce", verifier))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.Scheme+"://"+u.Host+u.Path, "https://d.auth.us-east-1.amazoncognito.com/oauth2/authorize"; got != want {
		t.Errorf("endpoint = %q, want %q", got, want)
	}
	q := u.Query()
	want := map[string]string{
		"response_type": "code", "client_id": clientID, "redirect_uri": redirectURI,
		"scope": "openid api/read", "state": "the-state", "nonce": "the-nonce",
		"code_challenge_method": "S256", "code_challenge": oauth2.S256ChallengeFromVerifier(verifier),
	}
	for k, v := range want {
		if got := q.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestLogoutURL(t *testing.T) {
	c := New(Options{Domain: "https://d.auth.us-east-1.amazoncognito.com/"})
	got, err := url.Parse(c.LogoutURL("client id", "https://api.example.com/Prod/signed-out?x=1&y=2"))
	if err != nil {
		t.Fatal(err)
	}
	if base := got.Scheme + "://" + got.Host + got.Path; base != "https://d.auth.us-east-1.amazoncognito.com/logout" {
		t.Errorf("logout endpoint = %s", base)
	}
	q := got.Query()
	if q.Get("client_id") != "client id" || q.Get("logout_uri") != "https://api.example.com/Prod/signed-out?x=1&y=2" || len(q) != 2 {
		t.Errorf("query = %v, want client_id and logout_uri, escaped", q)
	}
}

func TestExchangeSendsBasicAuthVerifierAndRedirect(t *testing.T) {
	s := cognitotest.New(t)
	s.HandleToken(s.Tokens(clientID, ""))
	tok, err := newClient(s).Exchange(context.Background(), clientID, clientSecret, redirectURI, "the-code", "the-verifier")
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.Extra("id_token") == nil {
		t.Fatalf("token = %+v, want access and id tokens", tok)
	}
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("token requests = %d, want 1", len(reqs))
	}
	r := reqs[0]
	if !r.HasBasic || r.BasicUser != clientID || r.BasicPass != clientSecret {
		t.Errorf("basic auth = %v %q %q, want client_secret_basic with %q", r.HasBasic, r.BasicUser, r.BasicPass, clientID)
	}
	if r.Form.Get("client_secret") != "" {
		t.Error("client_secret sent in the body as well")
	}
	for k, v := range map[string]string{"grant_type": "authorization_code", "code": "the-code", "code_verifier": "the-verifier", "redirect_uri": redirectURI} {
		if got := r.Form.Get(k); got != v {
			t.Errorf("form %s = %q, want %q", k, got, v)
		}
	}
}

func TestExchangeErrorsAndSingleSend(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		timeout time.Duration
		want    error
	}{
		{"invalid_client", cognitotest.OAuthError(400, "invalid_client"), 0, ErrInvalidClient},
		{"invalid_client 401", cognitotest.OAuthError(401, "invalid_client"), 0, ErrInvalidClient},
		{"invalid_grant", cognitotest.OAuthError(400, "invalid_grant"), 0, ErrInvalidGrant},
		{"unauthorized_client", cognitotest.OAuthError(400, "unauthorized_client"), 0, ErrRejected},
		{"server error", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }, 0, ErrUnavailable},
		{"html instead of json", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>hi</html>"))
		}, 0, ErrUnavailable},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/oauth2/token", http.StatusTemporaryRedirect)
		}, 0, ErrUnavailable},
		{"hang", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, 100 * time.Millisecond, ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cognitotest.New(t)
			s.HandleToken(tt.handler)
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			_, err := newClient(s).Exchange(ctx, clientID, clientSecret, redirectURI, "code-123", "v")
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), "code-123") || strings.Contains(err.Error(), clientSecret) {
				t.Errorf("error text leaks the code or secret: %v", err)
			}
			if n := len(s.Requests()); n != 1 {
				t.Errorf("token requests = %d, want exactly 1 (the code is single-use)", n)
			}
		})
	}
}

// TestInvalidGrantNamesTheGrant: Exchange and Refresh share ErrInvalidGrant,
// and the log line says which grant Cognito refused.
func TestInvalidGrantNamesTheGrant(t *testing.T) {
	tests := []struct {
		name       string
		call       func(*Client) error
		want, not  string
		wantPrefix string
	}{
		{"exchange", func(c *Client) error {
			_, err := c.Exchange(context.Background(), clientID, clientSecret, redirectURI, "code-123", "v")
			return err
		}, "authorization code", "refresh token", "exchange code: "},
		{"refresh", func(c *Client) error {
			_, err := c.Refresh(context.Background(), clientID, clientSecret, "rt-123")
			return err
		}, "refresh token", "authorization code", "refresh tokens: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cognitotest.New(t)
			s.HandleToken(cognitotest.OAuthError(400, "invalid_grant"))
			err := tt.call(newClient(s))
			if !errors.Is(err, ErrInvalidGrant) {
				t.Fatalf("err = %v, want ErrInvalidGrant", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tt.wantPrefix) || !strings.Contains(msg, tt.want) || strings.Contains(msg, tt.not) {
				t.Errorf("err = %q, want %q naming the %s and not the %s", msg, tt.wantPrefix+"...", tt.want, tt.not)
			}
			if strings.Contains(msg, "code-123") || strings.Contains(msg, "rt-123") {
				t.Errorf("error text leaks the grant: %v", err)
			}
		})
	}
}

func TestVerifyIDToken(t *testing.T) {
	s := cognitotest.New(t)
	foreign, _ := tokensign.New()
	now := time.Now()
	access := s.AccessToken(clientID, "openid", nil)
	tests := []struct {
		name   string
		token  func() string
		access string
		nonce  string
		ok     bool
	}{
		{"valid", func() string { return s.IDToken(clientID, "n1", nil) }, access, "n1", true},
		{"valid without nonce check", func() string { return s.IDToken(clientID, "", nil) }, access, "", true},
		{"wrong nonce", func() string { return s.IDToken(clientID, "n2", nil) }, access, "n1", false},
		{"missing nonce", func() string { return s.IDToken(clientID, "", nil) }, access, "n1", false},
		{"wrong audience", func() string { return s.IDToken("other-client", "n1", nil) }, access, "n1", false},
		{"wrong issuer", func() string {
			return s.IDToken(clientID, "n1", cognitotest.Claims{"iss": "https://evil.example.com/pool"})
		}, access, "n1", false},
		{"expired", func() string {
			return s.IDToken(clientID, "n1", cognitotest.Claims{"exp": now.Add(-time.Minute).Unix(), "iat": now.Add(-time.Hour).Unix()})
		}, access, "n1", false},
		{"issued in the future", func() string {
			return s.IDToken(clientID, "n1", cognitotest.Claims{"iat": now.Add(time.Hour).Unix(), "exp": now.Add(2 * time.Hour).Unix()})
		}, access, "n1", false},
		{"no iat", func() string { return s.IDToken(clientID, "n1", cognitotest.Claims{"iat": nil}) }, access, "n1", false},
		{"access token", func() string {
			return s.AccessToken(clientID, "openid", cognitotest.Claims{"aud": clientID, "nonce": "n1"})
		}, access, "n1", false},
		{"foreign key", func() string {
			tok, _ := foreign.Sign(map[string]any{"iss": s.Issuer, "aud": clientID, "sub": "x", "token_use": "id", "nonce": "n1", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
			return tok
		}, access, "n1", false},
		{"at_hash mismatch", func() string {
			return s.IDToken(clientID, "n1", cognitotest.Claims{"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"})
		}, access, "n1", false},
		{"not a JWT", func() string { return "abc.def" }, access, "n1", false},
		{"alg none", func() string { return "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0." }, access, "", false},
	}
	c := newClient(s)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims, err := c.VerifyIDToken(context.Background(), clientID, tt.token(), tt.access, tt.nonce)
			if tt.ok {
				if err != nil {
					t.Fatalf("VerifyIDToken: %v", err)
				}
				if claims.Email != "ada@example.com" || claims.Subject == "" || claims.Expiry.Before(now) {
					t.Errorf("claims = %+v", claims)
				}
				return
			}
			if !errors.Is(err, ErrInvalidToken) {
				t.Errorf("err = %v, want ErrInvalidToken", err)
			}
		})
	}
}

// TestVerifyIDTokenAudience: OpenID Connect Core 1.0 §3.1.3.7, points 3
// to 5. Several audiences need azp naming this client; an azp that is
// present must name it, even with one audience.
func TestVerifyIDTokenAudience(t *testing.T) {
	s := cognitotest.New(t)
	c := newClient(s)
	access := s.AccessToken(clientID, "openid", nil)
	tests := []struct {
		name   string
		claims cognitotest.Claims
		ok     bool
	}{
		{"single audience, no azp (Cognito)", nil, true},
		{"single audience as an array", cognitotest.Claims{"aud": []any{clientID}}, true},
		{"single audience, azp is this client", cognitotest.Claims{"azp": clientID}, true},
		{"single audience, azp is another client", cognitotest.Claims{"azp": "other"}, false},
		{"single audience, empty azp", cognitotest.Claims{"azp": ""}, false},
		{"single audience, azp not a string", cognitotest.Claims{"azp": 42}, false},
		{"two audiences, no azp", cognitotest.Claims{"aud": []any{clientID, "other"}}, false},
		{"two audiences, azp is this client", cognitotest.Claims{"aud": []any{clientID, "other"}, "azp": clientID}, true},
		{"two audiences, azp is the other", cognitotest.Claims{"aud": []any{clientID, "other"}, "azp": "other"}, false},
		{"two audiences, this client second, azp is this client", cognitotest.Claims{"aud": []any{"other", clientID}, "azp": clientID}, true},
		{"this client only as azp, not in aud", cognitotest.Claims{"aud": []any{"other", "third"}, "azp": clientID}, false},
		{"this client twice, no azp", cognitotest.Claims{"aud": []any{clientID, clientID}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims, err := c.VerifyIDToken(context.Background(), clientID, s.IDToken(clientID, "n1", tt.claims), access, "n1")
			switch {
			case tt.ok && err != nil:
				t.Errorf("VerifyIDToken: %v, want success", err)
			case tt.ok && claims.Subject == "":
				t.Errorf("claims = %+v, want a subject", claims)
			case !tt.ok && !errors.Is(err, ErrInvalidToken):
				t.Errorf("err = %v, want ErrInvalidToken", err)
			}
		})
	}
}

func TestKeySetRefetchIsRateLimited(t *testing.T) {
	s := cognitotest.New(t)
	foreign, _ := tokensign.New()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c := New(Options{Domain: s.URL, Issuer: s.Issuer, Now: clock})
	ctx := context.Background()
	if _, err := c.VerifyIDToken(ctx, clientID, s.IDToken(clientID, "", nil), "", ""); err != nil {
		t.Fatal(err)
	}
	// A flood of tokens with an unknown key id costs one fetch per interval.
	forged, _ := foreign.Sign(map[string]any{"iss": s.Issuer, "aud": clientID, "sub": "x", "token_use": "id"})
	for i := 0; i < 50; i++ {
		if _, err := c.VerifyIDToken(ctx, clientID, forged, "", ""); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("forged token: %v", err)
		}
	}
	if got := s.JWKSHits.Load(); got != 1 {
		t.Errorf("JWKS fetches after 1 good + 50 forged tokens within the interval = %d, want 1", got)
	}
	// Key rotation: after the interval, a token with a new key id triggers
	// one refetch and verifies.
	rotated, _ := tokensign.New()
	s.Signer = rotated
	mu.Lock()
	now = now.Add(DefaultRefetchInterval + time.Second)
	mu.Unlock()
	if _, err := c.VerifyIDToken(ctx, clientID, s.IDToken(clientID, "", nil), "", ""); err != nil {
		t.Fatalf("token signed with the rotated key: %v", err)
	}
	if got := s.JWKSHits.Load(); got != 2 {
		t.Errorf("JWKS fetches after rotation = %d, want 3", got)
	}
}

func BenchmarkVerifyIDToken(b *testing.B) {
	s := cognitotest.New(b)
	c := newClient(s)
	tok := s.IDToken(clientID, "n", nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.VerifyIDToken(ctx, clientID, tok, "", "n"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestKeySetFailingEndpointIsRateLimited: while the key set cannot be
// fetched, verifications fail without a fetch each, and the fetch is
// retried after failedRetry; once it works, tokens verify.
func TestKeySetFailingEndpointIsRateLimited(t *testing.T) {
	s := cognitotest.New(t)
	s.HandleJWKS(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "unavailable", 503) })
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	c := New(Options{Domain: s.URL, Issuer: s.Issuer, Now: clock})
	ctx := context.Background()
	tok := s.IDToken(clientID, "", cognitotest.Claims{"iat": time.Now().Unix(), "exp": time.Now().Add(3 * time.Hour).Unix()})
	for i := 0; i < 20; i++ {
		if _, err := c.VerifyIDToken(ctx, clientID, tok, "", ""); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("verify with no keys: %v", err)
		}
	}
	if got := s.JWKSHits.Load(); got != 1 {
		t.Errorf("fetches while failing = %d, want 1", got)
	}
	advance(failedRetry)
	c.VerifyIDToken(ctx, clientID, tok, "", "")
	if got := s.JWKSHits.Load(); got != 2 {
		t.Errorf("fetches after the retry interval = %d, want 2", got)
	}
	s.HandleJWKS(nil)
	advance(failedRetry)
	if _, err := c.VerifyIDToken(ctx, clientID, tok, "", ""); err != nil {
		t.Fatalf("verify once the keys are back: %v", err)
	}
	// Keys older than an hour are refetched, but a failing endpoint then
	// still costs one fetch per failedRetry, and the old keys keep working.
	s.HandleJWKS(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "unavailable", 503) })
	advance(keysMaxAge)
	before := s.JWKSHits.Load()
	for i := 0; i < 20; i++ {
		if _, err := c.VerifyIDToken(ctx, clientID, tok, "", ""); err != nil {
			t.Fatalf("stale keys with a failing endpoint: %v", err)
		}
	}
	if got := s.JWKSHits.Load() - before; got != 1 {
		t.Errorf("fetches with stale keys and a failing endpoint = %d, want 1", got)
	}
}

// TestKeySetWaitersHonourTheirContext: a caller waiting for another's slow
// fetch gives up at its own deadline.
func TestKeySetWaitersHonourTheirContext(t *testing.T) {
	s := cognitotest.New(t)
	release := make(chan struct{})
	s.HandleJWKS(func(w http.ResponseWriter, r *http.Request) { <-release })
	t.Cleanup(func() { close(release) })
	c := New(Options{Domain: s.URL, Issuer: s.Issuer})
	tok := s.IDToken(clientID, "", nil)
	go c.VerifyIDToken(context.Background(), clientID, tok, "", "") // starts the slow fetch
	for s.JWKSHits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.VerifyIDToken(ctx, clientID, tok, "", "")
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("err = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("waited %v for another caller's fetch", d)
	}
}

// TestKeySetCallerGivingUpDoesNotPoisonTheFetch: the caller that starts a
// slow key fetch gives up at its deadline; the fetch still completes and a
// later caller verifies without another fetch.
func TestKeySetCallerGivingUpDoesNotPoisonTheFetch(t *testing.T) {
	s := cognitotest.New(t)
	s.HandleJWKS(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.Signer.JWKS())
	})
	c := New(Options{Domain: s.URL, Issuer: s.Issuer})
	tok := s.IDToken(clientID, "", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.VerifyIDToken(ctx, clientID, tok, "", ""); !errors.Is(err, ErrTimeout) {
		t.Fatalf("first caller: %v, want ErrTimeout", err)
	}
	if _, err := c.VerifyIDToken(context.Background(), clientID, tok, "", ""); err != nil {
		t.Fatalf("later caller: %v", err)
	}
	if got := s.JWKSHits.Load(); got != 1 {
		t.Errorf("JWKS fetches = %d, want 1", got)
	}
}
