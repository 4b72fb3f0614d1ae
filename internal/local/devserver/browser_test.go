package devserver

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
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

// step runs actions with a timeout, failing the test with what the page
// shows when they do not complete.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Text("body"))
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

func signInActions(email, password string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.WaitVisible("#signin-form"),
		chromedp.SendKeys("#email", email),
		chromedp.SendKeys("#password", password),
		chromedp.Click("#signin"),
	}
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
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.HasPrefix(loc, s.APIURL+"/callback?") {
		t.Errorf("signed-in page at %s, want the API's /callback", loc)
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
// page's button, sign out with the other, and find that /login asks for
// credentials again (Cognito's session ended too).
func TestBrowserLifecycle(t *testing.T) {
	s, _ := start(t, Options{})
	ctx := browser(t)
	step(t, ctx, "open /login", chromedp.Navigate(s.APIURL+"/login"))
	step(t, ctx, "sign in", signInActions(DefaultUser, DefaultPassword)...)
	step(t, ctx, "signed in", chromedp.WaitVisible("#signed-in"))
	first, _ := chromedp.Run(ctx, chromedp.Value("#access-token"))

	step(t, ctx, "refresh", chromedp.Click("#refresh"), chromedp.WaitVisible("#refreshed"))
	second, _ := chromedp.Run(ctx, chromedp.Value("#access-token"))
	if second == "" || second == first {
		t.Error("refresh did not show a new access token")
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != s.APIURL+"/refresh" {
		t.Errorf("refreshed page at %s", loc)
	}

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
	s, _ := start(t, Options{})

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

	t.Run("expired login cookie", func(t *testing.T) {
		ctx := browser(t)
		step(t, ctx, "open /login", chromedp.Navigate(s.APIURL+"/login"), chromedp.WaitVisible("#signin-form"))
		// The browser drops the cookie when its Max-Age passes; do that now.
		expire := func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, tg, network.DeleteCookies, network.DeleteCookiesParams{Name: logincookie.Name, URL: s.APIURL + "/"})
			return chromedp.Void{}, err
		}
		step(t, ctx, "expire the login cookie", expire)
		step(t, ctx, "sign in", signInActions(DefaultUser, DefaultPassword)...)
		step(t, ctx, "error page", chromedp.WaitVisible("#error"))
		if got := text(t, ctx, "#message"); !strings.Contains(got, "expired") {
			t.Errorf("message = %q, want it to say the sign-in session expired", got)
		}
	})
}
