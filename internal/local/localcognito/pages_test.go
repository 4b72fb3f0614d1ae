package localcognito

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func signInPageFor(t *testing.T, pool *testPool, b *browser, q url.Values) page {
	t.Helper()
	res := b.get(pool.Domain() + "/login?" + q.Encode())
	if res.status != http.StatusOK {
		t.Fatalf("sign-in page: status %d, want 200", res.status)
	}
	return res
}

func TestSignInPage(t *testing.T) {
	pool := newTestPool(t, nil)
	q := authorizeQuery(testVerifier)
	q.Set("state", `"><script>alert(1)</script>`)
	res := signInPageFor(t, pool, newBrowser(t), q)

	wantCSP := "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' http://127.0.0.1:3000; frame-ancestors 'none'; base-uri 'none'"
	if got := res.header.Get("Content-Security-Policy"); got != wantCSP {
		t.Errorf("Content-Security-Policy = %q, want %q", got, wantCSP)
	}
	for header, want := range map[string]string{
		"Content-Type":           "text/html; charset=utf-8",
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"X-Frame-Options":        "DENY",
	} {
		if got := res.header.Get(header); got != want {
			t.Errorf("%s = %q, want %q", header, got, want)
		}
	}
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`(?i)<script`),
		regexp.MustCompile(`(?i)<style|\sstyle=`),
		regexp.MustCompile(`(?i)\son[a-z]+=`),
		regexp.MustCompile(`(?i)javascript:`),
	} {
		if m := bad.FindString(res.body); m != "" {
			t.Errorf("page contains inline script or style: %q", m)
		}
	}
	for _, want := range []string{
		"Local Cognito (development only)",
		`<form method="post" action="/login"`,
		`name="email"`, `name="password"`,
		`<link rel="stylesheet" href="/static/local.css">`,
		`id="signup-link"`, `id="cancel"`,
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if got := formFields(res.body); got.Encode() != q.Encode() {
		t.Errorf("hidden fields carry %v, want the authorization parameters %v", got, q)
	}

	css := newBrowser(t).get(pool.Domain() + "/static/local.css")
	if css.status != http.StatusOK || css.header.Get("Content-Type") != "text/css; charset=utf-8" || !strings.Contains(css.body, ".card") {
		t.Errorf("stylesheet: status %d, type %q", css.status, css.header.Get("Content-Type"))
	}
}

func TestCancel(t *testing.T) {
	pool := newTestPool(t, nil)
	res := signInPageFor(t, pool, newBrowser(t), authorizeQuery(testVerifier))
	i := strings.Index(res.body, `href="`+testCallback)
	if i < 0 {
		t.Fatalf("no Cancel link to the callback in\n%s", res.body)
	}
	href := res.body[i+len(`href="`):]
	href = html.UnescapeString(href[:strings.Index(href, `"`)])
	u, err := url.Parse(href)
	if err != nil {
		t.Fatal(err)
	}
	if q := u.Query(); q.Get("error") != "access_denied" || q.Get("state") != "state-abc" || q.Get("error_description") == "" {
		t.Errorf("Cancel link query = %v, want error=access_denied, a description and the state", q)
	}
}

// emailValue matches the email field's value attribute, which echoes what
// was typed.
var emailValue = regexp.MustCompile(`(<input id="email" name="email" [^>]*value=")[^"]*(")`)

// TestBadCredentials: a wrong password and an unknown user get the same
// answer, which does not tell whether the user exists (the typed email
// address, echoed into the form, and the field in focus aside).
func TestBadCredentials(t *testing.T) {
	pool := newTestPool(t, nil)
	tests := []struct{ name, email, password string }{
		{"wrong password", testEmail, "Wrong-Password-1!"},
		{"unknown user", "nobody@example.com", testPassword},
		{"empty", "", ""},
	}
	var first string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t)
			form := formFields(signInPageFor(t, pool, b, authorizeQuery(testVerifier)).body)
			form.Set("email", tt.email)
			form.Set("password", tt.password)
			res := b.post(pool.Domain()+"/login", pool.Domain(), form)
			if res.status != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", res.status)
			}
			if !strings.Contains(res.body, "Incorrect username or password.") {
				t.Errorf("page lacks the generic message:\n%s", res.body)
			}
			if res.header.Get("Set-Cookie") != "" || res.header.Get("Location") != "" {
				t.Errorf("failed sign-in set a cookie or redirected")
			}
			// Which field has focus depends on whether an email was typed.
			body := strings.ReplaceAll(emailValue.ReplaceAllString(res.body, "${1}EMAIL${2}"), " autofocus", "")
			if first == "" {
				first = body
			} else if body != first {
				t.Errorf("response differs from the wrong-password response")
			}
		})
	}
	// The email is matched case-insensitively, as in a pool with
	// CaseSensitive: false.
	b := newBrowser(t)
	form := formFields(signInPageFor(t, pool, b, authorizeQuery(testVerifier)).body)
	form.Set("email", strings.ToUpper(testEmail))
	form.Set("password", testPassword)
	if res := b.post(pool.Domain()+"/login", pool.Domain(), form); res.status != http.StatusFound {
		t.Errorf("upper-case email: status %d, want 302", res.status)
	}
}

// TestSignInKeepsEmail: after a failed sign-in the form comes back with
// the email address as typed, escaped, focus on the password, and the
// password empty.
func TestSignInKeepsEmail(t *testing.T) {
	pool := newTestPool(t, nil)
	const password = "Wrong-Password-1!"
	tests := []struct {
		name, email string
		want        string // the value attribute as rendered
	}{
		{"known user, wrong password", testEmail, testEmail},
		{"typed with spaces and capitals", "  Ada@Example.COM ", "  Ada@Example.COM "},
		{"markup", `"><script>alert(1)</script>@example.com`, "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@example.com"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t)
			form := formFields(signInPageFor(t, pool, b, authorizeQuery(testVerifier)).body)
			form.Set("email", tt.email)
			form.Set("password", password)
			res := b.post(pool.Domain()+"/login", pool.Domain(), form)
			if res.status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", res.status)
			}
			m := emailValue.FindStringSubmatch(res.body)
			if m == nil {
				t.Fatalf("no email field with a value in\n%s", res.body)
			}
			if got := strings.TrimSuffix(strings.TrimPrefix(m[0], m[1]), m[2]); got != tt.want {
				t.Errorf("email value = %q, want %q", got, tt.want)
			}
			if strings.Contains(res.body, "<script") || strings.Contains(res.body, password) {
				t.Errorf("page carries the markup unescaped or echoes the password:\n%s", res.body)
			}
			emailAutofocus := regexp.MustCompile(`<input id="email"[^>]* autofocus>`).MatchString(res.body)
			passwordAutofocus := regexp.MustCompile(`<input id="password"[^>]* autofocus>`).MatchString(res.body)
			if emailAutofocus == (tt.email != "") || passwordAutofocus != (tt.email != "") {
				t.Errorf("autofocus on email %v, on password %v; want the empty field focused", emailAutofocus, passwordAutofocus)
			}
		})
	}
	// The first visit has an empty email field, focused.
	res := signInPageFor(t, pool, newBrowser(t), authorizeQuery(testVerifier))
	if !strings.Contains(res.body, `<input id="email" name="email" type="email" autocomplete="username" value="" required autofocus>`) {
		t.Errorf("first visit: email field not empty and focused:\n%s", res.body)
	}
}

// TestCrossOriginPost: another site cannot post the sign-in or sign-up form.
func TestCrossOriginPost(t *testing.T) {
	pool := newTestPool(t, nil)
	tests := []struct {
		name       string
		path       string
		header     map[string]string
		wantStatus int
	}{
		{"sign-in from another origin", "/login", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"sign-in from the app's origin", "/login", map[string]string{"Origin": "http://127.0.0.1:3000"}, http.StatusForbidden},
		{"sign-in cross-site fetch", "/login", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"sign-in same-site fetch", "/login", map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"sign-up from another origin", "/signup", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"sign-in same origin", "/login", map[string]string{"Origin": pool.Domain(), "Sec-Fetch-Site": "same-origin"}, http.StatusFound},
		{"sign-in without browser headers", "/login", nil, http.StatusFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := authorizeQuery(testVerifier)
			form.Set("email", testEmail)
			form.Set("password", testPassword)
			req, err := http.NewRequest(http.MethodPost, pool.Domain()+tt.path, strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			if res := newBrowser(t).do(req); res.status != tt.wantStatus {
				t.Errorf("status %d, want %d", res.status, tt.wantStatus)
			}
		})
	}
}

func TestSignUp(t *testing.T) {
	pool := newTestPool(t, nil)
	tests := []struct {
		name       string
		email      string
		password   string
		wantStatus int
		wantText   []string
	}{
		{"weak password", "new1@example.com", "short", http.StatusBadRequest, []string{
			"Password did not conform with policy",
			"Password not long enough",
			"Password must have uppercase characters",
			"Password must have numeric characters",
			"Password must have symbol characters",
		}},
		{"no symbol", "new2@example.com", "Abcdefghijk1", http.StatusBadRequest, []string{"Password must have symbol characters"}},
		{"no lowercase", "new3@example.com", "ABCDEFGHIJK1!", http.StatusBadRequest, []string{"Password must have lowercase characters"}},
		{"bad email", "not-an-email", testPassword, http.StatusBadRequest, []string{"Invalid email address format."}},
		{"duplicate email", testEmail, testPassword, http.StatusBadRequest, []string{"An account with the given email already exists."}},
		{"duplicate email, other case", strings.ToUpper(testEmail), testPassword, http.StatusBadRequest, []string{"An account with the given email already exists."}},
		{"success", "new4@example.com", "Another-Good-Pass-7", http.StatusFound, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t)
			res := b.get(pool.Domain() + "/signup?" + authorizeQuery(testVerifier).Encode())
			if res.status != http.StatusOK || res.header.Get("Content-Security-Policy") == "" || strings.Contains(res.body, "<script") {
				t.Fatalf("sign-up page: status %d; want 200 with a CSP and no script", res.status)
			}
			form := formFields(res.body)
			form.Set("email", tt.email)
			form.Set("password", tt.password)
			res = b.post(pool.Domain()+"/signup", pool.Domain(), form)
			if res.status != tt.wantStatus {
				t.Fatalf("status %d, want %d\n%s", res.status, tt.wantStatus, res.body)
			}
			for _, want := range tt.wantText {
				if !strings.Contains(res.body, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			if strings.Contains(res.body, tt.password) && tt.password != "" {
				t.Error("page echoes the password")
			}
			if tt.wantStatus != http.StatusFound {
				return
			}
			// Signed up and signed in: a code, a session, and the new user
			// can sign in again with the password.
			if res.location().Query().Get("code") == "" || res.location().Query().Get("state") != "state-abc" {
				t.Errorf("Location %q: want a code and the state", res.header.Get("Location"))
			}
			if _, ok := pool.UserSub(tt.email); !ok {
				t.Errorf("user %s not created", tt.email)
			}
			if again := b.get(pool.Domain() + "/oauth2/authorize?" + authorizeQuery(testVerifier).Encode()); again.location().Query().Get("code") == "" {
				t.Errorf("after sign-up the session does not skip the sign-in page: %s", again.header.Get("Location"))
			}
		})
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		password string
		want     int // number of broken rules
	}{
		{"Correct-Horse-9!", 0},
		{"Abcdefghijk1 x", 0}, // an inner space counts as a symbol
		{"abcdefghijk1!", 1},
		{"ABCDEFGHIJK1!", 1},
		{"Abcdefghijkl!", 1},
		{"Abcdefghijk12", 1},
		{"Ab1!", 1},
		{" Abcdefghijk1!", 1},
		{"", 5},
	}
	for _, tt := range tests {
		if got := CheckPassword(tt.password); len(got) != tt.want {
			t.Errorf("CheckPassword(%q) = %q, want %d problems", tt.password, got, tt.want)
		}
	}
}
