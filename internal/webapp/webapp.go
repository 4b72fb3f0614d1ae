package webapp

import (
	"context"
	_ "embed"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/page/tmpl"
	"github.com/example/cognito-sam-go/internal/routes"
)

var (
	//go:embed static/index.html
	indexHTML string
	//go:embed static/app.js
	appJS string
	//go:embed static/app.css
	appCSS string

	// indexTmpl is index.html as a tmpl.Template (not html/template: see
	// package tmpl).
	indexTmpl = sync.OnceValue(func() *tmpl.Template { return tmpl.Must(indexHTML) })
)

// Content types of the app's files.
const (
	htmlType = "text/html; charset=utf-8"
	jsType   = "text/javascript; charset=utf-8"
	cssType  = "text/css; charset=utf-8"
)

// assetCSP is the policy sent with app.js and app.css: they are not
// documents, so nothing may load or frame them as one.
const assetCSP = "default-src 'none'; frame-ancestors 'none'"

// Options says where the app finds the API and Cognito.
type Options struct {
	// API is the API's base URL as the app calls it. Empty: the app is
	// served by the API itself at <base>/app and calls it with relative
	// URLs ("token", "hello", "logout", "login?return_to=/app"), which
	// resolve to <base>/token and so on, on API Gateway's stage path too.
	// Otherwise an absolute http(s) URL such as "http://localhost:3000/",
	// for the app served from another origin (Site); a missing trailing
	// "/" is added. That other origin must be in the API's ALLOWED_ORIGINS.
	API string
	// CognitoDomain is the user pool domain's base URL, the
	// COGNITO_DOMAIN of the API (https://x.auth.<region>.amazoncognito.com,
	// or http://127.0.0.1:9229 locally). POST /logout answers 303 to its
	// /logout, and browsers apply form-action to the redirects after a form
	// post, so its origin must be in the page's form-action. Empty: the
	// sign-out redirect is blocked by the browser.
	CognitoDomain string
}

// Handler serves the sample app. It is safe for concurrent use: everything
// is rendered once, by New.
type Handler struct {
	index string // rendered index.html
	csp   string // of index.html
}

// New renders the app for o. Options are not validated here (the API's
// configuration checks COGNITO_DOMAIN): a value that is not an http(s) URL
// adds nothing to the page's Content-Security-Policy, so the browser
// refuses the calls it would need, and the app reports itself
// misconfigured.
func New(o Options) *Handler {
	if o.API != "" && !strings.HasSuffix(o.API, "/") {
		o.API += "/"
	}
	// tmpl escapes API for the data-api attribute and, as a URL, for the
	// form's action (a javascript: URL becomes "#ZgotmplZ"), as
	// html/template does.
	index, err := indexTmpl().Execute(map[string]string{"API": o.API})
	if err != nil {
		// Only a broken embedded template gets here; the tests render it.
		panic("webapp: render index.html: " + err.Error())
	}
	return &Handler{index: index, csp: pageCSP(origin(o.API), origin(o.CognitoDomain))}
}

// pageCSP is index.html's Content-Security-Policy: script, style and images
// from this origin only (no 'unsafe-inline', no 'unsafe-eval'); fetches to
// this origin and the API; form posts to this origin, the API and Cognito;
// no plugins, frames or <base>. Empty origins are left out.
func pageCSP(api, cognito string) string {
	return "default-src 'none'; script-src 'self'; style-src 'self'; " +
		"connect-src " + sources(api) + "; img-src 'self'; " +
		"form-action " + sources(api, cognito) + "; " +
		"frame-ancestors 'none'; base-uri 'none'"
}

func sources(origins ...string) string {
	s := "'self'"
	for _, o := range origins {
		if o != "" && !strings.Contains(" "+s+" ", " "+o+" ") {
			s += " " + o
		}
	}
	return s
}

// origin returns scheme://host[:port] of an absolute http(s) URL, or "" for
// anything else, so that no value can add a directive or a keyword to the
// Content-Security-Policy.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		strings.ContainsAny(u.Host, " \t\r\n;,'\"*") {
		return ""
	}
	return u.Scheme + "://" + strings.ToLower(u.Host)
}

// HandlerFor returns App for routes.App and Asset for routes.AppAsset
// (routes.Binder).
func (h *Handler) HandlerFor(r routes.Route) (routes.HandlerFunc, bool) {
	switch r.Key() {
	case routes.App.Key():
		return h.App, true
	case routes.AppAsset.Key():
		return h.Asset, true
	}
	return nil, false
}

// App answers GET /app with index.html.
func (h *Handler) App(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	resp := h.page()
	apigw.Secure(req, &resp)
	return resp, nil
}

// Asset answers GET /app/{proxy+}: app.js or app.css by the proxy path
// parameter, 404 JSON for anything else.
func (h *Handler) Asset(_ context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	resp := h.asset(req.PathParameters["proxy"])
	apigw.Secure(req, &resp)
	return resp, nil
}

func (h *Handler) page() events.APIGatewayProxyResponse {
	r := apigw.HTML(http.StatusOK, h.index, h.csp)
	// apigw sends Referrer-Policy: no-referrer; this page needs the origin
	// to go out. The sign-out form is a top-level POST, and under
	// no-referrer a browser sends "Origin: null" with a form post (and with
	// a POST fetch), which the API refuses from another origin. This
	// policy sends the origin only (never the path) to other origins, and
	// nothing on a downgrade from https; no token is ever in a URL of this
	// app, so even a full same-origin Referer reveals none.
	apigw.AddHeader(&r, "Referrer-Policy", "strict-origin-when-cross-origin")
	return r
}

func (h *Handler) asset(name string) events.APIGatewayProxyResponse {
	var body, contentType string
	switch name {
	case "app.js":
		body, contentType = appJS, jsType
	case "app.css":
		body, contentType = appCSS, cssType
	default:
		return apigw.JSON(http.StatusNotFound, map[string]string{
			"error": "not_found", "error_description": "The sample app has no such file.",
		})
	}
	// apigw.HTML gives the no-store, nosniff and framing headers; the
	// file's own type replaces text/html.
	r := apigw.HTML(http.StatusOK, body, assetCSP)
	apigw.AddHeader(&r, "Content-Type", contentType)
	return r
}

// Site returns the app as a plain net/http handler, with the same answers
// as the Lambda handlers: GET /app, /app/app.js and /app/app.css; "/" and
// "/app/" redirect to /app; anything else is 404. The local run serves it
// on an origin of its own (a second port), with Options.API naming the
// API's origin.
func (h *Handler) Site() http.Handler {
	mux := http.NewServeMux()
	redirect := func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/app", http.StatusFound) }
	mux.HandleFunc("GET /{$}", redirect)
	mux.HandleFunc("GET /app/{$}", redirect)
	mux.HandleFunc("GET /app", func(w http.ResponseWriter, _ *http.Request) { write(w, h.page()) })
	mux.HandleFunc("GET /app/{name}", func(w http.ResponseWriter, r *http.Request) { write(w, h.asset(r.PathValue("name"))) })
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { write(w, h.asset("")) })
	return mux
}

// write copies a proxy response to w, as API Gateway would send it
// (multi-value headers win).
func write(w http.ResponseWriter, r events.APIGatewayProxyResponse) {
	for k, v := range r.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range r.MultiValueHeaders {
		w.Header()[http.CanonicalHeaderKey(k)] = vs
	}
	w.WriteHeader(r.StatusCode)
	_, _ = io.WriteString(w, r.Body)
}
