package devserver

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/example/cognito-sam-go/internal/local/localcognito"
	"github.com/example/cognito-sam-go/internal/local/localidentity"
)

func federated(t *testing.T) *Server {
	s, _ := start(t, Options{Google: true, IdentityPool: true, IdentityAddr: "127.0.0.1:0"})
	return s
}

// TestGoogleAndCredentialsOverHTTP: /login?provider=Google skips the
// Cognito page; a provider that is not configured is a 400; the Google
// user's credentials come back from POST /credentials and /hello names
// the <pool>_Google group.
func TestGoogleAndCredentialsOverHTTP(t *testing.T) {
	s := federated(t)
	c := newClient(t)
	if r := c.get(s.APIURL + "/login?provider=Facebook"); r.status != http.StatusBadRequest {
		t.Errorf("/login?provider=Facebook: %d, want 400", r.status)
	}
	page := c.get(s.APIURL + "/login?provider=Google")
	if page.url.Path != "/local-google/signin" || !strings.Contains(page.body, "not Google") {
		t.Fatalf("/login?provider=Google ended at %s: %.300s", page.url, page.body)
	}
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page.body, -1) {
		form.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	form.Set("email", "grace@example.com")
	action := *page.url
	action.RawQuery = ""
	if cb := c.postForm(action.String(), form); cb.status != http.StatusOK || cb.url.Path != "/callback" {
		t.Fatalf("Google stand-in sign-in ended at %s with %d: %.300s", cb.url, cb.status, cb.body)
	}

	r := c.post(s.APIURL+"/credentials", "Origin", s.APIURL)
	var cr struct {
		IdentityID   string `json:"identity_id"`
		SessionToken string `json:"session_token"`
		S3Prefix     string `json:"s3_prefix"`
	}
	if err := json.Unmarshal([]byte(r.body), &cr); err != nil || r.status != http.StatusOK ||
		!strings.HasPrefix(cr.SessionToken, localidentity.FakeSessionTokenPrefix) || !strings.HasPrefix(cr.IdentityID, "us-east-1:") ||
		cr.S3Prefix != "s3://"+LocalCredentialsBucket+"/"+cr.IdentityID+"/" {
		t.Fatalf("/credentials: %d %s", r.status, r.body)
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("/credentials Cache-Control = %q", r.header.Get("Cache-Control"))
	}

	tok := c.post(s.APIURL+"/token", "Origin", s.APIURL)
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal([]byte(tok.body), &tr)
	hello := c.get(s.APIURL+"/hello", "Authorization", tr.AccessToken)
	if want := `"` + localcognito.DefaultPoolID + `_Google"`; hello.status != http.StatusOK || !strings.Contains(hello.body, want) ||
		!strings.Contains(hello.body, `"username":"google_`) {
		t.Errorf("/hello for the Google user: %d %s, want the group %s and a google_ username", hello.status, hello.body, want)
	}
}

// TestFederationOffByDefault: the dev server's zero Options have neither.
func TestFederationOffByDefault(t *testing.T) {
	s, _ := start(t, Options{})
	c, _ := signedIn(t, s)
	if r := c.post(s.APIURL+"/credentials", "Origin", s.APIURL); r.status != http.StatusNotFound {
		t.Errorf("/credentials without an identity pool: %d %s, want 404", r.status, r.body)
	}
	if r := newClient(t).get(s.APIURL + "/login?provider=Google"); r.status != http.StatusBadRequest {
		t.Errorf("/login?provider=Google without Google: %d, want 400", r.status)
	}
}

var identityIDPattern = regexp.MustCompile(`^us-east-1:[0-9a-f-]{36}$`)

// TestBrowserGoogleCredentials: in Chromium, Continue with Google on the
// local Cognito's page, the stand-in, the home page, Get AWS credentials;
// then, from the sample app's page, fetch /credentials and /hello the way
// a front end would.
func TestBrowserGoogleCredentials(t *testing.T) {
	s := federated(t)
	ctx := browser(t)

	step(t, ctx, "open /login", chromedp.Navigate(s.APIURL+"/login"), chromedp.WaitVisible("#continue-with-google"))
	step(t, ctx, "continue with Google", chromedp.Click("#continue-with-google"), chromedp.WaitVisible("#google-form"))
	if got := text(t, ctx, "#google-standin"); !strings.Contains(got, "Local stand-in for Google sign-in — not Google") {
		t.Errorf("the stand-in page says %q", got)
	}
	step(t, ctx, "sign in as a Google user",
		chromedp.SendKeys("#email", "ada@example.com"), chromedp.SendKeys("#name", "Ada Lovelace"),
		chromedp.Click("#google-continue"), chromedp.WaitVisible("#signed-in"))
	if got := text(t, ctx, "#email"); got != "ada@example.com" {
		t.Errorf("signed in as %q", got)
	}

	step(t, ctx, "get AWS credentials", chromedp.Click("#get-credentials"), chromedp.WaitVisible("#credentials"))
	id := text(t, ctx, "#identity-id")
	if !identityIDPattern.MatchString(id) {
		t.Errorf("identity id %q", id)
	}
	exports, err := chromedp.Run(ctx, chromedp.Value("#exports"))
	if err != nil || !strings.Contains(exports, "export AWS_SESSION_TOKEN='"+localidentity.FakeSessionTokenPrefix) {
		t.Errorf("export lines %q (%v)", exports, err)
	}
	allowed, _ := chromedp.Run(ctx, chromedp.Value("#s3-allowed"))
	refused, _ := chromedp.Run(ctx, chromedp.Value("#s3-refused"))
	if allowed != "aws s3 ls 's3://"+LocalCredentialsBucket+"/"+id+"/'" || !strings.Contains(refused, "s3://"+LocalCredentialsBucket+"/us-east-1:00000000-") {
		t.Errorf("commands: %q, %q", allowed, refused)
	}

	// From a page with a script (the sample app, connect-src 'self').
	step(t, ctx, "open the sample app", chromedp.Navigate(s.APIURL+"/app"), chromedp.WaitReady("body"))
	fetched, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`(async () => {
		const c = await (await fetch("credentials", {method: "POST"})).json();
		const t = await (await fetch("token", {method: "POST"})).json();
		const h = await (await fetch("hello", {headers: {Authorization: t.access_token}})).json();
		return {identity: c.identity_id, token: c.session_token, groups: h.groups};
	})()`, chromedp.EvalAsValue, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch from the app page: %v", err)
	}
	if fetched["identity"] != id || !strings.HasPrefix(fetched["token"].(string), localidentity.FakeSessionTokenPrefix) {
		t.Errorf("fetched identity %v (page showed %s)", fetched["identity"], id)
	}
	if g, _ := json.Marshal(fetched["groups"]); !strings.Contains(string(g), localcognito.DefaultPoolID+"_Google") {
		t.Errorf("/hello groups = %s, want %s_Google", g, localcognito.DefaultPoolID)
	}
}
