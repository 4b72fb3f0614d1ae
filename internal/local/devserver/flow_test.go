package devserver

import (
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/example/cognito-sam-go/internal/local/localcognito"
	"github.com/example/cognito-sam-go/internal/secret/mototest"
	"github.com/example/cognito-sam-go/internal/session"
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
	if tok.AccessToken == "" || tok.IDToken == "" || tok.RefreshToken == "" || tok.ExpiresIn != int(DefaultTokenLifetime/time.Second) {
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

	// The callback started a session: the jar holds its cookies.
	var sessionCookies []string
	for _, ck := range c.hc.Jar.Cookies(cb.url) {
		if strings.HasPrefix(ck.Name, session.Prefix) {
			sessionCookies = append(sessionCookies, ck.Name)
		}
	}
	if len(sessionCookies) == 0 {
		t.Errorf("the JSON callback set no session cookie")
	}

	// A replayed callback URL does not spend the code again: its attempt
	// is finished, and this client is signed in, so it goes home.
	before := tokenCalls(t, log)
	if r := c.get(cb.url.String()); r.status != http.StatusOK || r.url.String() != s.APIURL+"/" || !strings.Contains(r.body, `"signed_in":true`) {
		t.Errorf("replayed callback: %d at %s: %s, want the signed-in home (via 303 to %s/)", r.status, r.url, r.body, s.APIURL)
	}
	if got := tokenCalls(t, log); !maps.Equal(got, before) {
		t.Errorf("replayed callback: token endpoint calls %v, want still %v", got, before)
	}

	// Refresh: new tokens that /hello accepts, and (refresh-token rotation,
	// as template.yaml configures it) a new refresh token to keep.
	ref := c.postJSON(s.APIURL+"/refresh", map[string]string{"refresh_token": tok.RefreshToken})
	var refreshed map[string]any
	_ = json.Unmarshal([]byte(ref.body), &refreshed)
	newAccess, _ := refreshed["access_token"].(string)
	newRefresh, _ := refreshed["refresh_token"].(string)
	if ref.status != http.StatusOK || newAccess == "" || newAccess == tok.AccessToken || newRefresh == "" || newRefresh == tok.RefreshToken {
		t.Fatalf("refresh: %d %s, want new access and refresh tokens", ref.status, ref.body)
	}
	if r := c.get(s.APIURL+"/hello", "Authorization", newAccess); r.status != http.StatusOK {
		t.Errorf("/hello with the refreshed access token: %d", r.status)
	}

	// Sign out with the refresh token kept: it is revoked, and with it the
	// whole sign-in (the older token too, still in its grace period);
	// Cognito's session ends, the browser lands on /signed-out.
	out := c.postForm(s.APIURL+"/logout", url.Values{"refresh_token": {newRefresh}})
	if out.status != http.StatusOK || out.url.Path != "/signed-out" {
		t.Fatalf("logout ended at %s with %d: %s", out.url, out.status, out.body)
	}
	for name, rt := range map[string]string{"revoked": newRefresh, "older": tok.RefreshToken} {
		if r := c.postJSON(s.APIURL+"/refresh", map[string]string{"refresh_token": rt}); r.status != http.StatusUnauthorized {
			t.Errorf("refresh with the %s token after sign-out: %d %s, want 401", name, r.status, r.body)
		}
	}
	if r := c.get(s.APIURL + "/login"); !strings.Contains(r.body, `id="signin-form"`) {
		t.Errorf("after sign-out /login did not ask for credentials again: %s", r.url)
	}

	logged := log.String()
	for _, secret := range []string{tok.AccessToken, tok.IDToken, tok.RefreshToken, newRefresh, clientSecret, cb.url.Query().Get("code"), DefaultPassword} {
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
	t.Run("replayed callback after sign-out", func(t *testing.T) {
		// Signed out, with another sign-in started: the replay is refused
		// as a used page, and cookies (which the browser does send) are
		// not blamed.
		c, cb := signedIn(t, s)
		if r := c.post(s.APIURL + "/logout"); r.status != http.StatusOK || r.url.Path != "/signed-out" {
			t.Fatalf("logout ended at %s with %d", r.url, r.status)
		}
		if r := c.get(s.APIURL + "/login"); !strings.Contains(r.body, `id="signin-form"`) {
			t.Fatalf("/login after sign-out did not show the sign-in form: %s", r.url)
		}
		r := c.get(cb.url.String())
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `"invalid_state"`) ||
			!strings.Contains(r.body, "already used or has expired") || strings.Contains(r.body, "blocked") {
			t.Errorf("replayed callback: %d %s, want 400 invalid_state saying the page was already used or has expired, not blaming cookies", r.status, r.body)
		}
	})
}

// TestSessionOverHTTP signs in with a cookie jar and uses the session the
// callback started: /token hands out the session's tokens without calling
// Cognito again, and /logout ends the session.
func TestSessionOverHTTP(t *testing.T) {
	s, log := start(t, Options{})

	if r := newClient(t).post(s.APIURL + "/token"); r.status != http.StatusUnauthorized || !strings.Contains(r.body, `"login_required"`) {
		t.Errorf("/token without a session: %d %s, want 401 login_required", r.status, r.body)
	}

	c, cb := signedIn(t, s)
	var signIn struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal([]byte(cb.body), &signIn); err != nil || signIn.AccessToken == "" || signIn.RefreshToken == "" {
		t.Fatalf("callback body: %v: %.300s", err, cb.body)
	}
	want := map[string]int{"authorization_code": 1}
	if got := tokenCalls(t, log); !maps.Equal(got, want) {
		t.Fatalf("token endpoint calls after sign-in: %v, want %v", got, want)
	}

	for i := range 2 {
		r := c.post(s.APIURL + "/token")
		var body map[string]any
		if err := json.Unmarshal([]byte(r.body), &body); r.status != http.StatusOK || err != nil {
			t.Fatalf("/token #%d: %d %s", i+1, r.status, r.body)
		}
		if body["access_token"] != signIn.AccessToken {
			t.Errorf("/token #%d: access token differs from the session's, want the same one (it has 15 minutes to live)", i+1)
		}
		if id, _ := body["id_token"].(string); id == "" || body["token_type"] != "Bearer" {
			t.Errorf("/token #%d: id_token %.10q token_type %v, want an ID token and Bearer", i+1, id, body["token_type"])
		}
		if exp, _ := body["expires_in"].(float64); exp <= 60 || exp > DefaultTokenLifetime.Seconds() {
			t.Errorf("/token #%d: expires_in %v, want (60, %v]", i+1, body["expires_in"], DefaultTokenLifetime.Seconds())
		}
		if _, ok := body["refresh_token"]; ok || strings.Contains(r.body, signIn.RefreshToken) {
			t.Errorf("/token #%d: the answer holds the refresh token", i+1)
		}
		if got := r.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("/token #%d: Cache-Control = %q, want no-store", i+1, got)
		}
		if h := c.get(s.APIURL+"/hello", "Authorization", body["access_token"].(string)); h.status != http.StatusOK {
			t.Errorf("/hello with /token's access token: %d %s", h.status, h.body)
		}
	}
	if got := tokenCalls(t, log); !maps.Equal(got, want) {
		t.Errorf("token endpoint calls after two /token: %v, want still %v (no refresh while the access token has over a minute)", got, want)
	}
	if r := c.get(s.APIURL + "/"); r.status != http.StatusOK || !strings.Contains(r.body, `"signed_in":true`) {
		t.Errorf("home page with the session: %d %s", r.status, r.body)
	}

	// Sign out without a refresh token in the body: the session's is
	// revoked and its cookies cleared.
	if r := c.post(s.APIURL + "/logout"); r.status != http.StatusOK || r.url.Path != "/signed-out" {
		t.Fatalf("logout ended at %s with %d: %s", r.url, r.status, r.body)
	}
	if r := c.post(s.APIURL + "/token"); r.status != http.StatusUnauthorized || !strings.Contains(r.body, `"login_required"`) {
		t.Errorf("/token after logout: %d %s, want 401 login_required", r.status, r.body)
	}
	if r := c.get(s.APIURL + "/"); r.status != http.StatusOK || !strings.Contains(r.body, `"signed_in":false`) {
		t.Errorf("home page after logout: %d %s, want signed out", r.status, r.body)
	}
	if r := c.postJSON(s.APIURL+"/refresh", map[string]string{"refresh_token": signIn.RefreshToken}); r.status != http.StatusUnauthorized {
		t.Errorf("refresh with the session's refresh token after logout: %d %s, want 401 (revoked)", r.status, r.body)
	}
}

// TestCrossOriginOverHTTP checks the CORS rules as a browser would exercise
// them, with the headers a browser sends: the second origin (AppAddr) is
// allowed; another localhost port, same-site but not in ALLOWED_ORIGINS,
// is not.
func TestCrossOriginOverHTTP(t *testing.T) {
	s, _ := start(t, Options{AppAddr: "localhost:0"})
	other := httptest.NewUnstartedServer(http.NotFoundHandler())
	ln, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	other.Listener.Close()
	other.Listener = ln
	other.Start()
	t.Cleanup(other.Close)
	foreign := "http://localhost:" + fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)

	t.Run("posts", func(t *testing.T) {
		for _, tc := range []struct {
			path, origin, site string
			wantStatus         int
			wantACAO           string
		}{
			{"/token", s.AppURL, "same-site", http.StatusOK, s.AppURL},
			{"/token", s.APIURL, "same-origin", http.StatusOK, ""},
			{"/token", foreign, "same-site", http.StatusForbidden, ""},
			{"/token", "http://evil.example", "cross-site", http.StatusForbidden, ""},
			{"/refresh", foreign, "same-site", http.StatusForbidden, ""},
			{"/logout", foreign, "same-site", http.StatusForbidden, ""},
		} {
			t.Run(tc.path+" from "+tc.origin, func(t *testing.T) {
				c, _ := signedIn(t, s)
				req, _ := http.NewRequest(http.MethodPost, s.APIURL+tc.path, nil)
				req.Header.Set("Origin", tc.origin)
				req.Header.Set("Sec-Fetch-Site", tc.site)
				c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
				r := c.do(req)
				if r.status != tc.wantStatus {
					t.Errorf("status = %d, want %d: %s", r.status, tc.wantStatus, r.body)
				}
				if got := r.header.Get("Access-Control-Allow-Origin"); got != tc.wantACAO {
					t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tc.wantACAO)
				}
				if got, want := r.header.Get("Access-Control-Allow-Credentials"), map[bool]string{true: "true"}[tc.wantACAO != ""]; got != want {
					t.Errorf("Access-Control-Allow-Credentials = %q, want %q", got, want)
				}
				if tc.wantStatus != http.StatusForbidden {
					return
				}
				// A refused post changes nothing: the session stays.
				for _, line := range r.header.Values("Set-Cookie") {
					if strings.HasPrefix(line, session.Prefix) {
						t.Errorf("the refused post sets a session cookie: %.40s...", line)
					}
				}
				c.hc.CheckRedirect = nil
				if r := c.post(s.APIURL + "/token"); r.status != http.StatusOK {
					t.Errorf("/token after the refused post: %d %s, want 200 (still signed in)", r.status, r.body)
				}
			})
		}
	})

	t.Run("preflights", func(t *testing.T) {
		for _, tc := range []struct {
			path, method, headers string
		}{
			{"/token", "POST", "content-type"},
			{"/refresh", "POST", "content-type"},
			{"/logout", "POST", "content-type"},
			{"/hello", "GET", "authorization"},
		} {
			for _, origin := range []string{s.AppURL, foreign} {
				allowed := origin == s.AppURL
				t.Run(tc.path+" from "+origin, func(t *testing.T) {
					req, _ := http.NewRequest(http.MethodOptions, s.APIURL+tc.path, nil)
					req.Header.Set("Origin", origin)
					req.Header.Set("Access-Control-Request-Method", tc.method)
					req.Header.Set("Access-Control-Request-Headers", tc.headers)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					h := resp.Header
					if !allowed {
						if resp.StatusCode != http.StatusForbidden {
							t.Errorf("status = %d, want 403", resp.StatusCode)
						}
						for _, name := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers"} {
							if v := h.Get(name); v != "" {
								t.Errorf("%s = %q, want none", name, v)
							}
						}
						return
					}
					if resp.StatusCode != http.StatusNoContent {
						t.Errorf("status = %d, want 204", resp.StatusCode)
					}
					for name, want := range map[string]string{
						"Access-Control-Allow-Origin":      origin,
						"Access-Control-Allow-Credentials": "true",
					} {
						if got := h.Get(name); got != want {
							t.Errorf("%s = %q, want %q", name, got, want)
						}
					}
					if got := strings.ToLower(h.Get("Access-Control-Allow-Methods")); !strings.Contains(got, strings.ToLower(tc.method)) {
						t.Errorf("Access-Control-Allow-Methods = %q, want it to allow %s", got, tc.method)
					}
					if got := strings.ToLower(h.Get("Access-Control-Allow-Headers")); !strings.Contains(got, tc.headers) {
						t.Errorf("Access-Control-Allow-Headers = %q, want it to allow %s", got, tc.headers)
					}
				})
			}
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
