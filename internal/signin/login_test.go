package signin

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/example/cognito-sam-go/internal/apigw/apigwtest"
	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/logincookie"
	"github.com/example/cognito-sam-go/internal/secret"
	"golang.org/x/oauth2"
)

const domain = "https://myapp.auth.us-east-1.amazoncognito.com"

var creds = secret.Value{ClientID: "client-id", ClientSecret: "client-secret-value", CookieKey: "cookie-key-0123456789abcdef0123456789"}

type failingSource struct{}

func (failingSource) Get(context.Context) (secret.Value, error) {
	return secret.Value{}, errors.New("AccessDeniedException: not authorized")
}

func (f failingSource) Refresh(ctx context.Context, _ secret.Value) (secret.Value, error) {
	return f.Get(ctx)
}

func (f failingSource) RefreshIfStale(ctx context.Context, _ secret.Value) (secret.Value, error) {
	return f.Get(ctx)
}

func newHandler(t *testing.T, cfg *config.Config, src Secrets, log *apigwtest.Log) *Server {
	t.Helper()
	if cfg == nil {
		cfg = &config.Config{CognitoDomain: domain, SecretName: "s", Scopes: config.DefaultScopes}
	}
	client := cognito.New(cognito.Options{Domain: cfg.CognitoDomain, Scopes: cfg.Scopes})
	return New(Options{Config: cfg, Secrets: src, Cognito: client, Logger: log.Logger()})
}

func TestLoginRedirectsWithStateNoncePKCE(t *testing.T) {
	var log apigwtest.Log
	h := newHandler(t, nil, secret.Static{Value: creds}, &log)
	resp, err := h.Login(context.Background(), apigwtest.Request("/login", nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status = %d, want 302; body %s", resp.StatusCode, resp.Body)
	}
	if got := resp.Headers["Cache-Control"]; got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	loc, err := url.Parse(resp.Headers["Location"])
	if err != nil {
		t.Fatal(err)
	}
	if got, want := loc.Scheme+"://"+loc.Host+loc.Path, domain+"/oauth2/authorize"; got != want {
		t.Errorf("redirect to %q, want %q", got, want)
	}
	q := loc.Query()
	for k, want := range map[string]string{
		"response_type": "code", "client_id": "client-id", "code_challenge_method": "S256",
		"redirect_uri": "https://" + apigwtest.Domain + "/Prod/callback",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if !strings.Contains(" "+q.Get("scope")+" ", " openid ") || !strings.Contains(q.Get("scope"), config.APIScope) {
		t.Errorf("scope = %q, want openid and %s", q.Get("scope"), config.APIScope)
	}
	for _, k := range []string{"state", "nonce"} {
		raw, err := base64.RawURLEncoding.DecodeString(q.Get(k))
		if err != nil || len(raw) < 16 {
			t.Errorf("%s = %q: want at least 128 random bits, base64url", k, q.Get(k))
		}
	}

	cookies := apigwtest.SetCookies(resp)
	if len(cookies) != 1 {
		t.Fatalf("Set-Cookie count = %d, want 1", len(cookies))
	}
	c := cookies[0]
	if c.Name != logincookie.NameFor(q.Get("state")) || !strings.HasPrefix(c.Name, "__Host-") || !c.HttpOnly || !c.Secure ||
		c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" || c.MaxAge <= 0 || c.MaxAge > 600 {
		t.Errorf("cookie = %+v; want __Host-, HttpOnly, Secure, SameSite=Lax, Path=/, no Domain, Max-Age 1..600", c)
	}
	if len(c.Name)+len(c.Value) > 4096 {
		t.Errorf("cookie is %d bytes, browsers drop over 4096", len(c.Name)+len(c.Value))
	}
	sealer, _ := logincookie.NewSealer(creds.SealKeys())
	st, err := sealer.Open(c.Value, time.Now())
	if err != nil {
		t.Fatalf("the cookie does not open with the secret's key: %v", err)
	}
	if st.State != q.Get("state") || st.Nonce != q.Get("nonce") {
		t.Error("cookie state/nonce differ from the authorize request's")
	}
	if got, want := q.Get("code_challenge"), oauth2.S256ChallengeFromVerifier(st.Verifier); got != want {
		t.Errorf("code_challenge = %q, want S256 of the sealed verifier %q", got, want)
	}
	if strings.Contains(c.Value, st.Verifier) {
		t.Error("the verifier is readable in the cookie")
	}
	if strings.Contains(log.String(), c.Value) || strings.Contains(log.String(), st.Verifier) {
		t.Error("log contains the cookie or verifier")
	}
}

func TestLoginIsFreshEachTime(t *testing.T) {
	var log apigwtest.Log
	h := newHandler(t, nil, secret.Static{Value: creds}, &log)
	seen := map[string]bool{}
	for i := 0; i < 3; i++ {
		resp, _ := h.Login(context.Background(), apigwtest.Request("/login", nil, nil))
		loc, _ := url.Parse(resp.Headers["Location"])
		for _, k := range []string{"state", "nonce", "code_challenge"} {
			v := loc.Query().Get(k)
			if seen[v] {
				t.Errorf("%s repeated across logins", k)
			}
			seen[v] = true
		}
	}
}

func TestLoginRedirectURI(t *testing.T) {
	tests := []struct {
		name     string
		override string
		req      func() (string, bool)
		want     string
		status   int
	}{
		{"api gateway", "", nil, "https://" + apigwtest.Domain + "/Prod/callback", 302},
		{"loopback", "", nil, "http://localhost:3000/callback", 302},
		{"override", "https://auth.example.com/callback", nil, "https://auth.example.com/callback", 302},
		{"custom domain without override", "", nil, "", 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log apigwtest.Log
			cfg := &config.Config{CognitoDomain: domain, SecretName: "s", Scopes: config.DefaultScopes, RedirectURI: tt.override}
			h := newHandler(t, cfg, secret.Static{Value: creds}, &log)
			req := apigwtest.Request("/login", nil, nil)
			switch tt.name {
			case "loopback":
				req = apigwtest.Local(req, "localhost:3000")
			case "custom domain without override":
				req.RequestContext.DomainName = "auth.example.com"
				req.Headers["Host"] = "auth.example.com"
			}
			resp, _ := h.Login(context.Background(), req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.status != 302 {
				return
			}
			loc, _ := url.Parse(resp.Headers["Location"])
			if got := loc.Query().Get("redirect_uri"); got != tt.want {
				t.Errorf("redirect_uri = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoginSecretUnavailable(t *testing.T) {
	for _, accept := range []string{"application/json", "text/html,application/xhtml+xml"} {
		var log apigwtest.Log
		h := newHandler(t, nil, failingSource{}, &log)
		resp, _ := h.Login(context.Background(), apigwtest.Request("/login", nil, http.Header{"Accept": {accept}}))
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("Accept %s: status = %d, want 503", accept, resp.StatusCode)
		}
		if strings.Contains(resp.Body, "AccessDenied") {
			t.Errorf("response leaks internal detail: %s", resp.Body)
		}
		if len(apigwtest.SetCookies(resp)) != 0 {
			t.Error("cookie set on failure")
		}
		if !strings.Contains(log.String(), "AccessDeniedException") {
			t.Error("internal detail missing from the log")
		}
	}
}

// BenchmarkLogin measures one /login: state, nonce, verifier, sealing and
// the redirect (the secret is cached).
func BenchmarkLogin(b *testing.B) {
	var log apigwtest.Log
	cfg := &config.Config{CognitoDomain: domain, SecretName: "s", Scopes: config.DefaultScopes}
	h := New(Options{Config: cfg, Secrets: secret.Static{Value: creds}, Cognito: cognito.New(cognito.Options{Domain: domain, Scopes: cfg.Scopes}), Logger: log.Logger()})
	req := apigwtest.Request("/login", nil, nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if resp, _ := h.Login(ctx, req); resp.StatusCode != http.StatusFound {
			b.Fatal(resp.StatusCode)
		}
	}
}
