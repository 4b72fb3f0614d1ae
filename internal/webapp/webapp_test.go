package webapp

import (
	"context"
	"encoding/json"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw/apigwtest"
	"github.com/example/cognito-sam-go/internal/routes"
)

// crossOrigin is the local run's setting: the app on its own origin, the
// API on http://localhost:3000, the local Cognito on http://127.0.0.1:9229.
var crossOrigin = Options{API: "http://localhost:3000/", CognitoDomain: "http://127.0.0.1:9229"}

// serve calls h's handler for route as API Gateway would, with proxy as
// the {proxy+} path parameter when it is not empty.
func serve(t *testing.T, h *Handler, route routes.Route, proxy string) events.APIGatewayProxyResponse {
	t.Helper()
	fn, ok := h.HandlerFor(route)
	if !ok {
		t.Fatalf("HandlerFor(%s) refused", route.Key())
	}
	path := route.Path
	req := apigwtest.Request(path, nil, nil)
	if proxy != "" {
		req.Path = "/app/" + proxy
		req.PathParameters = map[string]string{"proxy": proxy}
	}
	resp, err := fn(context.Background(), req)
	if err != nil {
		t.Fatalf("%s: error %v, want a response", route.Key(), err)
	}
	return resp
}

func header(resp events.APIGatewayProxyResponse, name string) string {
	return strings.Join(apigwtest.Header(resp, name), ", ")
}

func TestFiles(t *testing.T) {
	tests := []struct {
		name     string
		route    routes.Route
		proxy    string
		wantType string
		wantBody string // "" for index.html, which is rendered
	}{
		{"index.html", routes.App, "", "text/html; charset=utf-8", ""},
		{"app.js", routes.AppAsset, "app.js", "text/javascript; charset=utf-8", appJS},
		{"app.css", routes.AppAsset, "app.css", "text/css; charset=utf-8", appCSS},
	}
	for _, opts := range []Options{{}, crossOrigin} {
		h := New(opts)
		for _, tt := range tests {
			t.Run(tt.name+"/API="+opts.API, func(t *testing.T) {
				resp := serve(t, h, tt.route, tt.proxy)
				if resp.StatusCode != 200 {
					t.Fatalf("status = %d, want 200; body %s", resp.StatusCode, resp.Body)
				}
				for name, want := range map[string]string{
					"Content-Type":           tt.wantType,
					"Cache-Control":          "no-store",
					"X-Content-Type-Options": "nosniff",
					"X-Frame-Options":        "DENY",
				} {
					if got := header(resp, name); got != want {
						t.Errorf("%s = %q, want %q", name, got, want)
					}
				}
				if tt.wantBody != "" && resp.Body != tt.wantBody {
					t.Errorf("body is not the embedded %s", tt.name)
				}
				if tt.wantBody == "" && resp.Body != h.index {
					t.Errorf("body is not the rendered index.html")
				}
				csp := header(resp, "Content-Security-Policy")
				if strings.Contains(csp, "unsafe") || !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
					t.Errorf("Content-Security-Policy = %q, want default-src and frame-ancestors 'none', nothing unsafe", csp)
				}
				// Only the page sends its origin on: see Handler.page.
				wantReferrer := "no-referrer"
				if tt.route.Key() == routes.App.Key() {
					wantReferrer = "strict-origin-when-cross-origin"
				}
				if got := header(resp, "Referrer-Policy"); got != wantReferrer {
					t.Errorf("Referrer-Policy = %q, want %q", got, wantReferrer)
				}
			})
		}
	}
}

func TestPageCSP(t *testing.T) {
	tests := []struct {
		name            string
		opts            Options
		wantConnect     string
		wantFormActions string
	}{
		{"same origin, no Cognito", Options{}, "'self'", "'self'"},
		{"same origin on AWS", Options{CognitoDomain: "https://myapp.auth.us-east-1.amazoncognito.com"},
			"'self'", "'self' https://myapp.auth.us-east-1.amazoncognito.com"},
		{"Cognito with a path and upper case", Options{CognitoDomain: "https://Login.Example.COM/some/path/"},
			"'self'", "'self' https://login.example.com"},
		{"cross origin, local", crossOrigin,
			"'self' http://localhost:3000", "'self' http://localhost:3000 http://127.0.0.1:9229"},
		{"cross origin, stage path", Options{API: "https://api.example.com/Prod/", CognitoDomain: "https://auth.example.com"},
			"'self' https://api.example.com", "'self' https://api.example.com https://auth.example.com"},
		{"API and Cognito on one origin", Options{API: "http://localhost:3000/", CognitoDomain: "http://localhost:3000"},
			"'self' http://localhost:3000", "'self' http://localhost:3000"},
		{"javascript: API adds nothing", Options{API: "javascript:alert(1)//"}, "'self'", "'self'"},
		{"directive injection adds nothing", Options{API: "http://x;script-src *", CognitoDomain: "https://a b; script-src 'unsafe-inline'"}, "'self'", "'self'"},
		{"wildcard adds nothing", Options{API: "https://*.example.com/"}, "'self'", "'self'"},
		{"user info adds nothing", Options{API: "https://user:pass@api.example.com/"}, "'self'", "'self'"},
		{"relative API adds nothing", Options{API: "/Prod/"}, "'self'", "'self'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := header(serve(t, New(tt.opts), routes.App, ""), "Content-Security-Policy")
			want := "default-src 'none'; script-src 'self'; style-src 'self'; connect-src " + tt.wantConnect +
				"; img-src 'self'; form-action " + tt.wantFormActions + "; frame-ancestors 'none'; base-uri 'none'"
			if got != want {
				t.Errorf("Content-Security-Policy\n got %s\nwant %s", got, want)
			}
		})
	}
}

var (
	scriptElem   = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script\s*>`)
	scriptOpen   = regexp.MustCompile(`(?i)<script\b`)
	srcAttr      = regexp.MustCompile(`(?i)\ssrc\s*=\s*"[^"]+"`)
	eventAttr    = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	styleAttr    = regexp.MustCompile(`(?i)\sstyle\s*=|<style\b`)
	dataAPIAttr  = regexp.MustCompile(`<html\b[^>]*\sdata-api="([^"]*)"`)
	formAction   = regexp.MustCompile(`<form\b[^>]*\sid="signout-form"[^>]*\saction="([^"]*)"`)
	wantElements = []string{"signin", "who", "call-hello", "hello-result", "signout", "status"}
)

// TestPageHasNoInlineScript renders the page and checks what the CSP
// would refuse anyway, so that a mistake shows here and not as a blank
// page: every script is a file, and there is no handler attribute, no
// javascript: URL and no inline style.
func TestPageHasNoInlineScript(t *testing.T) {
	for _, opts := range []Options{{}, crossOrigin} {
		t.Run("API="+opts.API, func(t *testing.T) {
			body := New(opts).index
			scripts := scriptElem.FindAllStringSubmatch(body, -1)
			if len(scripts) == 0 || len(scripts) != len(scriptOpen.FindAllString(body, -1)) {
				t.Fatalf("found %d complete <script> elements and %d openings, want the same, at least one:\n%s",
					len(scripts), len(scriptOpen.FindAllString(body, -1)), body)
			}
			for _, s := range scripts {
				if !srcAttr.MatchString(s[1]) || strings.TrimSpace(s[2]) != "" {
					t.Errorf("inline script %q: want a src and an empty body", s[0])
				}
			}
			if m := eventAttr.FindString(body); m != "" {
				t.Errorf("event handler attribute %q", m)
			}
			if strings.Contains(strings.ToLower(body), "javascript:") {
				t.Error("page contains a javascript: URL")
			}
			if m := styleAttr.FindString(body); m != "" {
				t.Errorf("inline style %q (style-src 'self' refuses it)", m)
			}
			for _, id := range wantElements {
				if n := strings.Count(body, `id="`+id+`"`); n != 1 {
					t.Errorf("element #%s appears %d times, want once (the browser tests use it)", id, n)
				}
			}
		})
	}
}

func TestPageCarriesAPI(t *testing.T) {
	tests := []struct {
		name        string
		opts        Options
		wantDataAPI string // as written in the attribute
		wantAction  string // as written in the attribute
	}{
		{"same origin: relative URLs", Options{}, "", "logout"},
		{"cross origin", crossOrigin, "http://localhost:3000/", "http://localhost:3000/logout"},
		{"trailing slash added", Options{API: "https://api.example.com/Prod"}, "https://api.example.com/Prod/", "https://api.example.com/Prod/logout"},
		{"escaped", Options{API: `http://localhost:3000/a"b&c<d>/`},
			"http://localhost:3000/a&#34;b&amp;c&lt;d&gt;/", "http://localhost:3000/a%22b&amp;c%3cd%3e/logout"},
		{"javascript: URL neutralised", Options{API: "javascript:alert(1)//"}, "javascript:alert(1)//", "#ZgotmplZlogout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := New(tt.opts).index
			m := dataAPIAttr.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no <html data-api> in:\n%s", body)
			}
			if m[1] != tt.wantDataAPI {
				t.Errorf("data-api = %q, want %q", m[1], tt.wantDataAPI)
			}
			want := tt.opts.API
			if want != "" && !strings.HasSuffix(want, "/") {
				want += "/"
			}
			if got := html.UnescapeString(m[1]); got != want {
				t.Errorf("data-api decodes to %q, want %q", got, want)
			}
			a := formAction.FindStringSubmatch(body)
			if a == nil {
				t.Fatalf("no sign-out form in:\n%s", body)
			}
			if a[1] != tt.wantAction {
				t.Errorf("form action = %q, want %q", a[1], tt.wantAction)
			}
			if !strings.Contains(body, `method="post"`) {
				t.Error("the sign-out form does not POST")
			}
		})
	}
}

func TestAssetNotFound(t *testing.T) {
	h := New(Options{})
	for _, proxy := range []string{"nope", "index.html", "APP.JS", "app.js/x", "../app.js", "static/app.js", "app.js.map"} {
		t.Run(proxy, func(t *testing.T) {
			resp := serve(t, h, routes.AppAsset, proxy)
			if resp.StatusCode != 404 {
				t.Fatalf("status = %d, want 404", resp.StatusCode)
			}
			var body map[string]string
			if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || body["error"] != "not_found" {
				t.Errorf("body = %s, want JSON with error not_found", resp.Body)
			}
			if got := header(resp, "Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", got)
			}
		})
	}
	t.Run("no path parameter", func(t *testing.T) {
		if resp := serve(t, h, routes.AppAsset, ""); resp.StatusCode != 404 {
			t.Errorf("status = %d, want 404", resp.StatusCode)
		}
	})
}

func TestHandlerFor(t *testing.T) {
	h := New(Options{})
	for _, r := range routes.All {
		want := r.Key() == routes.App.Key() || r.Key() == routes.AppAsset.Key()
		fn, ok := h.HandlerFor(r)
		if ok != want || (fn != nil) != want {
			t.Errorf("HandlerFor(%s) = (handler %v, %v), want %v", r.Key(), fn != nil, ok, want)
		}
	}
	if _, ok := h.HandlerFor(routes.Route{Method: "POST", Path: "/app"}); ok {
		t.Error("HandlerFor(POST /app) accepted")
	}
}
