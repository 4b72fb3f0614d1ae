package devserver

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
	"github.com/example/cognito-sam-go/internal/logincookie"
)

// chromiumInstall is what a missing browser is reported with.
const chromiumInstall = "headless Chromium not found; install it with: apt-get update && apt-get install -y chromium"

// browser starts headless Chromium for the test, with a fresh profile, and
// returns a context for one tab. The flags keep Chromium off the network
// beyond the test's loopback servers.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Fatal(chromiumInstall)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start %s: %v (%s)", path, err, chromiumInstall)
	}
	return ctx
}

// newTab opens another tab in ctx's browser, sharing its cookies, until
// the test ends. The tab is opened here, with a context that lives as long
// as the test: chromedp ties a tab to the context of its first action, so
// opening it inside step's timeout would close it when that step returns.
func newTab(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return tab
}

// step runs actions with a timeout, failing the test with what the page
// shows when they do not complete.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		loc, _ := chromedp.Run(dctx, chromedp.Location())
		body, _ := chromedp.Run(dctx, chromedp.Text("body"))
		t.Fatalf("%s: %v\nat %s:\n%.800s", what, err, loc, body)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(v)
}

// artifactsDir is where screenshots go: $TEST_ARTIFACTS_DIR, or artifacts/
// at the repository root.
func artifactsDir(t *testing.T) string {
	dir := os.Getenv("TEST_ARTIFACTS_DIR")
	if dir == "" {
		dir = filepath.Join(moduleRoot(t), "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	return abs
}

// moduleRoot is the folder of go.mod above this package's directory.
func moduleRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// signInActions fill in and submit the local Cognito's sign-in form. The
// fields are cleared first: after a wrong password the form keeps the
// typed e-mail address.
func signInActions(email, password string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.WaitVisible("#signin-form"),
		chromedp.Clear("#email"),
		chromedp.SendKeys("#email", email),
		chromedp.Clear("#password"),
		chromedp.SendKeys("#password", password),
		chromedp.Click("#signin"),
	}
}

// attemptCookies are the sign-in attempts' cookies the browser holds for
// the API (cookies do not depend on the port: only the host's are kept).
func attemptCookies(t *testing.T, ctx context.Context, apiURL string) []*network.Cookie {
	t.Helper()
	u, err := url.Parse(apiURL)
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	res, err := chromedp.CallBrowser(cctx, storage.GetCookies, storage.GetCookiesParams{})
	if err != nil {
		t.Fatalf("read the browser's cookies: %v", err)
	}
	var out []*network.Cookie
	for _, c := range res.Cookies {
		if c.Domain == u.Hostname() && logincookie.IsAttempt(c.Name) {
			out = append(out, c)
		}
	}
	return out
}

// expireCookie deletes the cookie, as the browser does when its Max-Age
// passes.
func expireCookie(apiURL string) func(*testing.T, context.Context, *network.Cookie) {
	return func(t *testing.T, ctx context.Context, c *network.Cookie) {
		t.Helper()
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if _, err := chromedp.Call(ctx, network.DeleteCookies, network.DeleteCookiesParams{Name: c.Name, URL: apiURL + "/"}); err != nil {
			t.Fatalf("delete cookie %s: %v", c.Name, err)
		}
	}
}

// tamperCookie replaces the cookie's value with another of the same shape,
// under the same name and attributes.
func tamperCookie(apiURL string) func(*testing.T, context.Context, *network.Cookie) {
	return func(t *testing.T, ctx context.Context, c *network.Cookie) {
		t.Helper()
		v := []byte(c.Value)
		if v[len(v)/2] == 'A' {
			v[len(v)/2] = 'B'
		} else {
			v[len(v)/2] = 'A'
		}
		secure, httpOnly := true, true
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: c.Name, Value: string(v), URL: apiURL + "/",
			Path: "/", Secure: &secure, HTTPOnly: &httpOnly, SameSite: network.CookieSameSiteLax}); err != nil {
			t.Fatalf("set cookie %s: %v", c.Name, err)
		}
		if got := attemptCookies(t, ctx, apiURL); len(got) != 1 || got[0].Value != string(v) {
			t.Fatalf("the tampered cookie did not replace the original")
		}
	}
}

// netlog records the HTTP answers a tab receives: each hop of a redirect
// chain, page loads and fetches.
type netlog struct {
	mu       sync.Mutex
	methods  map[network.RequestID]string
	hops     []hop
	security []string // the browser's security errors (CSP violations)
}

type hop struct {
	method, url string
	status      int64
}

func (h hop) String() string { return fmt.Sprintf("%s %s -> %d", h.method, h.url, h.status) }

// record starts recording the tab's answers; a failing test logs the
// security errors the browser reported.
func record(t *testing.T, ctx context.Context) *netlog {
	t.Helper()
	n := &netlog{methods: map[network.RequestID]string{}}
	err := chromedp.Listen(ctx, func(ev any) {
		n.mu.Lock()
		defer n.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if e.RedirectResponse != nil {
				n.hops = append(n.hops, hop{n.methods[e.RequestID], e.RedirectResponse.URL, e.RedirectResponse.Status})
			}
			n.methods[e.RequestID] = e.Request.Method
		case *network.EventResponseReceived:
			n.hops = append(n.hops, hop{n.methods[e.RequestID], e.Response.URL, e.Response.Status})
		case *cdplog.EventEntryAdded:
			if e.Entry.Source == cdplog.EntrySourceSecurity {
				n.security = append(n.security, e.Entry.Text)
			}
		}
	})
	if err != nil {
		t.Fatalf("listen to the tab's network events: %v", err)
	}
	t.Cleanup(func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		if t.Failed() && len(n.security) > 0 {
			t.Logf("the browser reported security errors:\n%s", strings.Join(n.security, "\n"))
		}
	})
	return n
}

// mark returns the number of answers so far, for since.
func (n *netlog) mark() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.hops)
}

// since returns the answers after mark whose URL starts with prefix.
func (n *netlog) since(mark int, prefix string) []hop {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []hop
	for _, h := range n.hops[mark:] {
		if strings.HasPrefix(h.url, prefix) {
			out = append(out, h)
		}
	}
	return out
}

var curlCommand = regexp.MustCompile(`^curl -H 'Authorization: ([A-Za-z0-9._-]+)' '(http://[^']+/hello)'$`)

// TestBrowserSignIn is what a person does: open /login, sign in on the
// local Cognito page, land on the signed-in page, and run the curl command
// it shows against the protected route.
func TestBrowserSignIn(t *testing.T) {
	s, _ := start(t, Options{})
	ctx := browser(t)

	step(t, ctx, "open /login", chromedp.Navigate(s.APIURL+"/login"))
	step(t, ctx, "sign in", signInActions(DefaultUser, DefaultPassword)...)
	step(t, ctx, "land on the signed-in page", chromedp.WaitVisible("#signed-in"))

	if got := text(t, ctx, "#email"); got != DefaultUser {
		t.Errorf("signed-in page shows %q, want %q", got, DefaultUser)
	}
	if got := text(t, ctx, "#expiry"); !strings.Contains(got, "UTC") {
		t.Errorf("expiry shown as %q", got)
	}
	// The callback sent the browser on (303) to the home page: reloading,
	// Back and bookmarking it are safe, and no code or token is in its URL.
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if loc != s.APIURL+"/" {
		t.Errorf("signed-in page at %s, want the API's home page %s/", loc, s.APIURL)
	}
	if u, err := url.Parse(loc); err != nil || u.RawQuery != "" || u.Fragment != "" {
		t.Errorf("signed-in page URL %q carries a query or fragment (a code or token?)", loc)
	}
	// The signed-in page renders with its stylesheet: the CSP hash matched
	// (a blocked stylesheet leaves the body's margin at the default 8px).
	margin, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("main")).maxWidth`))
	if err != nil || margin == "none" {
		t.Errorf("stylesheet not applied (main max-width %q, %v): CSP blocked it?", margin, err)
	}

	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 = PNG
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	shot := filepath.Join(artifactsDir(t), "signed-in.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the signed-in page: %s (%d bytes)", shot, len(png))

	// Use the page's instructions: copy the curl command and run it.
	cmdText, err := chromedp.Run(ctx, chromedp.Value("#curl"))
	if err != nil {
		t.Fatal(err)
	}
	cmdText = strings.TrimSpace(cmdText)
	if !curlCommand.MatchString(cmdText) {
		t.Fatalf("curl command on the page has an unexpected shape: %.120s", cmdText)
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl not found; install it with: apt-get install -y curl")
	}
	out, err := exec.Command("sh", "-c", cmdText+" -s -w '\\n%{http_code}'").CombinedOutput()
	if err != nil {
		t.Fatalf("running the page's curl command: %v\n%s", err, out)
	}
	body, status, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if status != "200" || !strings.Contains(body, `"message":"Hello, `) {
		t.Errorf("the page's curl command got %s: %s", status, body)
	}
}

// TestBrowserLifecycle continues past sign-in: refresh the tokens with the
// page's button, several times, sign out with the other, and find that
// /login asks for credentials again (Cognito's session ended too). The
// local Cognito rotates refresh tokens with no grace period, so each
// refresh works only if the one before stored its new refresh token in the
// session cookie.
func TestBrowserLifecycle(t *testing.T) {
	s, _ := start(t, Options{RefreshTokenRotation: noGrace})
	ctx := browser(t)
	step(t, ctx, "open /login", chromedp.Navigate(s.APIURL+"/login"))
	step(t, ctx, "sign in", signInActions(DefaultUser, DefaultPassword)...)
	step(t, ctx, "signed in", chromedp.WaitVisible("#signed-in"))
	prev, _ := chromedp.Run(ctx, chromedp.Value("#access-token"))

	for i := range 3 {
		// From the plain home page (no #refreshed yet), with the cookie
		// the last refresh set.
		step(t, ctx, fmt.Sprintf("home before refresh #%d", i+1), chromedp.Navigate(s.APIURL+"/"), chromedp.WaitVisible("#signed-in"))
		step(t, ctx, fmt.Sprintf("refresh #%d", i+1), chromedp.Click("#refresh"), chromedp.WaitVisible("#refreshed"))
		next, _ := chromedp.Run(ctx, chromedp.Value("#access-token"))
		if next == "" || next == prev {
			t.Errorf("refresh #%d did not show a new access token", i+1)
		}
		prev = next
		if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != s.APIURL+"/?refreshed=1" {
			t.Errorf("refreshed page at %s, want %s/?refreshed=1 (the refresh form's 303)", loc, s.APIURL)
		}
	}
	step(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible("#signed-in"))

	step(t, ctx, "sign out", chromedp.Click("#logout"), chromedp.WaitVisible("#signed-out"))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != s.APIURL+"/signed-out" {
		t.Errorf("signed-out page at %s", loc)
	}
	step(t, ctx, "sign in again", chromedp.Click("#sign-in"), chromedp.WaitVisible("#signin-form"))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasPrefix(loc, s.CognitoDomain+"/login?") {
		t.Errorf("after sign-out /login went to %s, want the sign-in page", loc)
	}
}

func TestBrowserFailurePaths(t *testing.T) {
	s, log := start(t, Options{})

	t.Run("wrong password", func(t *testing.T) {
		ctx := browser(t)
		step(t, ctx, "open /login", chromedp.Navigate(s.APIURL+"/login"))
		step(t, ctx, "sign in", signInActions(DefaultUser, "Not-The-Passw0rd!")...)
		step(t, ctx, "error shown", chromedp.WaitVisible("#error"))
		if got := text(t, ctx, "#error"); got != "Incorrect username or password." {
			t.Errorf("error = %q", got)
		}
		// The form is still there to try again, and then it works.
		step(t, ctx, "sign in again", signInActions(DefaultUser, DefaultPassword)...)
		step(t, ctx, "signed in", chromedp.WaitVisible("#signed-in"))
	})

	t.Run("cancelled sign-in", func(t *testing.T) {
		ctx := browser(t)
		step(t, ctx, "open /login", chromedp.Navigate(s.APIURL+"/login"), chromedp.WaitVisible("#cancel"))
		step(t, ctx, "cancel", chromedp.Click("#cancel"), chromedp.WaitVisible("#error"))
		if got := text(t, ctx, "#message"); !strings.Contains(got, "cancelled") {
			t.Errorf("message = %q, want it to say the sign-in was cancelled", got)
		}
		step(t, ctx, "start again", chromedp.Click("a.primary"), chromedp.WaitVisible("#signin-form"))
	})

	// A sign-in attempt whose login cookie the browser no longer sends, or
	// sends altered, ends on the API's error page, with a message that
	// says what happened and a way to start again.
	for _, tc := range []struct {
		name string
		// otherAttempt starts a second sign-in in another tab first, so
		// that the callback still carries a cookie of this site.
		otherAttempt bool
		// spoil changes the first attempt's cookie: expire deletes it as
		// the browser does when its Max-Age passes; tamper alters it.
		spoil       func(t *testing.T, ctx context.Context, c *network.Cookie)
		wantMessage string
		notMessage  string
	}{
		{
			// No cookie at all comes with the callback: the message may
			// mention blocked cookies too.
			name: "expired login cookie", spoil: expireCookie(s.APIURL),
			wantMessage: "expired",
		},
		{
			name: "expired login cookie with another sign-in in progress", otherAttempt: true, spoil: expireCookie(s.APIURL),
			wantMessage: "already used or has expired", notMessage: "blocked",
		},
		{
			// A cookie came, so cookies are not blamed.
			name: "tampered login cookie", spoil: tamperCookie(s.APIURL),
			wantMessage: "sign in again", notMessage: "blocked",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := browser(t)
			step(t, ctx, "open /login", chromedp.Navigate(s.APIURL+"/login"), chromedp.WaitVisible("#signin-form"))
			first := attemptCookies(t, ctx, s.APIURL)
			if len(first) != 1 {
				t.Fatalf("after /login the browser holds %d attempt cookies, want 1", len(first))
			}
			var other context.Context
			if tc.otherAttempt {
				other = newTab(t, ctx)
				step(t, other, "open /login in a second tab", chromedp.Navigate(s.APIURL+"/login"), chromedp.WaitVisible("#signin-form"))
				if got := len(attemptCookies(t, ctx, s.APIURL)); got != 2 {
					t.Fatalf("after two /login the browser holds %d attempt cookies, want 2", got)
				}
			}
			tc.spoil(t, ctx, first[0])
			before, nl := tokenCalls(t, log), record(t, ctx)
			step(t, ctx, "sign in", signInActions(DefaultUser, DefaultPassword)...)
			step(t, ctx, "error page", chromedp.WaitVisible("#message"))
			if cb := nl.since(0, s.APIURL+"/callback?"); len(cb) != 1 || cb[0].status != http.StatusBadRequest {
				t.Errorf("callback answers %v, want one 400", cb)
			}
			if got := tokenCalls(t, log); !maps.Equal(got, before) {
				t.Errorf("token endpoint calls %v, want still %v: the code must not be exchanged", got, before)
			}
			got := text(t, ctx, "#message")
			if !strings.Contains(got, tc.wantMessage) || (tc.notMessage != "" && strings.Contains(got, tc.notMessage)) {
				t.Errorf("message = %q, want it to contain %q and not %q", got, tc.wantMessage, tc.notMessage)
			}
			if other != nil {
				// The failed callback cleared no other attempt: the second
				// tab still signs in.
				step(t, other, "sign in in the second tab", signInActions(DefaultUser, DefaultPassword)...)
				step(t, other, "second tab signed in", chromedp.WaitVisible("#signed-in"))
			}
			// Start again: Cognito remembers the user, so this signs in
			// without the form.
			step(t, ctx, "start again", chromedp.Click("a.primary"), chromedp.WaitVisible("#signed-in"))
		})
	}
}
