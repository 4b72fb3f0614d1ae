package localcognito

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func validOptions() Options {
	return Options{
		BaseURL: "http://127.0.0.1:9229",
		Clients: []Client{{
			ID:           testClientID,
			Secrets:      []string{testSecret},
			CallbackURLs: []string{testCallback},
			LogoutURLs:   []string{testLogout},
			Scopes:       testScopes,
		}},
		Users: []User{{Email: testEmail, Password: testPassword}},
	}
}

func TestNewValidation(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Options)
		want []string // substrings of the error; nil means valid
	}{
		{"valid", func(*Options) {}, nil},
		{"https base URL with a trailing slash", func(o *Options) { o.BaseURL = "https://auth.example.test/" }, nil},
		{"no base URL", func(o *Options) { o.BaseURL = "" }, []string{"BaseURL: required"}},
		{"base URL with a path", func(o *Options) { o.BaseURL = "http://127.0.0.1:9229/auth" }, []string{"BaseURL"}},
		{"base URL not http", func(o *Options) { o.BaseURL = "ftp://127.0.0.1" }, []string{"BaseURL"}},
		{"bad pool id", func(o *Options) { o.PoolID = "nopool" }, []string{"PoolID"}},
		{"no clients", func(o *Options) { o.Clients = nil }, []string{"Clients: at least one"}},
		{"lifetime too short", func(o *Options) { o.AccessTokenLifetime = time.Minute }, []string{"AccessTokenLifetime"}},
		{"refresh lifetime too long", func(o *Options) { o.RefreshTokenLifetime = 11 * 365 * 24 * time.Hour }, []string{"RefreshTokenLifetime"}},
		{"weak seeded password", func(o *Options) { o.Users[0].Password = "password" }, []string{"Users[0]", "Password must have uppercase characters"}},
		{"duplicate user", func(o *Options) {
			o.Users = append(o.Users, User{Email: strings.ToUpper(testEmail), Password: testPassword})
		}, []string{"Users[1]", "already exists"}},
		{"every client problem at once", func(o *Options) {
			o.Clients = []Client{
				{ID: "bad id", Secrets: []string{"a", "b", "c"}, CallbackURLs: nil, LogoutURLs: []string{"javascript:alert(1)"}, Scopes: []string{"has space"}},
				{ID: "dup", CallbackURLs: []string{"/relative"}, Scopes: nil},
				{ID: "dup", CallbackURLs: []string{"https://x.example/cb#frag"}, Scopes: []string{"openid"}},
			}
			o.BaseURL = ""
			o.Users[0].Email = "not an email"
		}, []string{
			"BaseURL: required",
			`Clients[0] "bad id": ID`,
			"Secrets: 3 given",
			"CallbackURLs: at least one",
			"LogoutURLs[0]",
			`Scopes[0] "has space"`,
			"CallbackURLs[0]: \"/relative\" is not absolute",
			`Clients[1] "dup": Scopes: at least one`,
			"has a fragment",
			`duplicate client id "dup"`,
			"Invalid email address format.",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := validOptions()
			tt.edit(&o)
			_, err := New(o)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("New: no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestAddUser(t *testing.T) {
	s, err := New(validOptions())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		user    User
		wantErr error // nil: success; errAny: some error
	}{
		{"new user", User{Email: "second@example.com", Password: testPassword}, nil},
		{"taken email", User{Email: "Demo@Example.com", Password: testPassword}, ErrUserExists},
		{"weak password", User{Email: "third@example.com", Password: "weak"}, errAny},
		{"bad email", User{Email: "Demo <demo@example.com>", Password: testPassword}, errAny},
	}
	for _, tt := range tests {
		sub, err := s.AddUser(tt.user)
		switch {
		case tt.wantErr == nil && (err != nil || len(sub) != 36):
			t.Errorf("%s: sub %q, err %v; want a UUID", tt.name, sub, err)
		case tt.wantErr == errAny && err == nil, tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.wantErr)
		}
	}
	if sub, ok := s.UserSub("SECOND@example.com"); !ok || sub == "" {
		t.Error("UserSub does not find the new user case-insensitively")
	}
}

var errAny = errors.New("any error")

func TestMethodNotAllowed(t *testing.T) {
	s, err := New(validOptions())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ method, path string }{
		{http.MethodGet, "/oauth2/token"},
		{http.MethodGet, "/oauth2/revoke"},
		{http.MethodPost, "/oauth2/authorize"},
		{http.MethodPost, "/logout"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: status %d, want 405", tt.method, tt.path, rec.Code)
		}
	}
}

// TestCodesAreBounded: the pool refuses new codes (server_error) rather than
// grow without bound, and recovers once old codes expire.
func TestCodesAreBounded(t *testing.T) {
	pool := newTestPool(t, nil)
	b := newBrowser(t)
	q := authorizeQuery(testVerifier)
	pool.signIn(t, b, q)
	authorize := pool.Domain() + "/oauth2/authorize?" + q.Encode()
	for i := 1; i < MaxPendingCodes; i++ {
		if res := b.get(authorize); res.location().Query().Get("code") == "" {
			t.Fatalf("code %d not issued: %s", i, res.header.Get("Location"))
		}
	}
	if got := b.get(authorize).location().Query().Get("error"); got != "server_error" {
		t.Fatalf("code %d: error %q, want server_error", MaxPendingCodes+1, got)
	}
	pool.clock.Advance(CodeLifetime) // the codes expire; the one-hour session does not
	if got := b.get(authorize).location().Query().Get("code"); got == "" {
		t.Error("no code after the old ones expired")
	}
}

// FuzzAuthorize checks, for any query, the rule that matters most at the
// authorization endpoint: the browser is only ever redirected to the
// sign-in page or to a registered callback URL.
func FuzzAuthorize(f *testing.F) {
	for _, q := range []string{
		authorizeQuery(testVerifier).Encode(),
		"client_id=" + testClientID + "&redirect_uri=" + url.QueryEscape(testCallback),
		"client_id=" + testClientID + "&redirect_uri=https://evil.example/&response_type=code",
		"client_id=" + testClientID + "&redirect_uri=" + url.QueryEscape(testCallback) + "&response_type=token&state=%0d%0aSet-Cookie:x",
		"client_id=" + testClientID + "&client_id=x&redirect_uri=" + url.QueryEscape(testCallback),
		"redirect_uri=//evil.example&client_id=",
		"%zz&;;",
	} {
		f.Add(q)
	}
	s, err := New(validOptions())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query string) {
		for _, path := range []string{"/oauth2/authorize", "/login", "/signup"} {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.URL.Path, req.URL.RawQuery = path, query
			s.ServeHTTP(rec, req)
			loc := rec.Header().Get("Location")
			switch rec.Code {
			case http.StatusFound:
				if !strings.HasPrefix(loc, s.Domain()+"/login?") && !strings.HasPrefix(loc, testCallback+"?") {
					t.Fatalf("%s?%s redirected to %q", path, query, loc)
				}
			case http.StatusOK, http.StatusBadRequest:
				if loc != "" {
					t.Fatalf("%s?%s: status %d with Location %q", path, query, rec.Code, loc)
				}
			default:
				t.Fatalf("%s?%s: status %d", path, query, rec.Code)
			}
		}
	})
}
