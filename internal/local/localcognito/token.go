package localcognito

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// oauthError is an error answer of the token or revocation endpoint: Cognito
// sends {"error": code}, with error_description only in a few cases.
type oauthError struct {
	status      int
	code        string
	description string
}

func errBadRequest(code string) *oauthError {
	return &oauthError{status: http.StatusBadRequest, code: code}
}

func (s *Server) writeOAuthError(w http.ResponseWriter, r *http.Request, clientID string, e *oauthError) {
	s.log.Info("request refused", "path", r.URL.Path, "client_id", clientID, "error", e.code)
	body := map[string]string{"error": e.code}
	if e.description != "" {
		body["error_description"] = e.description
	}
	writeJSON(w, e.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// readTokenForm parses an application/x-www-form-urlencoded body. Parameters
// in the URL query are ignored, and a repeated parameter is invalid_request
// (RFC 6749 section 3.2).
func readTokenForm(w http.ResponseWriter, r *http.Request) (url.Values, *oauthError) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, errBadRequest("invalid_request")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return nil, errBadRequest("invalid_request")
	}
	for _, v := range r.PostForm {
		if len(v) > 1 {
			return nil, errBadRequest("invalid_request")
		}
	}
	return r.PostForm, nil
}

// authenticateClient identifies the client by client_secret_basic (the
// Authorization header, whose id and secret are form-urlencoded before
// base64 as RFC 6749 section 2.3.1 requires) or client_secret_post
// (client_id and client_secret in the body). Any of the client's current
// secrets is accepted; a public client (no secrets) sends only client_id.
// Every failure is invalid_client, except using both methods at once, which
// is invalid_request.
func (s *Server) authenticateClient(r *http.Request, form url.Values, failStatus int) (client, *oauthError) {
	fail := &oauthError{status: failStatus, code: "invalid_client"}
	id, secret := form.Get("client_id"), form.Get("client_secret")
	_, hasSecret := form["client_secret"]
	if h := r.Header.Get("Authorization"); h != "" {
		if hasSecret {
			return client{}, errBadRequest("invalid_request")
		}
		user, pass, ok := r.BasicAuth()
		if !ok {
			return client{}, fail
		}
		var err1, err2 error
		user, err1 = url.QueryUnescape(user)
		pass, err2 = url.QueryUnescape(pass)
		if err1 != nil || err2 != nil || (id != "" && id != user) {
			return client{}, fail
		}
		id, secret, hasSecret = user, pass, true
	}
	if id == "" {
		return client{}, fail
	}
	c, ok := s.lookupClient(id)
	if !ok {
		return client{}, fail
	}
	if len(c.secrets) == 0 {
		if hasSecret {
			return client{}, fail
		}
		return c, nil
	}
	if !hasSecret || !c.secretMatches(secret) {
		return client{}, fail
	}
	return c, nil
}

// tokenResponse is the token endpoint's answer. A refresh grant has a
// refresh_token only with rotation; a grant without the openid scope has
// no id_token.
type tokenResponse struct {
	IDToken      string `json:"id_token,omitempty"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	ExpiresIn    int    `json:"expires_in"`
	TokenType    string `json:"token_type"`
}

// grantClaims is what the tokens of one grant say about the sign-in.
type grantClaims struct {
	clientID  string
	sub       string
	email     string
	scopes    []string
	authTime  time.Time
	eventID   string
	originJTI string
	nonce     string
}

// handleToken is POST /oauth2/token.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	form, oerr := readTokenForm(w, r)
	if oerr != nil {
		s.writeOAuthError(w, r, "", oerr)
		return
	}
	c, oerr := s.authenticateClient(r, form, http.StatusBadRequest)
	if oerr != nil {
		s.writeOAuthError(w, r, "", oerr)
		return
	}
	var resp tokenResponse
	switch form.Get("grant_type") {
	case "authorization_code":
		resp, oerr = s.redeemCode(c, form)
	case "refresh_token":
		resp, oerr = s.refreshTokens(c, form)
	case "":
		oerr = errBadRequest("invalid_request")
	case "client_credentials":
		oerr = errBadRequest("unauthorized_client") // the local clients allow the code flow only
	default:
		oerr = errBadRequest("unsupported_grant_type")
	}
	if oerr != nil {
		s.writeOAuthError(w, r, c.id, oerr)
		return
	}
	s.log.Info("tokens issued", "client_id", c.id, "grant_type", form.Get("grant_type"))
	writeJSON(w, http.StatusOK, resp)
}

// redeemCode is the authorization_code grant. A code is consumed by the
// first request of its own client, whatever the outcome; presenting it again
// is invalid_grant and revokes the refresh token (and so the access tokens)
// issued from it, as RFC 6749 section 4.1.2 recommends.
func (s *Server) redeemCode(c client, form url.Values) (tokenResponse, *oauthError) {
	code, redirectURI := form.Get("code"), form.Get("redirect_uri")
	if code == "" || redirectURI == "" {
		return tokenResponse{}, errBadRequest("invalid_request")
	}
	refreshToken, err := randomToken()
	if err != nil {
		return tokenResponse{}, &oauthError{status: http.StatusInternalServerError, code: "server_error"}
	}
	originJTI, err1 := newUUID()
	eventID, err2 := newUUID()
	if err1 != nil || err2 != nil {
		return tokenResponse{}, &oauthError{status: http.StatusInternalServerError, code: "server_error"}
	}
	now := s.now()

	s.mu.Lock()
	ac := s.codes[digest(code)]
	switch {
	case ac == nil || !now.Before(ac.expires) || ac.clientID != c.id:
		s.mu.Unlock()
		return tokenResponse{}, errBadRequest("invalid_grant")
	case ac.used:
		s.revokeLocked(s.origins[ac.originJTI])
		s.mu.Unlock()
		s.log.Warn("authorization code reused; tokens issued from it are revoked", "client_id", c.id)
		return tokenResponse{}, errBadRequest("invalid_grant")
	}
	ac.used = true
	u := s.userBySubLocked(ac.sub)
	switch {
	case ac.redirectURI != redirectURI:
		s.mu.Unlock()
		// Cognito: unauthorized_client with error_description invalid_redirect.
		return tokenResponse{}, &oauthError{status: http.StatusBadRequest, code: "unauthorized_client", description: "invalid_redirect"}
	case !pkceMatches(ac.codeChallenge, form.Get("code_verifier")):
		s.mu.Unlock()
		return tokenResponse{}, errBadRequest("invalid_grant")
	case u == nil:
		s.mu.Unlock()
		return tokenResponse{}, errBadRequest("invalid_grant")
	}
	g := &refreshGrant{
		clientID:  c.id,
		sub:       ac.sub,
		scopes:    ac.scopes,
		authTime:  ac.authTime,
		eventID:   eventID,
		originJTI: originJTI,
		digest:    digest(refreshToken),
		expires:   now.Add(s.refreshTTL),
	}
	ac.originJTI = originJTI
	s.addRefreshLocked(g, now)
	claims := grantClaims{
		clientID: c.id, sub: u.sub, email: u.email, scopes: g.scopes,
		authTime: g.authTime, eventID: eventID, originJTI: originJTI, nonce: ac.nonce,
	}
	s.mu.Unlock()

	resp, oerr := s.mint(claims, now)
	if oerr != nil {
		s.mu.Lock()
		s.revokeLocked(g)
		s.mu.Unlock()
		return tokenResponse{}, oerr
	}
	resp.RefreshToken = refreshToken
	return resp, nil
}

// refreshTokens is the refresh_token grant: new ID and access tokens, no
// nonce, and with the client's rotation a new refresh token for the same
// sign-in (see RefreshTokenRotation).
func (s *Server) refreshTokens(c client, form url.Values) (tokenResponse, *oauthError) {
	rt := form.Get("refresh_token")
	if rt == "" {
		return tokenResponse{}, errBadRequest("invalid_request")
	}
	var next string
	if c.rotation.Enabled {
		var err error
		if next, err = randomToken(); err != nil {
			return tokenResponse{}, &oauthError{status: http.StatusInternalServerError, code: "server_error"}
		}
	}
	now := s.now()
	s.mu.Lock()
	g := s.liveRefreshLocked(c, digest(rt), now)
	var u *user
	if g != nil {
		u = s.userBySubLocked(g.sub)
	}
	if g == nil || u == nil {
		s.mu.Unlock()
		return tokenResponse{}, errBadRequest("invalid_grant")
	}
	if next != "" {
		s.rotateLocked(c, g, digest(rt), digest(next), now)
	}
	claims := grantClaims{
		clientID: c.id, sub: u.sub, email: u.email, scopes: g.scopes,
		authTime: g.authTime, eventID: g.eventID, originJTI: g.originJTI,
	}
	s.mu.Unlock()
	resp, oerr := s.mint(claims, now)
	if oerr != nil {
		return tokenResponse{}, oerr
	}
	resp.RefreshToken = next
	return resp, nil
}

// pkceMatches checks the code_verifier against the S256 challenge (RFC 7636
// section 4.6). Without a challenge no verifier may be sent either, which
// stops a PKCE downgrade.
func pkceMatches(challenge, verifier string) bool {
	if challenge == "" {
		return verifier == ""
	}
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	for _, r := range verifier {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~", r)) {
			return false
		}
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

// mint signs the access token and, with the openid scope, the ID token,
// with the claims Cognito puts in them.
func (s *Server) mint(g grantClaims, now time.Time) (tokenResponse, *oauthError) {
	serverError := &oauthError{status: http.StatusInternalServerError, code: "server_error"}
	accessJTI, err1 := newUUID()
	idJTI, err2 := newUUID()
	if err1 != nil || err2 != nil {
		return tokenResponse{}, serverError
	}
	access, err := s.signer.Sign(s.withFederated(g.sub, "access", map[string]any{
		"sub":        g.sub,
		"iss":        s.issuer,
		"version":    2,
		"client_id":  g.clientID,
		"origin_jti": g.originJTI,
		"event_id":   g.eventID,
		"token_use":  "access",
		"scope":      strings.Join(g.scopes, " "),
		"auth_time":  g.authTime.Unix(),
		"exp":        now.Add(s.accessTTL).Unix(),
		"iat":        now.Unix(),
		"jti":        accessJTI,
		"username":   g.sub,
	}))
	if err != nil {
		s.log.Error("sign access token", "err", err)
		return tokenResponse{}, serverError
	}
	resp := tokenResponse{AccessToken: access, ExpiresIn: int(s.accessTTL / time.Second), TokenType: "Bearer"}
	if !slices.Contains(g.scopes, "openid") {
		return resp, nil
	}
	sum := sha256.Sum256([]byte(access))
	idClaims := map[string]any{
		"at_hash":          base64.RawURLEncoding.EncodeToString(sum[:16]),
		"sub":              g.sub,
		"email_verified":   true,
		"iss":              s.issuer,
		"cognito:username": g.sub,
		"origin_jti":       g.originJTI,
		"aud":              g.clientID,
		"event_id":         g.eventID,
		"token_use":        "id",
		"auth_time":        g.authTime.Unix(),
		"exp":              now.Add(s.idTTL).Unix(),
		"iat":              now.Unix(),
		"jti":              idJTI,
		"email":            g.email,
	}
	if g.nonce != "" {
		idClaims["nonce"] = g.nonce
	}
	if resp.IDToken, err = s.signer.Sign(s.withFederated(g.sub, "id", idClaims)); err != nil {
		s.log.Error("sign ID token", "err", err)
		return tokenResponse{}, serverError
	}
	return resp, nil
}

// handleRevoke is POST /oauth2/revoke: it revokes a refresh token and every
// access token issued from it. As RFC 7009 and Cognito say, an unknown or
// already revoked token is still 200; so is another client's token, which is
// left alone. An access or ID token (a JWT) is unsupported_token_type.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	form, oerr := readTokenForm(w, r)
	if oerr != nil {
		s.writeOAuthError(w, r, "", oerr)
		return
	}
	c, oerr := s.authenticateClient(r, form, http.StatusUnauthorized)
	if oerr != nil {
		s.writeOAuthError(w, r, "", oerr)
		return
	}
	tok := form.Get("token")
	switch {
	case tok == "":
		s.writeOAuthError(w, r, c.id, errBadRequest("invalid_request"))
		return
	case strings.Count(tok, ".") == 2:
		s.writeOAuthError(w, r, c.id, errBadRequest("unsupported_token_type"))
		return
	}
	s.mu.Lock()
	if g := s.liveRefreshLocked(c, digest(tok), s.now()); g != nil {
		s.revokeLocked(g)
		s.log.Info("refresh token revoked", "client_id", c.id, "sub", g.sub)
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}
