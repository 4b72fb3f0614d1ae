package localcognito

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// Fixtures shared by the tests.
const (
	testClientID = "localclient1"
	testSecret   = "first-secret-value"
	testCallback = "http://127.0.0.1:3000/callback"
	testLogout   = "http://127.0.0.1:3000/signed-out"
	testEmail    = "demo@example.com"
	testPassword = "Correct-Horse-9!"
)

var testScopes = []string{"openid", "email", "profile", "api/read"}

// clock is an injectable clock that tests move forward.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testPool is a Server behind a real HTTP listener, with a clock the test
// controls.
type testPool struct {
	*Server
	http  *httptest.Server
	clock *clock
}

// newTestPool starts a pool with one confidential client and one user;
// edit may change the options first.
func newTestPool(t *testing.T, edit func(*Options)) *testPool {
	t.Helper()
	hs := httptest.NewUnstartedServer(nil)
	clk := newClock()
	opts := Options{
		BaseURL: "http://" + hs.Listener.Addr().String(),
		Now:     clk.Now,
		Clients: []Client{{
			ID:           testClientID,
			Secrets:      []string{testSecret},
			CallbackURLs: []string{testCallback},
			LogoutURLs:   []string{testLogout},
			Scopes:       testScopes,
		}},
		Users: []User{{Email: testEmail, Password: testPassword}},
	}
	if edit != nil {
		edit(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs.Config.Handler = s
	hs.Start()
	t.Cleanup(hs.Close)
	return &testPool{Server: s, http: hs, clock: clk}
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so each hop can be checked.
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, c: &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is a response with its body read.
type page struct {
	status int
	header http.Header
	body   string
}

func (p page) location() *url.URL {
	u, err := url.Parse(p.header.Get("Location"))
	if err != nil {
		return &url.URL{}
	}
	return u
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (b *browser) get(u string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post submits a form the way a browser does from a page of origin.
func (b *browser) post(u, origin string, form url.Values) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return b.do(req)
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

// formFields returns the hidden fields of a page, as a browser would submit them.
func formFields(body string) url.Values {
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		v.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return v
}

// authorizeQuery is a valid authorization request for the test client.
func authorizeQuery(verifier string) url.Values {
	return url.Values{
		"client_id":             {testClientID},
		"redirect_uri":          {testCallback},
		"response_type":         {"code"},
		"scope":                 {"openid email profile api/read"},
		"state":                 {"state-abc"},
		"nonce":                 {"nonce-xyz"},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(verifier)},
		"code_challenge_method": {"S256"},
	}
}

// testVerifier is a fixed PKCE verifier for tests that do not need a fresh one.
const testVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

// signIn runs authorize → sign-in page → credentials, and returns the code.
func (p *testPool) signIn(t *testing.T, b *browser, q url.Values) string {
	t.Helper()
	res := b.get(p.Domain() + "/oauth2/authorize?" + q.Encode())
	if res.status == http.StatusFound && strings.HasPrefix(res.header.Get("Location"), p.Domain()+"/login") {
		res = b.get(res.header.Get("Location"))
		if res.status != http.StatusOK {
			t.Fatalf("sign-in page: status %d, want 200", res.status)
		}
		form := formFields(res.body)
		form.Set("email", testEmail)
		form.Set("password", testPassword)
		res = b.post(p.Domain()+"/login", p.Domain(), form)
	}
	if res.status != http.StatusFound {
		t.Fatalf("sign-in: status %d, want 302; body %s", res.status, res.body)
	}
	loc := res.location()
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != q.Get("redirect_uri") {
		t.Fatalf("sign-in redirected to %s, want %s", res.header.Get("Location"), q.Get("redirect_uri"))
	}
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("sign-in redirect has no code: %s", res.header.Get("Location"))
	}
	return code
}

// tokenRequest posts to the token (or revoke) endpoint with client_secret_basic
// when secret is non-empty.
func (p *testPool) tokenRequest(t *testing.T, path, clientID, secret string, form url.Values) page {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.Domain()+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if secret != "" {
		req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	}
	return newBrowser(t).do(req)
}

// redeem exchanges a code with the test client's first secret and PKCE verifier.
func (p *testPool) redeem(t *testing.T, code string) map[string]any {
	t.Helper()
	res := p.tokenRequest(t, "/oauth2/token", testClientID, testSecret, url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {testCallback},
		"code_verifier": {testVerifier},
	})
	if res.status != http.StatusOK {
		t.Fatalf("redeem code: status %d, body %s", res.status, res.body)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(res.body), &body); err != nil {
		t.Fatal(err)
	}
	return body
}

// oauthErrorOf returns the "error" of a JSON error body.
func oauthErrorOf(t *testing.T, body string) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("error body %q is not JSON: %v", body, err)
	}
	return e.Error
}

// claimsOf decodes a JWT's payload without verifying it (the tests that
// need verification use go-oidc).
func claimsOf(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}
