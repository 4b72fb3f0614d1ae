package devserver

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/example/cognito-sam-go/internal/logincookie"
)

// landing is what a tab shows after signing in, by the return_to of its
// /login: the sample app, or the home page.
func landing(t *testing.T, ctx context.Context, s *Server, loginPath string) {
	t.Helper()
	if strings.Contains(loginPath, "return_to=/app") {
		step(t, ctx, "signed in on /app", chromedp.WaitVisible("#call-hello"))
		if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != s.APIURL+"/app" {
			t.Errorf("landed at %s, want %s/app (its return_to)", loc, s.APIURL)
		}
		if got := text(t, ctx, "#who"); got != DefaultUser {
			t.Errorf("the app shows %q signed in, want %q", got, DefaultUser)
		}
		return
	}
	step(t, ctx, "signed in on the home page", chromedp.WaitVisible("#signed-in"))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != s.APIURL+"/" {
		t.Errorf("landed at %s, want %s/", loc, s.APIURL)
	}
	if got := text(t, ctx, "#email"); got != DefaultUser {
		t.Errorf("the home page shows %q, want %q", got, DefaultUser)
	}
}

// TestBrowserSignInInSeveralTabs starts sign-ins in several tabs of one
// browser and finishes them in various orders: each attempt has its own
// cookie, so each completes and lands where it asked to, up to
// logincookie.MaxAttempts at once.
func TestBrowserSignInInSeveralTabs(t *testing.T) {
	const (
		toApp  = "/login?return_to=/app"
		toHome = "/login"
	)
	for _, tc := range []struct {
		name string
		tabs []string // the /login path each tab opens
		// steps are "open N" (to the sign-in form), "open-silent N" (Cognito
		// remembers the user: straight to the landing page), "signin N"
		// (submit the form, then land), "signin-refused N" (submit the form,
		// then the API's error page: the attempt was evicted).
		steps []string
		// codes is how many codes the API exchanges at Cognito's token
		// endpoint in all.
		codes int
	}{
		{
			name: "B finishes first", tabs: []string{toApp, toHome},
			steps: []string{"open 0", "open 1", "signin 1", "signin 0"}, codes: 2,
		},
		{
			name: "A finishes first", tabs: []string{toApp, toHome},
			steps: []string{"open 0", "open 1", "signin 0", "signin 1"}, codes: 2,
		},
		{
			name: "second tab signed in silently", tabs: []string{toHome, toApp},
			steps: []string{"open 0", "signin 0", "open-silent 1"}, codes: 2,
		},
		{
			// The fourth /login evicts the oldest attempt's cookie.
			name: "four tabs, the oldest evicted", tabs: []string{toHome, toApp, toHome, toApp},
			steps: []string{"open 0", "open 1", "open 2", "open 3", "signin-refused 0", "signin 2", "signin 3", "signin 1"}, codes: 3,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, log := start(t, Options{})
			first := browser(t)
			tabs := []context.Context{first}
			for range tc.tabs[1:] {
				tabs = append(tabs, newTab(t, first))
			}
			open := 0
			for _, st := range tc.steps {
				var verb string
				var i int
				if _, err := fmt.Sscanf(st, "%s %d", &verb, &i); err != nil {
					t.Fatalf("step %q: %v", st, err)
				}
				ctx, path := tabs[i], tc.tabs[i]
				what := fmt.Sprintf("tab %d (%s): %s", i, path, verb)
				switch verb {
				case "open":
					step(t, ctx, what, chromedp.Navigate(s.APIURL+path), chromedp.WaitVisible("#signin-form"))
					open++
					if got, want := len(attemptCookies(t, ctx, s.APIURL)), min(open, logincookie.MaxAttempts); got != want {
						t.Errorf("after %d /login the browser holds %d attempt cookies, want %d", open, got, want)
					}
				case "open-silent":
					step(t, ctx, what, chromedp.Navigate(s.APIURL+path))
					landing(t, ctx, s, path)
				case "signin":
					step(t, ctx, what, signInActions(DefaultUser, DefaultPassword)...)
					landing(t, ctx, s, path)
				case "signin-refused":
					step(t, ctx, what, append(signInActions(DefaultUser, DefaultPassword), chromedp.WaitVisible("#message"))...)
					got := text(t, ctx, "#message")
					if !strings.Contains(got, "already used or has expired") || strings.Contains(got, "blocked") {
						t.Errorf("evicted attempt: message %q, want it to say the page was already used or has expired", got)
					}
				default:
					t.Fatalf("step %q: unknown verb", st)
				}
			}
			if got := attemptCookies(t, first, s.APIURL); len(got) != 0 {
				t.Errorf("after every tab finished the browser holds %d attempt cookies, want 0", len(got))
			}
			if got, want := tokenCalls(t, log), map[string]int{"authorization_code": tc.codes}; !maps.Equal(got, want) {
				t.Errorf("token endpoint calls: %v, want %v", got, want)
			}
		})
	}
}

// TestBrowserReloadAndBack: the page a sign-in lands on survives a reload,
// Back, and opening the callback URL again (a bookmark), all without a new
// sign-in and without spending a code at Cognito again.
func TestBrowserReloadAndBack(t *testing.T) {
	s, log := start(t, Options{})
	ctx := browser(t)
	nl := record(t, ctx)
	step(t, ctx, "open /login", chromedp.Navigate(s.APIURL+"/login"))
	step(t, ctx, "sign in", signInActions(DefaultUser, DefaultPassword)...)
	landing(t, ctx, s, "/login")

	var callback string
	for _, h := range nl.since(0, s.APIURL+"/callback?") {
		if h.status != http.StatusSeeOther {
			t.Errorf("callback answered %v, want 303", h)
		}
		callback = h.url
	}
	if callback == "" {
		t.Fatalf("no callback among the answers:\n%v", nl.since(0, ""))
	}
	want := map[string]int{"authorization_code": 1}
	if got := tokenCalls(t, log); !maps.Equal(got, want) {
		t.Fatalf("token endpoint calls after sign-in: %v, want %v", got, want)
	}

	for _, tc := range []struct {
		name   string
		action chromedp.Action[chromedp.Void]
		// wantCallback: the answers include a callback answered 303 (Back
		// reaches the callback through Cognito's sign-in page, which
		// issues a new code for the finished attempt).
		wantCallback bool
	}{
		{name: "reload", action: chromedp.Reload()},
		{name: "back", action: chromedp.NavigateBack(), wantCallback: true},
		{name: "the callback URL again", action: chromedp.Navigate(callback), wantCallback: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "back" {
				hist, err := chromedp.Run(ctx, chromedp.NavigationEntries())
				if err != nil {
					t.Fatal(err)
				}
				for i, e := range hist.Entries {
					t.Logf("history[%d]%s: %.120s", i, map[bool]string{true: " (current)"}[int64(i) == hist.CurrentIndex], e.URL)
				}
			}
			mark := nl.mark()
			step(t, ctx, tc.name, tc.action)
			landing(t, ctx, s, "/login")
			answers := nl.since(mark, "")
			var sawCallback bool
			for _, h := range answers {
				switch {
				case strings.HasPrefix(h.url, s.APIURL+"/callback?"):
					sawCallback = true
					if h.status != http.StatusSeeOther {
						t.Errorf("callback answered %v, want 303 to the home page", h)
					}
				case strings.HasPrefix(h.url, s.CognitoDomain+"/login?") && h.status == http.StatusOK:
					t.Errorf("Cognito's sign-in form was shown again (%v)", h)
				case h.status >= 400:
					t.Errorf("an error answer on the way: %v", h)
				}
			}
			if sawCallback != tc.wantCallback {
				t.Errorf("went through the callback: %v, want %v; answers:\n%v", sawCallback, tc.wantCallback, answers)
			}
			if got := tokenCalls(t, log); !maps.Equal(got, want) {
				t.Errorf("token endpoint calls: %v, want still %v (no new exchange)", got, want)
			}
		})
	}
}

// TestBrowserSampleApp drives the sample single-page app, served by the API
// itself and from a second origin (AppAddr): sign in, call /hello with the
// access token from /token, reload, sign out. From the second origin this
// proves the CORS answers of /token, /hello and /logout.
func TestBrowserSampleApp(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		// app is where the app is served, given the server.
		app func(*Server) string
		// signedInFirst signs in on the API's own /login before opening
		// the app, which then finds the session without a sign-in.
		signedInFirst bool
	}{
		{name: "same origin", app: func(s *Server) string { return s.APIURL }},
		{name: "second origin", opts: Options{AppAddr: "localhost:0"}, app: func(s *Server) string { return s.AppURL }},
		{name: "second origin, signed in on the API first", opts: Options{AppAddr: "localhost:0"},
			app: func(s *Server) string { return s.AppURL }, signedInFirst: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, log := start(t, tc.opts)
			app := tc.app(s) + "/app"
			ctx := browser(t)
			nl := record(t, ctx)

			if tc.signedInFirst {
				step(t, ctx, "open /login", chromedp.Navigate(s.APIURL+"/login"))
				step(t, ctx, "sign in", signInActions(DefaultUser, DefaultPassword)...)
				landing(t, ctx, s, "/login")
				step(t, ctx, "open the app", chromedp.Navigate(app), chromedp.WaitVisible("#call-hello"))
			} else {
				step(t, ctx, "open the app", chromedp.Navigate(app), chromedp.WaitVisible("#signed-out #signin"))
				if got := text(t, ctx, "#status"); got != "Signed out." {
					t.Errorf("status line %q, want Signed out.", got)
				}
				step(t, ctx, "click Sign in", chromedp.Click("#signed-out #signin"), chromedp.WaitVisible("#signin-form"))
				step(t, ctx, "sign in", signInActions(DefaultUser, DefaultPassword)...)
				step(t, ctx, "back on the app", chromedp.WaitVisible("#call-hello"))
			}
			if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != app {
				t.Errorf("landed at %s, want %s", loc, app)
			}
			if got := text(t, ctx, "#who"); got != DefaultUser {
				t.Errorf("#who = %q, want %q", got, DefaultUser)
			}

			step(t, ctx, "call /hello", chromedp.Click("#call-hello"),
				chromedp.Poll[chromedp.Void](`document.querySelector("#hello-result").textContent !== ""`))
			result, err := chromedp.Run(ctx, chromedp.TextContent("#hello-result"))
			if err != nil {
				t.Fatal(err)
			}
			var hello struct {
				Message string   `json:"message"`
				Sub     string   `json:"sub"`
				Groups  []string `json:"groups"`
			}
			sub, _ := s.Cognito.UserSub(DefaultUser)
			if !strings.Contains(result, `"Hello, `) || !strings.Contains(result, `"groups"`) {
				t.Errorf("#hello-result = %.300q, want a greeting with groups", result)
			} else if err := json.Unmarshal([]byte(result), &hello); err != nil || hello.Sub != sub || hello.Groups == nil {
				t.Errorf("#hello-result = %.300q (%v), want the demo user's sub %s and a groups array", result, err, sub)
			}
			if got := text(t, ctx, "#status"); got != "GET /hello answered 200." {
				t.Errorf("status line after /hello: %q", got)
			}

			mark := nl.mark()
			step(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible("#call-hello"))
			if h := nl.since(mark, s.CognitoDomain); len(h) != 0 {
				t.Errorf("the reload went to Cognito: %v", h)
			}
			if h := nl.since(mark, s.APIURL+"/token"); len(h) == 0 || h[len(h)-1].status != http.StatusOK {
				t.Errorf("after the reload /token answered %v, want 200", h)
			}
			if got := text(t, ctx, "#who"); got != DefaultUser {
				t.Errorf("#who after reload = %q, want %q", got, DefaultUser)
			}
			if got, want := tokenCalls(t, log), map[string]int{"authorization_code": 1}; !maps.Equal(got, want) {
				t.Errorf("token endpoint calls: %v, want %v", got, want)
			}

			step(t, ctx, "sign out", chromedp.Click("#signout"), chromedp.WaitVisible("#signed-out-limits"))
			if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != s.APIURL+"/signed-out" {
				t.Errorf("signed out at %s, want %s/signed-out", loc, s.APIURL)
			}

			mark = nl.mark()
			step(t, ctx, "open the app again", chromedp.Navigate(app), chromedp.WaitVisible("#signed-out #signin"))
			if h := nl.since(mark, s.APIURL+"/token"); len(h) == 0 || h[len(h)-1].status != http.StatusUnauthorized {
				t.Errorf("after sign-out /token answered %v, want 401", h)
			}
			// Cognito's session ended too: Sign in asks for the password.
			step(t, ctx, "sign in again", chromedp.Click("#signed-out #signin"), chromedp.WaitVisible("#signin-form"))
		})
	}
}

// TestBrowserForeignOrigin: a page on an origin not in ALLOWED_ORIGINS,
// same-site with the API (another localhost port) or not (127.0.0.1),
// cannot read /token's answer, and its posts change nothing, while the
// browser is signed in.
func TestBrowserForeignOrigin(t *testing.T) {
	s, log := start(t, Options{AppAddr: "localhost:0"})
	for _, host := range []string{"localhost", "127.0.0.1"} {
		t.Run(host, func(t *testing.T) {
			ln, err := net.Listen("tcp", host+":0")
			if err != nil {
				t.Fatal(err)
			}
			foreign := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprint(w, `<!doctype html><title>another site</title><p id="ready">another origin</p>`)
			}))
			foreign.Listener.Close()
			foreign.Listener = ln
			foreign.Start()
			t.Cleanup(foreign.Close)
			origin := fmt.Sprintf("http://%s:%d", host, ln.Addr().(*net.TCPAddr).Port)

			ctx := browser(t)
			step(t, ctx, "open /login", chromedp.Navigate(s.APIURL+"/login"))
			step(t, ctx, "sign in", signInActions(DefaultUser, DefaultPassword)...)
			landing(t, ctx, s, "/login")

			step(t, ctx, "open the other origin's page", chromedp.Navigate(origin+"/"), chromedp.WaitVisible("#ready"))
			for _, path := range []string{"/token", "/refresh"} {
				got, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
					`fetch(%q, {method: "POST", credentials: "include"}).then(r => "read " + r.status, e => e.name)`, s.APIURL+path),
					chromedp.EvalAwaitPromise))
				if err != nil {
					t.Fatal(err)
				}
				if got != "TypeError" {
					t.Errorf("fetch POST %s from %s: %s, want TypeError (CORS refused)", path, origin, got)
				}
			}
			// The fetches reached the API (same-site, with the session
			// cookies; cross-site, without), which refused them.
			for _, path := range []string{"/token", "/refresh"} {
				waitLog(t, log, fmt.Sprintf(`"method":"POST","path":%q,"status":403`, path))
			}
			// A no-cors post is sent (its answer is opaque): an attempt to
			// sign the user out.
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
				`fetch(%q, {method: "POST", mode: "no-cors", credentials: "include"}).then(r => r.type, e => e.name)`, s.APIURL+"/logout"),
				chromedp.EvalAwaitPromise)); err != nil {
				t.Fatal(err)
			}
			waitLog(t, log, `"method":"POST","path":"/logout","status":403`)
			step(t, ctx, "back on the API", chromedp.Navigate(s.APIURL+"/"),
				chromedp.Poll[chromedp.Void](`document.querySelector("#signed-in, #home-signed-out")`))
			if ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#signed-in") !== null`)); !ok {
				t.Errorf("after %s posted to /logout the home page is signed out, want still signed in (the post is refused)", origin)
			}
		})
	}
}

// waitLog waits briefly for the log to contain substr: the gateway logs a
// request once its answer is written.
func waitLog(t *testing.T, log interface{ String() string }, substr string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !strings.Contains(log.String(), substr) {
		if time.Now().After(deadline) {
			t.Errorf("the log has no %s", substr)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
