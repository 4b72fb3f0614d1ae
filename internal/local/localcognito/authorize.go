package localcognito

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// authorizeParams are the parameters of an authorization request that the
// sign-in and sign-up pages carry along, in the order they carry them.
var authorizeParams = []string{
	"client_id", "redirect_uri", "response_type", "scope", "state", "nonce",
	"code_challenge", "code_challenge_method", "identity_provider",
}

// maxParamLen bounds state and nonce, which are echoed back.
const maxParamLen = 2048

// authRequest is a validated authorization request.
type authRequest struct {
	clientID      string
	redirectURI   string
	scopes        []string
	state         string
	nonce         string
	codeChallenge string
	params        url.Values // the request's own parameters, to carry through the pages
}

// authorizeError is a failed authorization request. A page error (unknown
// client, unregistered redirect_uri) is shown to the user: RFC 6749 section
// 4.1.2.1 forbids redirecting it. Any other error goes back to the client's
// redirect_uri.
type authorizeError struct {
	page        bool
	code        string
	description string
}

// parseAuthorize checks an authorization request in the order Cognito does:
// client, redirect URI, then the parameters whose errors can be redirected.
func (s *Server) parseAuthorize(q url.Values) (authRequest, *authorizeError) {
	pageErr := func(code, desc string) (authRequest, *authorizeError) {
		return authRequest{}, &authorizeError{page: true, code: code, description: desc}
	}
	clientID, ok := single(q, "client_id")
	if !ok || clientID == "" {
		return pageErr("invalid_request", "The request has no client_id.")
	}
	c, known := s.lookupClient(clientID)
	if !known {
		return pageErr("invalid_request", "The client_id is not an app client of this user pool.")
	}
	redirectURI, ok := single(q, "redirect_uri")
	if !ok || !slices.Contains(c.callbacks, redirectURI) {
		return pageErr("redirect_mismatch", "The redirect_uri is not one of the app client's callback URLs (they must match exactly).")
	}

	req := authRequest{clientID: clientID, redirectURI: redirectURI, params: url.Values{}}
	for _, name := range authorizeParams {
		if v, ok := q[name]; ok {
			req.params[name] = v
		}
	}
	req.state, _ = single(q, "state")
	redirErr := func(code, desc string) (authRequest, *authorizeError) {
		return req, &authorizeError{code: code, description: desc}
	}
	for _, name := range authorizeParams {
		if len(q[name]) > 1 {
			return redirErr("invalid_request", "The parameter "+name+" is repeated.")
		}
	}
	if len(req.state) > maxParamLen {
		return redirErr("invalid_request", "The state is too long.")
	}

	switch rt := q.Get("response_type"); rt {
	case "code":
	case "":
		return redirErr("invalid_request", "The request has no response_type.")
	case "token":
		return redirErr("unauthorized_client", "The app client does not allow the implicit grant.")
	default:
		return redirErr("unsupported_response_type", "The response_type must be code.")
	}

	if idp := q.Get("identity_provider"); idp != "" && idp != "COGNITO" && !s.federates(idp) {
		return redirErr("invalid_request", "This user pool has no identity provider "+idp+".")
	}

	scopes, problem := grantScopes(q.Get("scope"), c.scopes)
	if problem != "" {
		return redirErr("invalid_scope", problem)
	}
	req.scopes = scopes

	req.nonce = q.Get("nonce")
	if len(req.nonce) > maxParamLen {
		return redirErr("invalid_request", "The nonce is too long.")
	}

	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	switch {
	case challenge == "" && method == "":
	case challenge == "":
		return redirErr("invalid_request", "The code_challenge is missing.")
	case method == "":
		return redirErr("invalid_request", "The code_challenge_method is missing.")
	case method != "S256":
		return redirErr("invalid_request", "The code_challenge_method must be S256.")
	case !isS256Challenge(challenge):
		return redirErr("invalid_request", "The code_challenge is not a base64url SHA-256 digest.")
	}
	req.codeChallenge = challenge
	return req, nil
}

// single returns the parameter's value and whether it appears at most once.
func single(q url.Values, name string) (string, bool) {
	v := q[name]
	switch len(v) {
	case 0:
		return "", true
	case 1:
		return v[0], true
	}
	return "", false
}

// grantScopes checks the requested scopes against the client's allowed ones
// and returns the granted scopes, or a description of the problem. No scope
// means all allowed scopes, as in Cognito. email, phone and profile need
// openid.
func grantScopes(requested string, allowed []string) (scopes []string, problem string) {
	fields := strings.Fields(requested)
	if len(fields) == 0 {
		return slices.Clone(allowed), ""
	}
	for _, sc := range fields {
		if !slices.Contains(allowed, sc) {
			return nil, "The scope " + sc + " is not allowed for this app client."
		}
	}
	scopes = slices.Compact(slices.Sorted(slices.Values(fields)))
	if !slices.Contains(scopes, "openid") {
		for _, sc := range []string{"email", "phone", "profile"} {
			if slices.Contains(scopes, sc) {
				return nil, "The scope " + sc + " requires openid."
			}
		}
	}
	return scopes, ""
}

func isS256Challenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	for _, r := range c {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// withParams appends parameters to a registered redirect URL, keeping its
// own query as it is.
func withParams(base string, v url.Values) string {
	enc := v.Encode()
	if enc == "" {
		return base
	}
	if strings.Contains(base, "?") {
		if strings.HasSuffix(base, "?") || strings.HasSuffix(base, "&") {
			return base + enc
		}
		return base + "&" + enc
	}
	return base + "?" + enc
}

// errorRedirect is the client redirect_uri carrying an error.
func errorRedirect(req authRequest, code, desc string) string {
	v := url.Values{"error": {code}}
	if desc != "" {
		v.Set("error_description", desc)
	}
	if req.state != "" {
		v.Set("state", req.state)
	}
	return withParams(req.redirectURI, v)
}

func (s *Server) authorizeFailed(w http.ResponseWriter, r *http.Request, req authRequest, e *authorizeError) {
	s.log.Info("authorization request refused", "path", r.URL.Path, "client_id", req.clientID, "error", e.code)
	if e.page {
		s.renderError(w, http.StatusBadRequest, e.code, e.description)
		return
	}
	http.Redirect(w, r, errorRedirect(req, e.code, e.description), http.StatusFound)
}

// issueCode sends the browser back to the client with a new code.
func (s *Server) issueCode(w http.ResponseWriter, r *http.Request, req authRequest, sess session) {
	code, err := s.newCode(req, sess)
	if err != nil {
		s.log.Warn("authorization code not issued", "client_id", req.clientID, "err", err)
		http.Redirect(w, r, errorRedirect(req, "server_error", "The user pool cannot issue a code now."), http.StatusFound)
		return
	}
	s.log.Info("authorization code issued", "client_id", req.clientID, "sub", sess.sub)
	v := url.Values{"code": {code}}
	if req.state != "" {
		v.Set("state", req.state)
	}
	http.Redirect(w, r, withParams(req.redirectURI, v), http.StatusFound)
}

func (s *Server) sessionFrom(r *http.Request) (session, bool) {
	c, err := r.Cookie(SessionCookieName)
	if err != nil {
		return session{}, false
	}
	return s.currentSession(c.Value)
}

func (s *Server) setSessionCookie(w http.ResponseWriter, value string) {
	http.SetCookie(w, &http.Cookie{
		Name:     SessionCookieName,
		Value:    value,
		Path:     "/",
		MaxAge:   int(SessionLifetime / time.Second),
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name:     SessionCookieName,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteLaxMode,
	})
}

// handleAuthorize is GET /oauth2/authorize. With a live sign-in session it
// answers with a code at once; otherwise it sends the browser to the sign-in
// page with the same parameters, as Cognito does.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	req, aerr := s.parseAuthorize(r.URL.Query())
	if aerr != nil {
		s.authorizeFailed(w, r, req, aerr)
		return
	}
	if s.toProvider(w, r, req) {
		return
	}
	if sess, ok := s.sessionFrom(r); ok {
		s.issueCode(w, r, req, sess)
		return
	}
	http.Redirect(w, r, s.domain+"/login?"+req.params.Encode(), http.StatusFound)
}

// handleLoginPage is GET /login: the sign-in form, or a code at once when
// the browser is already signed in.
func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	req, aerr := s.parseAuthorize(r.URL.Query())
	if aerr != nil {
		s.authorizeFailed(w, r, req, aerr)
		return
	}
	if sess, ok := s.sessionFrom(r); ok {
		s.issueCode(w, r, req, sess)
		return
	}
	s.renderSignIn(w, http.StatusOK, req, "", "")
}

// msgUserExists is Cognito's answer to a sign-up with a taken email address.
const msgUserExists = "An account with the given email already exists."

// msgBadCredentials is Cognito's answer to a wrong password and to an
// unknown user alike.
const msgBadCredentials = "Incorrect username or password."

// maxFormBytes bounds the body of every form and token request.
const maxFormBytes = 64 << 10

var crossOrigin = http.NewCrossOriginProtection()

// readForm parses a browser form post, refusing cross-origin posts
// (Sec-Fetch-Site, or Origin against Host) so that another site cannot sign
// a visitor in or up.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if err := crossOrigin.Check(r); err != nil {
		s.log.Info("cross-origin form post refused", "path", r.URL.Path)
		s.renderError(w, http.StatusForbidden, "invalid_request", "Cross-origin form posts are not accepted.")
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, http.StatusBadRequest, "invalid_request", "The form could not be read.")
		return nil, false
	}
	return r.PostForm, true
}

// authorizeValues picks the authorization parameters out of a posted form.
func authorizeValues(form url.Values) url.Values {
	q := url.Values{}
	for _, name := range authorizeParams {
		if v, ok := form[name]; ok {
			q[name] = v
		}
	}
	return q
}

// readAuthorizeForm reads a posted sign-in form and the authorization
// request it carries on; it answers the failure itself (ok false).
func (s *Server) readAuthorizeForm(w http.ResponseWriter, r *http.Request) (url.Values, authRequest, bool) {
	form, ok := s.readForm(w, r)
	if !ok {
		return nil, authRequest{}, false
	}
	req, aerr := s.parseAuthorize(authorizeValues(form))
	if aerr != nil {
		s.authorizeFailed(w, r, req, aerr)
		return nil, authRequest{}, false
	}
	return form, req, true
}

// handleLoginSubmit is POST /login: checks the credentials, starts the
// sign-in session and returns a code to the client.
func (s *Server) handleLoginSubmit(w http.ResponseWriter, r *http.Request) {
	form, req, ok := s.readAuthorizeForm(w, r)
	if !ok {
		return
	}
	u, ok := s.authenticate(form.Get("email"), form.Get("password"))
	if !ok {
		s.log.Info("sign-in failed", "client_id", req.clientID)
		s.renderSignIn(w, http.StatusUnauthorized, req, form.Get("email"), msgBadCredentials)
		return
	}
	s.signIn(w, r, req, u.sub)
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request, req authRequest, sub string) {
	id, sess, err := s.newSession(sub)
	if err != nil {
		s.log.Warn("session not created", "err", err)
		http.Redirect(w, r, errorRedirect(req, "server_error", "The user pool cannot sign you in now."), http.StatusFound)
		return
	}
	s.log.Info("signed in", "client_id", req.clientID, "sub", sub)
	s.setSessionCookie(w, id)
	s.issueCode(w, r, req, sess)
}

// handleSignupPage is GET /signup.
func (s *Server) handleSignupPage(w http.ResponseWriter, r *http.Request) {
	req, aerr := s.parseAuthorize(r.URL.Query())
	if aerr != nil {
		s.authorizeFailed(w, r, req, aerr)
		return
	}
	s.renderSignUp(w, http.StatusOK, req, "", "", nil)
}

// handleSignupSubmit is POST /signup: creates the user and signs them in
// (locally there is no confirmation code; the email counts as verified).
func (s *Server) handleSignupSubmit(w http.ResponseWriter, r *http.Request) {
	form, req, ok := s.readAuthorizeForm(w, r)
	if !ok {
		return
	}
	email := strings.TrimSpace(form.Get("email"))
	if _, err := checkEmail(email); err != nil {
		s.renderSignUp(w, http.StatusBadRequest, req, email, msgInvalidEmail, nil)
		return
	}
	password := form.Get("password")
	if problems := CheckPassword(password); len(problems) > 0 {
		s.renderSignUp(w, http.StatusBadRequest, req, email, "", problems)
		return
	}
	sub, err := s.AddUser(User{Email: email, Password: password})
	switch {
	case errors.Is(err, ErrUserExists):
		s.renderSignUp(w, http.StatusBadRequest, req, email, msgUserExists, nil)
		return
	case err != nil:
		s.renderSignUp(w, http.StatusBadRequest, req, email, "The account could not be created.", nil)
		return
	}
	s.log.Info("signed up", "client_id", req.clientID, "sub", sub)
	s.signIn(w, r, req, sub)
}

// handleLogout is GET /logout. With client_id and a registered logout_uri it
// ends the sign-in session and redirects there. With redirect_uri (and the
// other authorization parameters) instead, it ends the session and shows the
// sign-in page again.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	clientID, ok := single(q, "client_id")
	if !ok || clientID == "" {
		s.renderError(w, http.StatusBadRequest, "invalid_request", "The request has no client_id.")
		return
	}
	c, known := s.lookupClient(clientID)
	if !known {
		s.renderError(w, http.StatusBadRequest, "invalid_request", "The client_id is not an app client of this user pool.")
		return
	}
	end := func() {
		if ck, err := r.Cookie(SessionCookieName); err == nil {
			s.endSession(ck.Value)
		}
		s.clearSessionCookie(w)
	}
	if logoutURI, ok := single(q, "logout_uri"); !ok || logoutURI != "" {
		if !ok || !slices.Contains(c.logouts, logoutURI) {
			s.renderError(w, http.StatusBadRequest, "redirect_mismatch", "The logout_uri is not one of the app client's sign-out URLs (they must match exactly).")
			return
		}
		end()
		s.log.Info("signed out", "client_id", clientID)
		http.Redirect(w, r, logoutURI, http.StatusFound)
		return
	}
	if q.Get("redirect_uri") == "" {
		s.renderError(w, http.StatusBadRequest, "invalid_request", "The request needs a logout_uri or a redirect_uri.")
		return
	}
	req, aerr := s.parseAuthorize(q)
	if aerr != nil {
		s.authorizeFailed(w, r, req, aerr)
		return
	}
	end()
	s.log.Info("signed out", "client_id", clientID)
	http.Redirect(w, r, s.domain+"/login?"+req.params.Encode(), http.StatusFound)
}
