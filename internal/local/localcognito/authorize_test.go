package localcognito

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAuthorizeErrors covers every error of /oauth2/authorize (and of the
// sign-in page, which checks the same parameters). Errors about the client
// or the redirect URI are a page and never a redirect; the others go back to
// the registered redirect_uri with error, error_description and state.
func TestAuthorizeErrors(t *testing.T) {
	pool := newTestPool(t, nil)
	tests := []struct {
		name     string
		edit     func(url.Values)
		wantPage string // error code shown on a 400 page; "" means redirected
		wantErr  string // error redirected to the client
		noState  bool   // the state is not echoed (it is repeated)
	}{
		{"no client_id", func(q url.Values) { q.Del("client_id") }, "invalid_request", "", false},
		{"unknown client", func(q url.Values) { q.Set("client_id", "nosuchclient") }, "invalid_request", "", false},
		{"repeated client_id", func(q url.Values) { q.Add("client_id", testClientID) }, "invalid_request", "", false},
		{"no redirect_uri", func(q url.Values) { q.Del("redirect_uri") }, "redirect_mismatch", "", false},
		{"unregistered redirect_uri", func(q url.Values) { q.Set("redirect_uri", "https://evil.example/cb") }, "redirect_mismatch", "", false},
		{"redirect_uri with a trailing slash", func(q url.Values) { q.Set("redirect_uri", testCallback+"/") }, "redirect_mismatch", "", false},
		{"redirect_uri with another case", func(q url.Values) { q.Set("redirect_uri", strings.ToUpper(testCallback)) }, "redirect_mismatch", "", false},
		{"redirect_uri with a query", func(q url.Values) { q.Set("redirect_uri", testCallback+"?x=1") }, "redirect_mismatch", "", false},
		{"no response_type", func(q url.Values) { q.Del("response_type") }, "", "invalid_request", false},
		{"response_type token", func(q url.Values) { q.Set("response_type", "token") }, "", "unauthorized_client", false},
		{"response_type id_token", func(q url.Values) { q.Set("response_type", "id_token") }, "", "unsupported_response_type", false},
		{"scope not allowed", func(q url.Values) { q.Set("scope", "openid api/write") }, "", "invalid_scope", false},
		{"email without openid", func(q url.Values) { q.Set("scope", "email") }, "", "invalid_scope", false},
		{"PKCE method plain", func(q url.Values) { q.Set("code_challenge_method", "plain") }, "", "invalid_request", false},
		{"PKCE challenge without method", func(q url.Values) { q.Del("code_challenge_method") }, "", "invalid_request", false},
		{"PKCE method without challenge", func(q url.Values) { q.Del("code_challenge") }, "", "invalid_request", false},
		{"PKCE challenge malformed", func(q url.Values) { q.Set("code_challenge", "short") }, "", "invalid_request", false},
		{"repeated state", func(q url.Values) { q.Add("state", "other") }, "", "invalid_request", true},
		{"state too long", func(q url.Values) { q.Set("state", strings.Repeat("s", maxParamLen+1)) }, "", "invalid_request", false},
		{"unknown identity provider", func(q url.Values) { q.Set("identity_provider", "Google") }, "", "invalid_request", false},
	}
	for _, path := range []string{"/oauth2/authorize", "/login", "/signup"} {
		for _, tt := range tests {
			t.Run(path+"/"+tt.name, func(t *testing.T) {
				q := authorizeQuery(testVerifier)
				tt.edit(q)
				res := newBrowser(t).get(pool.Domain() + path + "?" + q.Encode())
				if tt.wantPage != "" {
					if res.status != http.StatusBadRequest || res.header.Get("Location") != "" {
						t.Fatalf("status %d, Location %q; want a 400 page and no redirect", res.status, res.header.Get("Location"))
					}
					if !strings.Contains(res.body, "<code>"+tt.wantPage+"</code>") {
						t.Errorf("page does not show %s:\n%s", tt.wantPage, res.body)
					}
					return
				}
				if res.status != http.StatusFound {
					t.Fatalf("status %d, want 302; body %s", res.status, res.body)
				}
				loc := res.location()
				if got := loc.Scheme + "://" + loc.Host + loc.Path; got != testCallback {
					t.Fatalf("redirected to %s, want the callback", got)
				}
				got := loc.Query()
				if got.Get("error") != tt.wantErr || got.Get("error_description") == "" || got.Get("code") != "" {
					t.Errorf("redirect query = %v, want error=%s with a description and no code", got, tt.wantErr)
				}
				wantState := q["state"][0]
				if tt.noState {
					wantState = ""
				}
				if got.Get("state") != wantState {
					t.Errorf("state = %.40q, want %.40q", got.Get("state"), wantState)
				}
			})
		}
	}
}

func TestAuthorizeSuccess(t *testing.T) {
	pool := newTestPool(t, func(o *Options) {
		o.Clients = append(o.Clients, Client{
			ID:           "publicclient",
			CallbackURLs: []string{"http://localhost:8080/cb?tenant=a", "myapp://callback"},
			Scopes:       []string{"openid", "email"},
		})
	})
	tests := []struct {
		name      string
		query     url.Values
		wantState string
		wantBase  string // the redirect up to and including its own query
	}{
		{"PKCE and state", authorizeQuery(testVerifier), "state-abc", testCallback + "?"},
		{"no PKCE, no scope, no state", url.Values{
			"client_id": {testClientID}, "redirect_uri": {testCallback}, "response_type": {"code"},
		}, "", testCallback + "?"},
		{"callback with its own query", url.Values{
			"client_id": {"publicclient"}, "redirect_uri": {"http://localhost:8080/cb?tenant=a"}, "response_type": {"code"},
			"scope": {"openid"}, "state": {"s p&a=ce"},
		}, "s p&a=ce", "http://localhost:8080/cb?tenant=a&"},
		{"app scheme", url.Values{
			"client_id": {"publicclient"}, "redirect_uri": {"myapp://callback"}, "response_type": {"code"}, "state": {"x"},
		}, "x", "myapp://callback?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t)
			res := b.get(pool.Domain() + "/oauth2/authorize?" + tt.query.Encode())
			res = b.get(res.header.Get("Location"))
			form := formFields(res.body)
			form.Set("email", testEmail)
			form.Set("password", testPassword)
			res = b.post(pool.Domain()+"/login", pool.Domain(), form)
			loc := res.header.Get("Location")
			if res.status != http.StatusFound || !strings.HasPrefix(loc, tt.wantBase) {
				t.Fatalf("status %d, Location %q; want 302 to %s...", res.status, loc, tt.wantBase)
			}
			got := res.location().Query()
			if got.Get("code") == "" || got.Get("state") != tt.wantState {
				t.Errorf("query %v: want a code and state %q", got, tt.wantState)
			}
		})
	}
}

// TestSession checks the sign-in session: a second authorization request
// skips the sign-in page; after /logout the sign-in page is back.
func TestSession(t *testing.T) {
	pool := newTestPool(t, nil)
	b := newBrowser(t)
	q := authorizeQuery(testVerifier)
	authorize := pool.Domain() + "/oauth2/authorize?" + q.Encode()
	pool.signIn(t, b, q)

	steps := []struct {
		name     string
		do       func() page
		wantPath string // where the 302 goes: "/login" or the callback path
	}{
		{"signed in: code at once", func() page { return b.get(authorize) }, "/callback"},
		{"sign-in page also answers at once", func() page { return b.get(pool.Domain() + "/login?" + q.Encode()) }, "/callback"},
		{"logout", func() page {
			return b.get(pool.Domain() + "/logout?" + url.Values{"client_id": {testClientID}, "logout_uri": {testLogout}}.Encode())
		}, "/signed-out"},
		{"signed out: sign-in page again", func() page { return b.get(authorize) }, "/login"},
	}
	for _, st := range steps {
		res := st.do()
		if res.status != http.StatusFound || res.location().Path != st.wantPath {
			t.Fatalf("%s: status %d, Location %q; want 302 to %s", st.name, res.status, res.header.Get("Location"), st.wantPath)
		}
		if st.wantPath == "/callback" && res.location().Query().Get("code") == "" {
			t.Errorf("%s: no code in %s", st.name, res.header.Get("Location"))
		}
	}

	// The session lasts one hour, like Cognito's managed login cookie.
	pool.signIn(t, b, q)
	pool.clock.Advance(SessionLifetime)
	if res := b.get(authorize); res.location().Path != "/login" {
		t.Errorf("after %v: Location %q, want the sign-in page", SessionLifetime, res.header.Get("Location"))
	}
}

func TestLogoutErrors(t *testing.T) {
	pool := newTestPool(t, nil)
	tests := []struct {
		name     string
		query    url.Values
		wantCode string
	}{
		{"no client_id", url.Values{"logout_uri": {testLogout}}, "invalid_request"},
		{"unknown client", url.Values{"client_id": {"nosuchclient"}, "logout_uri": {testLogout}}, "invalid_request"},
		{"unregistered logout_uri", url.Values{"client_id": {testClientID}, "logout_uri": {"https://evil.example/"}}, "redirect_mismatch"},
		{"callback URL as logout_uri", url.Values{"client_id": {testClientID}, "logout_uri": {testCallback}}, "redirect_mismatch"},
		{"neither logout_uri nor redirect_uri", url.Values{"client_id": {testClientID}}, "invalid_request"},
		{"unregistered redirect_uri", url.Values{"client_id": {testClientID}, "redirect_uri": {"https://evil.example/"}, "response_type": {"code"}}, "redirect_mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t)
			pool.signIn(t, b, authorizeQuery(testVerifier))
			res := b.get(pool.Domain() + "/logout?" + tt.query.Encode())
			if res.status != http.StatusBadRequest || res.header.Get("Location") != "" || !strings.Contains(res.body, "<code>"+tt.wantCode+"</code>") {
				t.Fatalf("status %d, Location %q; want a 400 page showing %s", res.status, res.header.Get("Location"), tt.wantCode)
			}
			// A refused logout leaves the session alone.
			res = b.get(pool.Domain() + "/oauth2/authorize?" + authorizeQuery(testVerifier).Encode())
			if res.location().Path != "/callback" {
				t.Errorf("after a refused logout: Location %q, want a code", res.header.Get("Location"))
			}
		})
	}
}

// TestLogoutToSignIn is Cognito's other /logout form: redirect_uri and the
// authorization parameters end the session and show the sign-in page.
func TestLogoutToSignIn(t *testing.T) {
	pool := newTestPool(t, nil)
	b := newBrowser(t)
	q := authorizeQuery(testVerifier)
	pool.signIn(t, b, q)
	q.Set("client_id", testClientID)
	res := b.get(pool.Domain() + "/logout?" + q.Encode())
	if res.status != http.StatusFound || res.location().Path != "/login" || res.location().Query().Get("state") != "state-abc" {
		t.Fatalf("status %d, Location %q; want 302 to /login with the parameters", res.status, res.header.Get("Location"))
	}
	if res = b.get(res.header.Get("Location")); res.status != http.StatusOK {
		t.Errorf("sign-in page after logout: status %d, want 200 (the form)", res.status)
	}
}
