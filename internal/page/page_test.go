package page

import (
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/example/cognito-sam-go/internal/apigw"
)

var styleElem = regexp.MustCompile(`(?s)<style>(.*?)</style>`)

// TestCSPAllowsExactlyTheStylesheet recomputes the hash of the <style>
// element as rendered: if the template or escaping changes it, the page
// would lose its styling in every browser.
func TestCSPAllowsExactlyTheStylesheet(t *testing.T) {
	body, err := RenderSignedIn(SignedIn{Email: "a@example.com", Expiry: time.Now().Add(time.Hour), AccessToken: "tok", HelloURL: "https://x/hello"})
	if err != nil {
		t.Fatal(err)
	}
	m := styleElem.FindAllStringSubmatch(body, -1)
	if len(m) != 1 {
		t.Fatalf("want one <style> element, got %d", len(m))
	}
	sum := sha256.Sum256([]byte(m[0][1]))
	want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	if !strings.Contains(CSP, "style-src "+want) {
		t.Errorf("CSP %q does not allow the rendered stylesheet %s", CSP, want)
	}
	for _, d := range []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
		if !strings.Contains(CSP, d) {
			t.Errorf("CSP lacks %s", d)
		}
	}
	if strings.Contains(CSP, "script-src") || strings.Contains(CSP, "unsafe") {
		t.Errorf("CSP allows script or unsafe sources: %s", CSP)
	}
}

func TestPagesEscapeAndCarryNoScript(t *testing.T) {
	evil := `"><script>alert(1)</script>`
	body, err := RenderSignedIn(SignedIn{Email: evil, Username: evil, Expiry: time.Now().Add(time.Hour), AccessToken: "tok" + evil, HelloURL: "https://x/hello"})
	if err != nil {
		t.Fatal(err)
	}
	if HasInlineScript(body) {
		t.Errorf("signed-in page has script:\n%s", body)
	}
	if !strings.Contains(body, "curl -H &#39;Authorization: tok") {
		t.Errorf("page lacks the curl command")
	}
	errBody, csp := Error("login")(400, &apigw.Error{Code: "invalid_state", Message: evil})
	if HasInlineScript(errBody) || csp != CSP {
		t.Errorf("error page has script or another CSP")
	}
}

func TestHasInlineScript(t *testing.T) {
	for s, want := range map[string]bool{
		"<p>hi</p>": false, "<SCRIPT src=x>": true, `<img onerror="x">`: true, `<a href="javascript:x">`: true,
	} {
		if got := HasInlineScript(s); got != want {
			t.Errorf("HasInlineScript(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestExpiresIn(t *testing.T) {
	for d, want := range map[time.Duration]string{time.Hour: "60 minutes", 125 * time.Second: "2 minutes", 61 * time.Second: "1 minute", 10 * time.Second: "less than a minute", -time.Minute: "less than a minute"} {
		if got := (SignedIn{Expiry: time.Now().Add(d)}).ExpiresIn(); got != want {
			t.Errorf("ExpiresIn(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestSignedOutPageIsTrueEitherWay: /signed-out is where Cognito's /logout
// returns the browser, but anyone can open it directly, when nothing was
// signed out. The page keeps its ids and states its promise only for the
// first case.
func TestSignedOutPageIsTrueEitherWay(t *testing.T) {
	body, err := RenderSignedOut("login")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`id="signed-out"`, "<h1>Signed out</h1>", `id="signed-out-limits"`, `href="login" id="sign-in"`,
		"If you came here by signing out,", "Opening this page by itself signs nothing out",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("signed-out page lacks %q", want)
		}
	}
	if strings.Contains(body, "You are signed out of this app") {
		t.Error("signed-out page still promises, unconditionally, that the user is signed out")
	}
	if HasInlineScript(body) {
		t.Error("signed-out page has script")
	}
}
