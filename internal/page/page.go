// Package page renders the few HTML pages a person sees: the home page
// (signed in or not), the signed-out page, and error pages. Pages carry no script at all; their
// one stylesheet is inline and allowed by its SHA-256 hash in a strict
// Content-Security-Policy, so nothing injected could run or load.
package page

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/page/tmpl"
)

//go:embed style.css
var style string

//go:embed pages.html
var pagesHTML string

var (
	// pages are the sections of pages.html, each a tmpl.Template (not
	// html/template: see package tmpl), parsed on first use.
	pages = sync.OnceValue(func() map[string]*tmpl.Template { return parsePages(pagesHTML) })

	// CSP forbids everything but the inline stylesheet (by hash) and form
	// posts to this origin; no script, no frames, no base tag tricks.
	CSP = CSPWithFormTargets()
)

// CSPWithFormTargets is CSP with form submissions also allowed to end at
// the given origins. Browsers apply form-action to every redirect after a
// form post, so the sign-out form, whose POST is redirected to Cognito's
// /logout, needs the Cognito domain's origin here.
func CSPWithFormTargets(origins ...string) string {
	formAction := "'self'"
	for _, o := range origins {
		formAction += " " + o
	}
	return "default-src 'none'; style-src 'sha256-" + styleHash() + "'; img-src 'none'; " +
		"form-action " + formAction + "; frame-ancestors 'none'; base-uri 'none'"
}

func styleHash() string {
	sum := sha256.Sum256([]byte(style))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// SignedIn is what the signed-in page shows.
type SignedIn struct {
	Email       string
	Username    string
	Subject     string
	Expiry      time.Time // of the access token
	AccessToken string
	HelloURL    string
	RefreshURL  string // relative form action of POST /refresh (the session's)
	LogoutURL   string // relative form action of POST /logout
	Refreshed   bool   // the page follows a refresh, not a sign-in
	// CredentialsURL, when set, is the relative form action of POST
	// /credentials: the page then offers AWS credentials (identity pool).
	CredentialsURL string
}

// Format prints the page data redacted for every fmt verb: it holds the
// tokens.
func (s SignedIn) Format(f fmt.State, _ rune) { fmt.Fprint(f, "page.SignedIn{REDACTED}") }

// LogValue redacts the page data for log/slog.
func (s SignedIn) LogValue() slog.Value { return slog.StringValue("page.SignedIn{REDACTED}") }

// ExpiresIn renders the time left as "60 minutes".
func (s SignedIn) ExpiresIn() string {
	m := int(time.Until(s.Expiry).Round(time.Minute) / time.Minute)
	switch {
	case m < 1:
		return "less than a minute"
	case m == 1:
		return "1 minute"
	default:
		return fmt.Sprintf("%d minutes", m)
	}
}

// Curl is a copy-ready call of the protected route. The raw access token
// goes in the Authorization header: that is what API Gateway's Cognito
// authorizer reads.
func (s SignedIn) Curl() string {
	return "curl -H 'Authorization: " + s.AccessToken + "' '" + s.HelloURL + "'"
}

// RenderSignedIn renders the home page of a signed-in browser. It holds the
// current access token (for the curl command), never the refresh token.
func RenderSignedIn(s SignedIn) (string, error) {
	v := map[string]string{
		"Title": "Signed in", "HeadingID": "signed-in-heading", "Heading": "Signed in",
		"Lead":  "Your session holds tokens Cognito issued; the ID token was verified",
		"Email": s.Email, "Username": s.Username, "Subject": s.Subject,
		"ExpiryISO": s.Expiry.UTC().Format(time.RFC3339), "ExpiryUTC": s.Expiry.UTC().Format("2006-01-02 15:04:05 UTC"),
		"ExpiresIn": s.ExpiresIn(), "Curl": s.Curl(), "AccessToken": s.AccessToken,
		"RefreshURL": s.RefreshURL, "LogoutURL": s.LogoutURL,
	}
	if s.Refreshed {
		v["HeadingID"], v["Heading"] = "refreshed", "Tokens refreshed"
		v["Lead"] = "Cognito issued new tokens for your session's refresh token"
	}
	if s.CredentialsURL != "" {
		v["CredentialsURL"] = s.CredentialsURL
		return renderParts(v, "signed-in", "signed-in-credentials", "signed-in-actions")
	}
	return renderParts(v, "signed-in", "signed-in-actions")
}

// RenderSignedOutHome renders the home page of a browser without a session:
// a Sign in button.
func RenderSignedOutHome(loginURL string) (string, error) {
	return render("home-signed-out", map[string]string{"Title": "Sign in", "LoginURL": loginURL})
}

// RenderSignedOut renders the page Cognito's /logout returns the browser to:
// what sign-out ended, and what it cannot.
func RenderSignedOut(loginURL string) (string, error) {
	return render("signed-out", map[string]string{"Title": "Signed out", "LoginURL": loginURL})
}

// Error renders an error page; it matches apigw.ErrorPage. The message is
// the user-facing one only, never internal detail.
func Error(loginURL string) apigw.ErrorPage {
	return func(status int, e *apigw.Error) (string, string) {
		body, err := render("error", map[string]string{
			"Status": strconv.Itoa(status), "Title": http.StatusText(status), "Message": e.Message, "Code": e.Code, "LoginURL": loginURL,
		})
		if err != nil {
			return "<!doctype html><title>Error</title><p>Something went wrong.</p>", CSP
		}
		return body, CSP
	}
}

// render renders page name between the head (which takes values["Title"])
// and the foot.
func render(name string, values map[string]string) (string, error) {
	return renderParts(values, name)
}

// renderParts renders the sections parts in order between the head and the
// foot: a page with optional parts is made of several sections, since
// templates have no conditionals.
func renderParts(values map[string]string, parts ...string) (string, error) {
	var b strings.Builder
	for _, part := range append(append([]string{"head"}, parts...), "foot") {
		t, ok := pages()[part]
		if !ok {
			return "", fmt.Errorf("no page %q", part)
		}
		s, err := t.Execute(values)
		if err != nil {
			return "", fmt.Errorf("page %s: %w", part, err)
		}
		b.WriteString(s)
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// pageMarker starts each section of pages.html: "<!-- page: name -->".
const pageMarker = "<!-- page: "

// parsePages splits pages.html into its sections and parses each, the
// stylesheet inlined into the head's empty <style></style>. A broken
// embedded page panics (the tests render every one).
func parsePages(src string) map[string]*tmpl.Template {
	out := map[string]*tmpl.Template{}
	for _, sec := range strings.Split(src, pageMarker)[1:] {
		name, body, ok := strings.Cut(sec, " -->")
		if !ok {
			panic("page: bad section marker in pages.html")
		}
		body = strings.TrimSpace(body)
		if name == "head" {
			body = strings.Replace(body, "<style></style>", "<style>"+style+"</style>", 1)
		}
		out[name] = tmpl.Must(body)
	}
	return out
}

var inlineScript = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)<script|\son[a-z]+\s*=|javascript:`)
})

// HasInlineScript reports whether html contains a script element, an event
// handler attribute or a javascript: URL (tests use it on every page).
func HasInlineScript(html string) bool { return inlineScript().MatchString(html) }
