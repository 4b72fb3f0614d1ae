package devserver

import (
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/example/cognito-sam-go/internal/local/localcognito"
	"github.com/example/cognito-sam-go/internal/secret/mototest"
)

// TestFlowOverHTTPWithSecretFromSecretsManager signs in through the whole
// local stack with a cookie jar, the app client's secret served by
// moto_server through the AWS SDK, then calls the protected route.
func TestFlowOverHTTPWithSecretFromSecretsManager(t *testing.T) {
	endpoint := mototest.Start(t)
	mototest.UseEndpoint(t, endpoint)
	sm := mototest.Client(t)
	const clientSecret = "moto-held-client-secret-value"
	mototest.PutSecret(t, sm, "dev/app-client", fmt.Sprintf(
		`{"client_id":"motoclient","client_secret":%q,"cookie_key":"moto-cookie-key-0123456789abcdef0123"}`, clientSecret))

	env := map[string]string{"CLIENT_SECRET_NAME": "dev/app-client"}
	s, log := start(t, Options{SecretFromAWS: true, Getenv: func(k string) string { return env[k] }})
	if s.ClientID != "motoclient" {
		t.Fatalf("client id = %q, want the one from the secret", s.ClientID)
	}
	c := newClient(t)

	// The protected route refuses a caller without a token, like API Gateway.
	if r := c.get(s.APIURL + "/hello"); r.status != http.StatusUnauthorized {
		t.Fatalf("/hello without a token: %d %s", r.status, r.body)
	}

	signInPage := c.get(s.APIURL + "/login")
	if signInPage.status != http.StatusOK || signInPage.url.Host != strings.TrimPrefix(s.CognitoDomain, "http://") {
		t.Fatalf("/login did not land on the local Cognito sign-in page: %d %s", signInPage.status, signInPage.url)
	}
	cb := c.signIn(signInPage, DefaultUser, DefaultPassword)
	if cb.status != http.StatusOK || cb.url.Path != "/callback" {
		t.Fatalf("sign-in ended at %s with %d: %s", cb.url, cb.status, cb.body)
	}
	var tok struct {
		AccessToken, IDToken, RefreshToken, TokenType string
		ExpiresIn                                     int `json:"expires_in"`
	}
	if err := json.Unmarshal([]byte(cb.body), &struct {
		AccessToken  *string `json:"access_token"`
		IDToken      *string `json:"id_token"`
		RefreshToken *string `json:"refresh_token"`
		TokenType    *string `json:"token_type"`
		ExpiresIn    *int    `json:"expires_in"`
	}{&tok.AccessToken, &tok.IDToken, &tok.RefreshToken, &tok.TokenType, &tok.ExpiresIn}); err != nil {
		t.Fatalf("callback body: %v: %s", err, cb.body)
	}
	if tok.AccessToken == "" || tok.IDToken == "" || tok.RefreshToken == "" || tok.ExpiresIn != 3600 {
		t.Fatalf("callback tokens incomplete: %s", cb.body)
	}
	if got := cb.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("callback Cache-Control = %q", got)
	}

	hello := c.get(s.APIURL+"/hello", "Authorization", tok.AccessToken)
	if hello.status != http.StatusOK {
		t.Fatalf("/hello with the access token: %d %s", hello.status, hello.body)
	}
	var greeting map[string]string
	_ = json.Unmarshal([]byte(hello.body), &greeting)
	sub, _ := s.Cognito.UserSub(DefaultUser)
	if greeting["sub"] != sub || !strings.HasPrefix(greeting["message"], "Hello, ") || !strings.Contains(greeting["scope"], "api/read") {
		t.Errorf("greeting = %v, want the demo user's sub %s and api/read", greeting, sub)
	}
	// The ID token is not what the authorizer accepts on a scoped route.
	if r := c.get(s.APIURL+"/hello", "Authorization", tok.IDToken); r.status != http.StatusUnauthorized {
		t.Errorf("/hello with the ID token: %d, want 401", r.status)
	}

	// A replayed callback URL fails: the login cookie was cleared.
	if r := c.get(cb.url.String()); r.status != http.StatusBadRequest || !strings.Contains(r.body, `"invalid_state"`) {
		t.Errorf("replayed callback: %d %s, want 400 invalid_state (the login cookie is gone)", r.status, r.body)
	}

	// Refresh: new tokens that /hello accepts.
	ref := c.postJSON(s.APIURL+"/refresh", map[string]string{"refresh_token": tok.RefreshToken})
	var refreshed map[string]any
	_ = json.Unmarshal([]byte(ref.body), &refreshed)
	newAccess, _ := refreshed["access_token"].(string)
	if ref.status != http.StatusOK || newAccess == "" || newAccess == tok.AccessToken || refreshed["refresh_token"] != tok.RefreshToken {
		t.Fatalf("refresh: %d %s", ref.status, ref.body)
	}
	if r := c.get(s.APIURL+"/hello", "Authorization", newAccess); r.status != http.StatusOK {
		t.Errorf("/hello with the refreshed access token: %d", r.status)
	}

	// Sign out: the refresh token is revoked, Cognito's session ends, the
	// browser lands on /signed-out.
	out := c.postForm(s.APIURL+"/logout", url.Values{"refresh_token": {tok.RefreshToken}})
	if out.status != http.StatusOK || out.url.Path != "/signed-out" {
		t.Fatalf("logout ended at %s with %d: %s", out.url, out.status, out.body)
	}
	if r := c.postJSON(s.APIURL+"/refresh", map[string]string{"refresh_token": tok.RefreshToken}); r.status != http.StatusUnauthorized {
		t.Errorf("refresh with the revoked token: %d %s, want 401", r.status, r.body)
	}
	if r := c.get(s.APIURL + "/login"); !strings.Contains(r.body, `id="signin-form"`) {
		t.Errorf("after sign-out /login did not ask for credentials again: %s", r.url)
	}

	logged := log.String()
	for _, secret := range []string{tok.AccessToken, tok.IDToken, tok.RefreshToken, clientSecret, cb.url.Query().Get("code"), DefaultPassword} {
		if strings.Contains(logged, secret) {
			t.Errorf("the log contains a secret value (%.10s...)", secret)
		}
	}
}

func TestFlowFailuresOverHTTP(t *testing.T) {
	s, _ := start(t, Options{})
	t.Run("wrong password", func(t *testing.T) {
		c := newClient(t)
		r := c.signIn(c.get(s.APIURL+"/login"), DefaultUser, "Wrong-Passw0rd!")
		if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "Incorrect username or password.") {
			t.Errorf("wrong password: %d at %s", r.status, r.url)
		}
	})
	t.Run("cancelled sign-in", func(t *testing.T) {
		c := newClient(t)
		page := c.get(s.APIURL + "/login")
		m := cancelLink.FindStringSubmatch(page.body)
		if m == nil {
			t.Fatal("no cancel link on the sign-in page")
		}
		r := c.get(html.UnescapeString(m[1] + m[2]))
		if r.status != http.StatusBadRequest || r.url.Path != "/callback" || !strings.Contains(r.body, `"access_denied"`) {
			t.Errorf("cancel: %d at %s: %s", r.status, r.url, r.body)
		}
	})
	t.Run("callback without the login cookie", func(t *testing.T) {
		c := newClient(t)
		page := c.get(s.APIURL + "/login")
		r := c.signIn(page, DefaultUser, DefaultPassword)
		if r.status != http.StatusOK {
			t.Fatalf("setup: %d", r.status)
		}
		other := newClient(t)
		if r := other.get(r.url.String()); r.status != http.StatusBadRequest || !strings.Contains(r.body, "invalid_state") {
			t.Errorf("callback in a browser that did not start the sign-in: %d %s", r.status, r.body)
		}
	})
}

// TestRemotePoolMode points the dev server at a user pool it did not start
// (standing in for a deployed one) through the contract's variables, with
// the secret read from Secrets Manager, and signs in through it.
func TestRemotePoolMode(t *testing.T) {
	endpoint := mototest.Start(t)
	mototest.UseEndpoint(t, endpoint)

	// The "deployed" pool: its own server, which the dev server must not
	// replace. Its callback URL is the dev server's, on a port chosen first.
	ln, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	apiPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	poolSrv := httptest.NewUnstartedServer(nil)
	poolBase := "http://" + poolSrv.Listener.Addr().String()
	pool, err := localcognito.New(localcognito.Options{
		BaseURL: poolBase,
		Clients: []localcognito.Client{{
			ID: "deployedclient", Secrets: []string{"deployed-secret"},
			CallbackURLs: []string{fmt.Sprintf("http://localhost:%d/callback", apiPort)},
			LogoutURLs:   []string{fmt.Sprintf("http://localhost:%d/signed-out", apiPort)},
			Scopes:       []string{"openid", "email", "profile", "api/read"},
		}},
		Users: []localcognito.User{{Email: "real@example.com", Password: "Real-Passw0rd!"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	poolSrv.Config.Handler = pool
	poolSrv.Start()
	t.Cleanup(poolSrv.Close)

	mototest.PutSecret(t, mototest.Client(t), "stack/cognito-app-client",
		`{"client_id":"deployedclient","client_secret":"deployed-secret","cookie_key":"deployed-cookie-key-0123456789abcdef"}`)
	env := map[string]string{
		"COGNITO_DOMAIN":     pool.Domain(),
		"COGNITO_ISSUER":     pool.Issuer(),
		"CLIENT_SECRET_NAME": "stack/cognito-app-client",
	}
	s, _ := start(t, Options{Addr: fmt.Sprintf("localhost:%d", apiPort), SecretFromAWS: true, Getenv: func(k string) string { return env[k] }})
	if s.Cognito != nil || s.CognitoDomain != pool.Domain() || s.ClientID != "deployedclient" {
		t.Fatalf("dev server started its own pool or ignored the variables: domain %s client %s", s.CognitoDomain, s.ClientID)
	}
	c := newClient(t)
	cb := c.signIn(c.get(s.APIURL+"/login"), "real@example.com", "Real-Passw0rd!")
	var tok map[string]any
	if err := json.Unmarshal([]byte(cb.body), &tok); cb.status != http.StatusOK || err != nil {
		t.Fatalf("sign-in through the remote pool: %d %s", cb.status, cb.body)
	}
	access, _ := tok["access_token"].(string)
	if r := c.get(s.APIURL+"/hello", "Authorization", access); r.status != http.StatusOK {
		t.Errorf("/hello with the remote pool's access token: %d %s", r.status, r.body)
	}
}
