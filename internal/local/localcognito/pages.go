package localcognito

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

//go:embed assets
var assets embed.FS

var (
	signInPage = parsePage("assets/signin.html")
	signUpPage = parsePage("assets/signup.html")
	errorPage  = parsePage("assets/error.html")
	stylesheet = mustRead("assets/local.css")
)

func parsePage(name string) *template.Template {
	return template.Must(template.ParseFS(assets, "assets/layout.html", name))
}

func mustRead(name string) []byte {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

type hiddenField struct{ Name, Value string }

// pageData is what the templates see. html/template escapes every field for
// its context; CancelURL is a registered callback URL (exact match) with
// encoded parameters, which is why it may carry an app scheme.
type pageData struct {
	Title     string
	PoolID    string
	ClientID  string
	Hidden    []hiddenField
	Error     string
	Problems  []string
	Email     string
	Code      string
	SignupURL string
	SigninURL string
	CancelURL template.URL
	GoogleURL string // "Continue with Google" (google.go), or ""
}

// contentSecurityPolicy allows the page nothing but its own stylesheet and
// forms posted to itself. formTarget is the client's redirect_uri: Chrome
// applies form-action to the redirects that follow a form post, and a
// successful sign-in redirects there.
func contentSecurityPolicy(formTarget string, frontEnds ...string) string {
	formAction := "'none'"
	if formTarget != "" {
		formAction = "'self'"
		for _, t := range append([]string{formTarget}, frontEnds...) {
			if src := cspSource(t); src != "" {
				formAction += " " + src
			}
		}
	}
	return "default-src 'none'; style-src 'self'; img-src 'self'; form-action " + formAction +
		"; frame-ancestors 'none'; base-uri 'none'"
}

// cspSource is the CSP source expression for a URL's origin: scheme://host
// for http and https, scheme: for an app scheme, or "" when the host cannot
// be written as a CSP source (an IPv6 literal falls back to its scheme).
func cspSource(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	for _, r := range scheme {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return ""
		}
	}
	if scheme != "http" && scheme != "https" {
		return scheme + ":"
	}
	for _, r := range u.Host {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == ':') {
			return scheme + ":"
		}
	}
	return scheme + "://" + u.Host
}

func (s *Server) render(w http.ResponseWriter, status int, t *template.Template, data pageData, formTarget string, frontEnds ...string) {
	data.PoolID = s.poolID
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		s.log.Error("render page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", contentSecurityPolicy(formTarget, frontEnds...))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func hiddenFields(req authRequest) []hiddenField {
	var f []hiddenField
	for _, name := range authorizeParams {
		for _, v := range req.params[name] {
			f = append(f, hiddenField{name, v})
		}
	}
	return f
}

// renderSignIn shows the sign-in form, with an error message and the email
// address typed before (html/template escapes it), so that a wrong password
// costs only the password; the password is never echoed.
func (s *Server) renderSignIn(w http.ResponseWriter, status int, req authRequest, email, msg string) {
	s.render(w, status, signInPage, pageData{
		Title:     "Sign in",
		ClientID:  req.clientID,
		Hidden:    hiddenFields(req),
		Email:     email,
		Error:     msg,
		SignupURL: "/signup?" + req.params.Encode(),
		GoogleURL: s.googleURL(req),
		CancelURL: template.URL(errorRedirect(req, "access_denied", "The user cancelled the sign-in.")),
	}, req.redirectURI, s.frontEnds(req.clientID)...)
}

// renderSignUp shows the sign-up form with an error message, or with the
// password rules the submitted password broke.
func (s *Server) renderSignUp(w http.ResponseWriter, status int, req authRequest, email, msg string, passwordProblems []string) {
	s.render(w, status, signUpPage, pageData{
		Title:     "Sign up",
		ClientID:  req.clientID,
		Hidden:    hiddenFields(req),
		Email:     email,
		Error:     msg,
		Problems:  passwordProblems,
		SigninURL: "/login?" + req.params.Encode(),
	}, req.redirectURI, s.frontEnds(req.clientID)...)
}

// frontEnds are the client's front-end origins (Client.FrontEnds).
func (s *Server) frontEnds(clientID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[clientID]; ok {
		return slices.Clone(c.frontEnds)
	}
	return nil
}

func (s *Server) renderError(w http.ResponseWriter, status int, code, msg string) {
	s.render(w, status, errorPage, pageData{Title: "Error", Code: code, Error: msg}, "")
}

func (s *Server) handleCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(stylesheet)
}
