package signin

import (
	"context"
	"encoding/json"
	stdhtml "html"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw/apigwtest"
	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/local/localcognito"
	"github.com/example/cognito-sam-go/internal/secret"
	"github.com/example/cognito-sam-go/internal/secret/secrettest"
)

// These tests run the sign-in routes against the local Cognito, whose
// refresh tokens rotate as the deployed app client's do, with one clock
// that the test moves for both: no test sleeps through a grace period.

const (
	rotUser     = "rotation@example.com"
	rotPassword = "Rotation-Passw0rd!"
	// rotAccess is the local Cognito's shortest access token lifetime.
	rotAccess = 5 * time.Minute
)

// fakeClock is a clock shared by the local Cognito and the Server.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// rotationRig is a Server whose Cognito is a local user pool.
type rotationRig struct {
	t     *testing.T
	clock *fakeClock
	pool  *localcognito.Server
	srv   *Server
	log   apigwtest.Log
}

// newRotationRig starts a local Cognito with the given rotation (nil: its
// default, as template.yaml) and a Server using it.
func newRotationRig(t *testing.T, rotation *localcognito.RefreshTokenRotation) *rotationRig {
	t.Helper()
	r := &rotationRig{t: t, clock: &fakeClock{t: time.Now()}}
	hs := httptest.NewUnstartedServer(nil)
	const clientID, clientSecret = "rotationclient", "rotation-client-secret"
	pool, err := localcognito.New(localcognito.Options{
		BaseURL: "http://" + hs.Listener.Addr().String(),
		Now:     r.clock.Now,
		Clients: []localcognito.Client{{
			ID: clientID, Secrets: []string{clientSecret},
			CallbackURLs:         []string{"https://" + apigwtest.Domain + "/" + apigwtest.Stage + "/callback"},
			Scopes:               []string{"openid", "email", "profile", config.APIScope},
			RefreshTokenRotation: rotation,
		}},
		Users:                []localcognito.User{{Email: rotUser, Password: rotPassword}},
		AccessTokenLifetime:  rotAccess,
		IDTokenLifetime:      rotAccess,
		RefreshTokenLifetime: 24 * time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = pool
	hs.Start()
	t.Cleanup(hs.Close)
	r.pool = pool
	cfg := &config.Config{CognitoDomain: pool.Domain(), Issuer: pool.Issuer(), SecretName: "s", Scopes: config.DefaultScopes}
	client := cognito.New(cognito.Options{Domain: cfg.CognitoDomain, Issuer: cfg.Issuer, Scopes: cfg.Scopes, Now: r.clock.Now})
	src := &secrettest.Source{Cur: secret.Value{ClientID: clientID, ClientSecret: clientSecret, CookieKey: cookieKey}}
	r.srv = New(Options{Config: cfg, Secrets: src, Cognito: client, Logger: r.log.Logger(), Now: r.clock.Now})
	return r
}

var rotHiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

// signIn signs a new browser in: /login, the local Cognito's sign-in form,
// then /callback asking for JSON. It returns the browser, holding the
// session, and the refresh token of the callback's answer.
func (r *rotationRig) signIn() (*browser, string) {
	t := r.t
	t.Helper()
	b := &browser{t: t, jar: map[string]string{}}
	login := b.do(r.srv.Login, apigwtest.Request("/login", nil, html))
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (*http.Response, string) {
		resp, err := hc.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	resp, _ := get(login.Headers["Location"])
	resp, page := get(resp.Header.Get("Location"))
	form := url.Values{}
	for _, m := range rotHiddenInput.FindAllStringSubmatch(page, -1) {
		form.Set(stdhtml.UnescapeString(m[1]), stdhtml.UnescapeString(m[2]))
	}
	form.Set("email", rotUser)
	form.Set("password", rotPassword)
	req, _ := http.NewRequest(http.MethodPost, r.pool.Domain()+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", r.pool.Domain())
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || back.Query().Get("code") == "" {
		t.Fatalf("sign-in did not come back with a code: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	cb := b.do(r.srv.Callback, apigwtest.Request("/callback", back.Query(), http.Header{"Accept": {"application/json"}}))
	var tok tokenBody
	if err := json.Unmarshal([]byte(cb.Body), &tok); cb.StatusCode != http.StatusOK || err != nil || tok.RefreshToken == "" {
		t.Fatalf("callback: %d %.300s", cb.StatusCode, cb.Body)
	}
	return b, tok.RefreshToken
}

// withCookies is req as the browser sends it, with its cookies; keep
// stores the cookies an answer sets. (browser.do is both, one after the
// other; concurrent requests need them apart.)
func (b *browser) withCookies(req events.APIGatewayProxyRequest) events.APIGatewayProxyRequest {
	var parts []string
	for k, v := range b.jar {
		parts = append(parts, k+"="+v)
	}
	c := strings.Join(parts, "; ")
	req.Headers["Cookie"], req.MultiValueHeaders["Cookie"] = c, []string{c}
	return req
}

func (b *browser) keep(resp events.APIGatewayProxyResponse) {
	for _, c := range apigwtest.SetCookies(resp) {
		if c.MaxAge < 0 {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c.Value
		}
	}
}

// clone is another tab of the same browser: the same cookies, from now on
// kept apart (the test applies each tab's answers itself).
func (b *browser) clone() *browser {
	return &browser{t: b.t, jar: maps.Clone(b.jar)}
}

// accessToken calls /token and returns its access token, failing the test
// unless the answer is 200.
func (b *browser) accessToken(r *rotationRig, what string) string {
	b.t.Helper()
	resp := b.do(r.srv.Token, post("/token", nil))
	var got tokenBody
	if err := json.Unmarshal([]byte(resp.Body), &got); resp.StatusCode != http.StatusOK || err != nil || got.AccessToken == "" {
		b.t.Fatalf("%s: /token %d %.300s", what, resp.StatusCode, resp.Body)
	}
	if got.RefreshToken != "" {
		b.t.Fatalf("%s: /token gave out the refresh token", what)
	}
	return got.AccessToken
}

// wantLoginRequired: /token answers 401 login_required and clears the
// session cookies.
func (b *browser) wantLoginRequired(r *rotationRig, what string) {
	b.t.Helper()
	resp := b.do(r.srv.Token, post("/token", nil))
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Body, `"login_required"`) {
		b.t.Errorf("%s: /token %d %.300s, want 401 login_required", what, resp.StatusCode, resp.Body)
	}
	if len(b.jar) != 0 {
		b.t.Errorf("%s: %d session cookies left, want all cleared", what, len(b.jar))
	}
}

// refreshJSON posts a refresh token to /refresh in the body.
func (r *rotationRig) refreshJSON(rt string) (events.APIGatewayProxyResponse, tokenBody) {
	body, hdr := jsonBody(rt)
	resp, err := r.srv.Refresh(context.Background(), apigwtest.Post("/refresh", body, hdr))
	if err != nil {
		r.t.Fatalf("/refresh: handler error (a bare 502): %v", err)
	}
	var got tokenBody
	_ = json.Unmarshal([]byte(resp.Body), &got)
	return resp, got
}

// untilRefresh moves the clock to where the session's access token has
// less than RefreshMargin left, so /token and / refresh.
func (r *rotationRig) untilRefresh() { r.clock.Advance(rotAccess - RefreshMargin + time.Second) }

// pastGrace moves the clock past the local Cognito's default grace period.
func (r *rotationRig) pastGrace() {
	r.clock.Advance(localcognito.DefaultRefreshTokenRotation.RetryGracePeriod + time.Second)
}

// TestTokenConcurrentRefreshWithRotation: two tabs sharing one session
// call /token at once when its access token is about to expire. Both
// refresh with the same refresh token, inside the grace period: both
// succeed, and each answer stores its own new refresh token. Once the
// grace period is over the old session is a 401 login_required, never a
// 5xx, while the session each tab stored keeps working.
func TestTokenConcurrentRefreshWithRotation(t *testing.T) {
	r := newRotationRig(t, nil)
	tabA, _ := r.signIn()
	first := tabA.accessToken(r, "fresh session")
	stale := tabA.clone()
	tabB := tabA.clone()

	r.untilRefresh()
	tabs := []*browser{tabA, tabB}
	answers := make([]events.APIGatewayProxyResponse, len(tabs))
	errs := make([]error, len(tabs))
	var wg sync.WaitGroup
	for i, tab := range tabs {
		req := tab.withCookies(post("/token", nil))
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i], errs[i] = r.srv.Token(context.Background(), req)
		}()
	}
	wg.Wait()
	seen := map[string]bool{first: true}
	for i, resp := range answers {
		var got tokenBody
		if err := json.Unmarshal([]byte(resp.Body), &got); errs[i] != nil || resp.StatusCode != http.StatusOK || err != nil {
			t.Fatalf("concurrent /token #%d: %d %.300s (handler error %v)", i+1, resp.StatusCode, resp.Body, errs[i])
		}
		if seen[got.AccessToken] {
			t.Fatalf("concurrent /token #%d did not refresh", i+1)
		}
		seen[got.AccessToken] = true
		tabs[i].keep(resp)
	}
	if maps.Equal(tabA.jar, stale.jar) || maps.Equal(tabB.jar, stale.jar) {
		t.Fatal("a refreshing /token did not update the session cookie")
	}

	r.pastGrace()
	r.untilRefresh()
	stale.wantLoginRequired(r, "the session from before the rotation, after the grace period")
	tabA.accessToken(r, "tab A's stored session")
	tabB.accessToken(r, "tab B's stored session")
}

// TestSessionRefreshesKeepTheRotatedToken: every route that refreshes a
// session (GET /, POST /token, POST /refresh without a body) stores the
// new refresh token; a browser that reloads with the updated cookie goes
// on through several refreshes, while the cookie it held before each
// refresh stops working once the grace period is over.
func TestSessionRefreshesKeepTheRotatedToken(t *testing.T) {
	r := newRotationRig(t, nil)
	b, _ := r.signIn()
	home := func(b *browser) events.APIGatewayProxyResponse {
		return b.do(r.srv.Home, apigwtest.Request("/", nil, html))
	}
	refresh := func(b *browser) events.APIGatewayProxyResponse {
		return b.do(r.srv.Refresh, post("/refresh", http.Header{"Accept": {"text/html"}, "Sec-Fetch-Site": {"same-origin"}}))
	}
	steps := []struct {
		route string
		do    func(*browser) (ok bool, detail string)
	}{
		{"GET /", func(b *browser) (bool, string) {
			resp := home(b)
			return resp.StatusCode == http.StatusOK && strings.Contains(resp.Body, "Sign out"), resp.Body
		}},
		{"POST /token", func(b *browser) (bool, string) {
			resp := b.do(r.srv.Token, post("/token", nil))
			return resp.StatusCode == http.StatusOK, resp.Body
		}},
		{"POST /refresh without a body", func(b *browser) (bool, string) {
			resp := refresh(b)
			return resp.StatusCode == http.StatusSeeOther && strings.HasSuffix(resp.Headers["Location"], "/?refreshed=1"), resp.Body
		}},
	}
	for round := range 2 {
		for _, st := range steps {
			r.untilRefresh()
			before := b.clone()
			if ok, detail := st.do(b); !ok {
				t.Fatalf("round %d, %s: %.300s", round+1, st.route, detail)
			}
			if maps.Equal(b.jar, before.jar) {
				t.Fatalf("round %d, %s refreshed but did not update the session cookie", round+1, st.route)
			}
			// A reload with the new cookie is signed in, without a refresh.
			if resp := home(b); resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "Sign out") || len(apigwtest.SetCookies(resp)) != 0 {
				t.Fatalf("round %d, reload after %s: %d, cookies set %v", round+1, st.route, resp.StatusCode, apigwtest.Header(resp, "Set-Cookie"))
			}
			r.pastGrace()
			r.untilRefresh()
			before.wantLoginRequired(r, st.route+": the cookie from before the refresh, after the grace period")
		}
	}
}

// TestRefreshJSONWithRotation: /refresh with a refresh token in the body
// answers the new one; the client must keep it: the old one is a 401
// telling the user to sign in again once the grace period is over, never a
// 5xx. Inside the grace period, a retry with the old token succeeds.
func TestRefreshJSONWithRotation(t *testing.T) {
	r := newRotationRig(t, nil)
	_, rt1 := r.signIn()
	resp, got := r.refreshJSON(rt1)
	if resp.StatusCode != http.StatusOK || got.RefreshToken == "" || got.RefreshToken == rt1 || got.AccessToken == "" {
		t.Fatalf("/refresh: %d, new refresh token %t", resp.StatusCode, got.RefreshToken != "" && got.RefreshToken != rt1)
	}
	rt2 := got.RefreshToken
	if resp, retry := r.refreshJSON(rt1); resp.StatusCode != http.StatusOK || retry.RefreshToken == "" || retry.RefreshToken == rt2 {
		t.Errorf("retry with the old token inside the grace period: %d %.200s, want 200 and another new token", resp.StatusCode, resp.Body)
	}

	r.pastGrace()
	resp, _ = r.refreshJSON(rt1)
	var e map[string]string
	_ = json.Unmarshal([]byte(resp.Body), &e)
	if resp.StatusCode != http.StatusUnauthorized || e["error"] != "invalid_grant" || !strings.Contains(e["error_description"], "sign in again") {
		t.Errorf("old token after the grace period: %d %s, want 401 invalid_grant asking to sign in again", resp.StatusCode, resp.Body)
	}
	if resp, got := r.refreshJSON(rt2); resp.StatusCode != http.StatusOK || got.RefreshToken == "" || got.RefreshToken == rt2 {
		t.Errorf("the new token: %d %.200s, want 200 and a newer token", resp.StatusCode, resp.Body)
	}
	for _, tok := range []string{rt1, rt2} {
		if strings.Contains(r.log.String(), tok) {
			t.Error("a refresh token was logged")
		}
	}
}

// TestLogoutEndsEveryTabsSession: sign-out revokes the session's refresh
// token, which ends the whole sign-in at the local Cognito: a tab that
// holds a sibling token (from a concurrent refresh) is signed out too.
func TestLogoutEndsEveryTabsSession(t *testing.T) {
	r := newRotationRig(t, nil)
	tabA, _ := r.signIn()
	tabB := tabA.clone()
	r.untilRefresh()
	tabA.accessToken(r, "tab A refreshes")
	tabB.accessToken(r, "tab B refreshes with the same token")

	out := tabA.do(r.srv.Logout, post("/logout", http.Header{"Sec-Fetch-Site": {"same-origin"}}))
	if out.StatusCode != http.StatusSeeOther || !strings.Contains(r.log.String(), "refresh token revoked") {
		t.Fatalf("/logout: %d, log %s", out.StatusCode, r.log.String())
	}
	r.untilRefresh()
	tabB.wantLoginRequired(r, "the other tab after sign-out")
}

// TestRefreshWithoutRotation: when Cognito returns no new refresh token,
// the session and /refresh's answer keep the one they had.
func TestRefreshWithoutRotation(t *testing.T) {
	r := newRotationRig(t, &localcognito.RefreshTokenRotation{})
	b, rt := r.signIn()
	for i := range 3 {
		r.untilRefresh()
		b.accessToken(r, "refresh without rotation")
		if resp, got := r.refreshJSON(rt); resp.StatusCode != http.StatusOK || got.RefreshToken != rt {
			t.Fatalf("round %d: /refresh %d, same refresh token %t; want 200 and the one sent", i+1, resp.StatusCode, got.RefreshToken == rt)
		}
	}
}
