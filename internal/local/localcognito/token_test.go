package localcognito

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const (
	otherClientID = "otherclient"
	otherSecret   = "other-secret-value"
)

// withOtherClient adds a second confidential client with the same callback.
func withOtherClient(o *Options) {
	o.Clients = append(o.Clients, Client{
		ID:           otherClientID,
		Secrets:      []string{otherSecret},
		CallbackURLs: []string{testCallback},
		Scopes:       testScopes,
	})
}

// tokenPost builds a token-endpoint style request; auth adds client
// authentication to it.
func tokenPost(t *testing.T, p *testPool, path string, form url.Values, auth func(*http.Request)) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.Domain()+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if auth != nil {
		auth(req)
	}
	return req
}

func basicAuth(id, secret string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret)) }
}

func codeForm(code string) url.Values {
	return url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {testCallback},
		"code_verifier": {testVerifier},
	}
}

// TestTokenErrors covers every error of /oauth2/token: Cognito answers 400
// with {"error": ...}.
func TestTokenErrors(t *testing.T) {
	pool := newTestPool(t, withOtherClient)
	code := func(t *testing.T) string { return pool.signIn(t, newBrowser(t), authorizeQuery(testVerifier)) }
	goodAuth := basicAuth(testClientID, testSecret)

	tests := []struct {
		name      string
		request   func(t *testing.T) *http.Request
		wantError string
	}{
		{"wrong secret, basic", func(t *testing.T) *http.Request {
			return tokenPost(t, pool, "/oauth2/token", codeForm(code(t)), basicAuth(testClientID, "wrong"))
		}, "invalid_client"},
		{"wrong secret, post", func(t *testing.T) *http.Request {
			f := codeForm(code(t))
			f.Set("client_id", testClientID)
			f.Set("client_secret", "wrong")
			return tokenPost(t, pool, "/oauth2/token", f, nil)
		}, "invalid_client"},
		{"client_id but no secret", func(t *testing.T) *http.Request {
			f := codeForm(code(t))
			f.Set("client_id", testClientID)
			return tokenPost(t, pool, "/oauth2/token", f, nil)
		}, "invalid_client"},
		{"no client authentication", func(t *testing.T) *http.Request {
			return tokenPost(t, pool, "/oauth2/token", codeForm(code(t)), nil)
		}, "invalid_client"},
		{"unknown client", func(t *testing.T) *http.Request {
			return tokenPost(t, pool, "/oauth2/token", codeForm("x"), basicAuth("nosuchclient", testSecret))
		}, "invalid_client"},
		{"malformed Authorization header", func(t *testing.T) *http.Request {
			return tokenPost(t, pool, "/oauth2/token", codeForm("x"), func(r *http.Request) { r.Header.Set("Authorization", "Basic !!!") })
		}, "invalid_client"},
		{"basic client differs from body client_id", func(t *testing.T) *http.Request {
			f := codeForm(code(t))
			f.Set("client_id", otherClientID)
			return tokenPost(t, pool, "/oauth2/token", f, goodAuth)
		}, "invalid_client"},
		{"basic and client_secret together", func(t *testing.T) *http.Request {
			f := codeForm(code(t))
			f.Set("client_secret", testSecret)
			return tokenPost(t, pool, "/oauth2/token", f, goodAuth)
		}, "invalid_request"},
		{"JSON body", func(t *testing.T) *http.Request {
			r := tokenPost(t, pool, "/oauth2/token", codeForm(code(t)), goodAuth)
			r.Header.Set("Content-Type", "application/json")
			return r
		}, "invalid_request"},
		{"repeated parameter", func(t *testing.T) *http.Request {
			f := codeForm(code(t))
			f.Add("code", "again")
			return tokenPost(t, pool, "/oauth2/token", f, goodAuth)
		}, "invalid_request"},
		{"no grant_type", func(t *testing.T) *http.Request {
			f := codeForm(code(t))
			f.Del("grant_type")
			return tokenPost(t, pool, "/oauth2/token", f, goodAuth)
		}, "invalid_request"},
		{"password grant", func(t *testing.T) *http.Request {
			return tokenPost(t, pool, "/oauth2/token", url.Values{"grant_type": {"password"}}, goodAuth)
		}, "unsupported_grant_type"},
		{"client_credentials grant", func(t *testing.T) *http.Request {
			return tokenPost(t, pool, "/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, goodAuth)
		}, "unauthorized_client"},
		{"no code", func(t *testing.T) *http.Request {
			f := codeForm("")
			f.Del("code")
			return tokenPost(t, pool, "/oauth2/token", f, goodAuth)
		}, "invalid_request"},
		{"no redirect_uri", func(t *testing.T) *http.Request {
			f := codeForm(code(t))
			f.Del("redirect_uri")
			return tokenPost(t, pool, "/oauth2/token", f, goodAuth)
		}, "invalid_request"},
		{"unknown code", func(t *testing.T) *http.Request {
			return tokenPost(t, pool, "/oauth2/token", codeForm("nosuchcode"), goodAuth)
		}, "invalid_grant"},
		{"used code", func(t *testing.T) *http.Request {
			c := code(t)
			pool.redeem(t, c)
			return tokenPost(t, pool, "/oauth2/token", codeForm(c), goodAuth)
		}, "invalid_grant"},
		{"expired code", func(t *testing.T) *http.Request {
			c := code(t)
			pool.clock.Advance(CodeLifetime)
			return tokenPost(t, pool, "/oauth2/token", codeForm(c), goodAuth)
		}, "invalid_grant"},
		{"another client's code", func(t *testing.T) *http.Request {
			return tokenPost(t, pool, "/oauth2/token", codeForm(code(t)), basicAuth(otherClientID, otherSecret))
		}, "invalid_grant"},
		{"different redirect_uri", func(t *testing.T) *http.Request {
			f := codeForm(code(t))
			f.Set("redirect_uri", testCallback+"/")
			return tokenPost(t, pool, "/oauth2/token", f, goodAuth)
		}, "unauthorized_client"},
		{"wrong verifier", func(t *testing.T) *http.Request {
			f := codeForm(code(t))
			f.Set("code_verifier", strings.Repeat("a", 43))
			return tokenPost(t, pool, "/oauth2/token", f, goodAuth)
		}, "invalid_grant"},
		{"no verifier", func(t *testing.T) *http.Request {
			f := codeForm(code(t))
			f.Del("code_verifier")
			return tokenPost(t, pool, "/oauth2/token", f, goodAuth)
		}, "invalid_grant"},
		{"verifier for a code without PKCE", func(t *testing.T) *http.Request {
			q := authorizeQuery(testVerifier)
			q.Del("code_challenge")
			q.Del("code_challenge_method")
			return tokenPost(t, pool, "/oauth2/token", codeForm(pool.signIn(t, newBrowser(t), q)), goodAuth)
		}, "invalid_grant"},
		{"no refresh_token", func(t *testing.T) *http.Request {
			return tokenPost(t, pool, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}}, goodAuth)
		}, "invalid_request"},
		{"unknown refresh token", func(t *testing.T) *http.Request {
			return tokenPost(t, pool, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"nosuchtoken"}}, goodAuth)
		}, "invalid_grant"},
		{"revoked refresh token", func(t *testing.T) *http.Request {
			rt := pool.redeem(t, code(t))["refresh_token"].(string)
			if res := newBrowser(t).do(tokenPost(t, pool, "/oauth2/revoke", url.Values{"token": {rt}}, goodAuth)); res.status != http.StatusOK {
				t.Fatalf("revoke: status %d", res.status)
			}
			return tokenPost(t, pool, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, goodAuth)
		}, "invalid_grant"},
		{"expired refresh token", func(t *testing.T) *http.Request {
			rt := pool.redeem(t, code(t))["refresh_token"].(string)
			pool.clock.Advance(DefaultRefreshTokenLifetime)
			return tokenPost(t, pool, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, goodAuth)
		}, "invalid_grant"},
		{"another client's refresh token", func(t *testing.T) *http.Request {
			rt := pool.redeem(t, code(t))["refresh_token"].(string)
			return tokenPost(t, pool, "/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, basicAuth(otherClientID, otherSecret))
		}, "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := newBrowser(t).do(tt.request(t))
			if res.status != http.StatusBadRequest {
				t.Errorf("status %d, want 400", res.status)
			}
			if got := oauthErrorOf(t, res.body); got != tt.wantError {
				t.Errorf("error = %q, want %q (body %s)", got, tt.wantError, res.body)
			}
			if strings.Contains(res.body, "token\":\"ey") {
				t.Errorf("error response carries a token: %s", res.body)
			}
		})
	}
}

// TestTokenRedirectMismatchDescription: Cognito names the problem in
// error_description for this one error.
func TestTokenRedirectMismatchDescription(t *testing.T) {
	pool := newTestPool(t, nil)
	f := codeForm(pool.signIn(t, newBrowser(t), authorizeQuery(testVerifier)))
	f.Set("redirect_uri", "http://127.0.0.1:3000/other")
	res := newBrowser(t).do(tokenPost(t, pool, "/oauth2/token", f, basicAuth(testClientID, testSecret)))
	if want := `{"error":"unauthorized_client","error_description":"invalid_redirect"}`; strings.TrimSpace(res.body) != want {
		t.Errorf("body %s, want %s", res.body, want)
	}
}

func TestTokenResponse(t *testing.T) {
	pool := newTestPool(t, nil)
	res := newBrowser(t).do(tokenPost(t, pool, "/oauth2/token", codeForm(pool.signIn(t, newBrowser(t), authorizeQuery(testVerifier))), basicAuth(testClientID, testSecret)))
	if res.status != http.StatusOK {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	for header, want := range map[string]string{
		"Cache-Control": "no-store",
		"Pragma":        "no-cache",
		"Content-Type":  "application/json;charset=UTF-8",
	} {
		if got := res.header.Get(header); got != want {
			t.Errorf("%s = %q, want %q", header, got, want)
		}
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(res.body), &body); err != nil {
		t.Fatal(err)
	}
	if body["token_type"] != "Bearer" || body["expires_in"] != float64(3600) || body["id_token"] == nil || body["access_token"] == nil || body["refresh_token"] == nil {
		t.Errorf("body %v: want id_token, access_token, refresh_token, expires_in 3600, token_type Bearer", body)
	}
	if rt, _ := body["refresh_token"].(string); strings.Contains(rt, ".") || len(rt) < 43 {
		t.Errorf("refresh token %q: want an opaque string of at least 256 bits", rt)
	}

	// The refresh grant returns new ID and access tokens and, with the
	// default rotation, a new refresh token (rotation_test.go has the rest).
	res = newBrowser(t).do(tokenPost(t, pool, "/oauth2/token", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {body["refresh_token"].(string)},
	}, basicAuth(testClientID, testSecret)))
	var refreshed map[string]any
	if err := json.Unmarshal([]byte(res.body), &refreshed); err != nil || res.status != http.StatusOK {
		t.Fatalf("refresh: status %d, body %s", res.status, res.body)
	}
	if rt, _ := refreshed["refresh_token"].(string); rt == "" || rt == body["refresh_token"] || refreshed["id_token"] == nil || refreshed["access_token"] == nil {
		t.Errorf("refresh response %v: want id_token, access_token and a new refresh_token", refreshed)
	}
}

// TestTokenWithoutOpenID: Cognito returns an ID token only for the openid scope.
func TestTokenWithoutOpenID(t *testing.T) {
	pool := newTestPool(t, nil)
	q := authorizeQuery(testVerifier)
	q.Set("scope", "api/read")
	body := pool.redeem(t, pool.signIn(t, newBrowser(t), q))
	if body["id_token"] != nil {
		t.Errorf("id_token issued without the openid scope")
	}
	if got := claimsOf(t, body["access_token"].(string))["scope"]; got != "api/read" {
		t.Errorf("access token scope = %v, want api/read", got)
	}
}

func TestClientSecretPost(t *testing.T) {
	pool := newTestPool(t, nil)
	f := codeForm(pool.signIn(t, newBrowser(t), authorizeQuery(testVerifier)))
	f.Set("client_id", testClientID)
	f.Set("client_secret", testSecret)
	res := newBrowser(t).do(tokenPost(t, pool, "/oauth2/token", f, nil))
	if res.status != http.StatusOK {
		t.Fatalf("client_secret_post: status %d, body %s", res.status, res.body)
	}
}

// TestPublicClient: a client without secrets authenticates with client_id
// alone, and may not send a secret.
func TestPublicClient(t *testing.T) {
	pool := newTestPool(t, func(o *Options) {
		o.Clients = append(o.Clients, Client{ID: "spa", CallbackURLs: []string{testCallback}, Scopes: []string{"openid"}})
	})
	tests := []struct {
		name       string
		secret     string
		wantStatus int
	}{
		{"client_id only", "", http.StatusOK},
		{"with a secret", "anything", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := authorizeQuery(testVerifier)
			q.Set("client_id", "spa")
			q.Set("scope", "openid")
			f := codeForm(pool.signIn(t, newBrowser(t), q))
			f.Set("client_id", "spa")
			if tt.secret != "" {
				f.Set("client_secret", tt.secret)
			}
			if res := newBrowser(t).do(tokenPost(t, pool, "/oauth2/token", f, nil)); res.status != tt.wantStatus {
				t.Errorf("status %d, want %d (%s)", res.status, tt.wantStatus, res.body)
			}
		})
	}
}

// TestSecretRotation: a client holds two secrets at once, both work; a
// removed one fails with invalid_client.
func TestSecretRotation(t *testing.T) {
	pool := newTestPool(t, nil)
	const second = "second-secret-value"
	if err := pool.AddClientSecret(testClientID, second); err != nil {
		t.Fatal(err)
	}
	try := func(secret string) page {
		return newBrowser(t).do(tokenPost(t, pool, "/oauth2/token", codeForm(pool.signIn(t, newBrowser(t), authorizeQuery(testVerifier))), basicAuth(testClientID, secret)))
	}
	steps := []struct {
		name      string
		secret    string
		wantError string // "" means 200
	}{
		{"first secret", testSecret, ""},
		{"second secret", second, ""},
	}
	for _, st := range steps {
		if res := try(st.secret); res.status != http.StatusOK {
			t.Errorf("%s: status %d, body %s", st.name, res.status, res.body)
		}
	}
	if err := pool.RemoveClientSecret(testClientID, testSecret); err != nil {
		t.Fatal(err)
	}
	if res := try(testSecret); oauthErrorOf(t, res.body) != "invalid_client" {
		t.Errorf("removed secret: status %d, body %s; want invalid_client", res.status, res.body)
	}
	if res := try(second); res.status != http.StatusOK {
		t.Errorf("remaining secret: status %d, body %s", res.status, res.body)
	}
}

func TestSecretRotationErrors(t *testing.T) {
	pool := newTestPool(t, nil)
	tests := []struct {
		name string
		do   func() error
	}{
		{"add to unknown client", func() error { return pool.AddClientSecret("nosuchclient", "x") }},
		{"add empty secret", func() error { return pool.AddClientSecret(testClientID, "") }},
		{"add a secret the client has", func() error { return pool.AddClientSecret(testClientID, testSecret) }},
		{"add a third secret", func() error {
			if err := pool.AddClientSecret(testClientID, "second"); err != nil {
				return nil
			}
			return pool.AddClientSecret(testClientID, "third")
		}},
		{"remove from unknown client", func() error { return pool.RemoveClientSecret("nosuchclient", testSecret) }},
		{"remove an unknown secret", func() error { return pool.RemoveClientSecret(testClientID, "nosuchsecret") }},
		{"remove the last secret", func() error {
			if err := pool.RemoveClientSecret(testClientID, "second"); err != nil {
				return nil
			}
			return pool.RemoveClientSecret(testClientID, testSecret)
		}},
	}
	for _, tt := range tests {
		if err := tt.do(); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

// TestCodeReuseRevokesTokens: presenting a code twice fails and revokes
// what the first redemption issued (RFC 6749 section 4.1.2).
func TestCodeReuseRevokesTokens(t *testing.T) {
	pool := newTestPool(t, nil)
	c := pool.signIn(t, newBrowser(t), authorizeQuery(testVerifier))
	first := pool.redeem(t, c)
	auth := basicAuth(testClientID, testSecret)

	if res := newBrowser(t).do(tokenPost(t, pool, "/oauth2/token", codeForm(c), auth)); oauthErrorOf(t, res.body) != "invalid_grant" {
		t.Fatalf("second redemption: %s, want invalid_grant", res.body)
	}
	res := newBrowser(t).do(tokenPost(t, pool, "/oauth2/token", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {first["refresh_token"].(string)},
	}, auth))
	if oauthErrorOf(t, res.body) != "invalid_grant" {
		t.Errorf("refresh after code reuse: %s, want invalid_grant", res.body)
	}
	if res := getUserInfo(t, pool, first["access_token"].(string)); res.status != http.StatusUnauthorized {
		t.Errorf("userInfo after code reuse: status %d, want 401", res.status)
	}
}

func TestRevoke(t *testing.T) {
	pool := newTestPool(t, withOtherClient)
	auth := basicAuth(testClientID, testSecret)
	fresh := func(t *testing.T) map[string]any {
		return pool.redeem(t, pool.signIn(t, newBrowser(t), authorizeQuery(testVerifier)))
	}

	tests := []struct {
		name        string
		request     func(t *testing.T, tokens map[string]any) *http.Request
		wantStatus  int
		wantError   string // "" for an empty 200
		wantRevoked bool
	}{
		{"refresh token", func(t *testing.T, tok map[string]any) *http.Request {
			return tokenPost(t, pool, "/oauth2/revoke", url.Values{"token": {tok["refresh_token"].(string)}}, auth)
		}, http.StatusOK, "", true},
		{"client_secret_post", func(t *testing.T, tok map[string]any) *http.Request {
			return tokenPost(t, pool, "/oauth2/revoke", url.Values{"token": {tok["refresh_token"].(string)}, "client_id": {testClientID}, "client_secret": {testSecret}}, nil)
		}, http.StatusOK, "", true},
		{"unknown token", func(t *testing.T, tok map[string]any) *http.Request {
			return tokenPost(t, pool, "/oauth2/revoke", url.Values{"token": {"nosuchtoken"}}, auth)
		}, http.StatusOK, "", false},
		{"another client's token", func(t *testing.T, tok map[string]any) *http.Request {
			return tokenPost(t, pool, "/oauth2/revoke", url.Values{"token": {tok["refresh_token"].(string)}}, basicAuth(otherClientID, otherSecret))
		}, http.StatusOK, "", false},
		{"no token", func(t *testing.T, tok map[string]any) *http.Request {
			return tokenPost(t, pool, "/oauth2/revoke", url.Values{}, auth)
		}, http.StatusBadRequest, "invalid_request", false},
		{"access token", func(t *testing.T, tok map[string]any) *http.Request {
			return tokenPost(t, pool, "/oauth2/revoke", url.Values{"token": {tok["access_token"].(string)}}, auth)
		}, http.StatusBadRequest, "unsupported_token_type", false},
		{"wrong secret", func(t *testing.T, tok map[string]any) *http.Request {
			return tokenPost(t, pool, "/oauth2/revoke", url.Values{"token": {tok["refresh_token"].(string)}}, basicAuth(testClientID, "wrong"))
		}, http.StatusUnauthorized, "invalid_client", false},
		{"no client authentication", func(t *testing.T, tok map[string]any) *http.Request {
			return tokenPost(t, pool, "/oauth2/revoke", url.Values{"token": {tok["refresh_token"].(string)}}, nil)
		}, http.StatusUnauthorized, "invalid_client", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := fresh(t)
			res := newBrowser(t).do(tt.request(t, tok))
			if res.status != tt.wantStatus {
				t.Errorf("status %d, want %d (%s)", res.status, tt.wantStatus, res.body)
			}
			if tt.wantError == "" && res.body != "" {
				t.Errorf("body %q, want empty", res.body)
			}
			if tt.wantError != "" && oauthErrorOf(t, res.body) != tt.wantError {
				t.Errorf("body %s, want error %s", res.body, tt.wantError)
			}
			refresh := newBrowser(t).do(tokenPost(t, pool, "/oauth2/token", url.Values{
				"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)},
			}, auth))
			info := getUserInfo(t, pool, tok["access_token"].(string))
			if revoked := refresh.status != http.StatusOK; revoked != tt.wantRevoked {
				t.Errorf("refresh after revoke: status %d; want revoked=%t", refresh.status, tt.wantRevoked)
			}
			if revoked := info.status == http.StatusUnauthorized; revoked != tt.wantRevoked {
				t.Errorf("userInfo after revoke: status %d; want revoked=%t", info.status, tt.wantRevoked)
			}
		})
	}
}
