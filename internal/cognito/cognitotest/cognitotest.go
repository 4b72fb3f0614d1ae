// Package cognitotest is a programmable stand-in for a Cognito user pool's
// token endpoint and key set, for unit and handler tests that must make
// Cognito fail in precise ways (invalid_client once, a 5xx, a hang, a bad
// signature). It signs real RS256 tokens with package tokensign.
//
// For a faithful emulator of the whole protocol, sign-in pages included, use
// package localcognito.
package cognitotest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/example/cognito-sam-go/internal/cognito/cognitotest/tokensign"
)

// PoolID is the user pool id in the fake issuer's path.
const PoolID = "us-east-1_TestPool"

// TokenRequest is one request the token endpoint received.
type TokenRequest struct {
	Form       url.Values
	BasicUser  string // URL-decoded client id from the Authorization header
	BasicPass  string // URL-decoded client secret
	HasBasic   bool
	RemoteAddr string
}

// Server fakes the domain (/oauth2/token) and the issuer
// (/<PoolID>/.well-known/jwks.json) on one httptest server.
type Server struct {
	*httptest.Server
	Signer *tokensign.Signer
	// Issuer is URL + "/" + PoolID.
	Issuer string

	mu       sync.Mutex
	token    http.HandlerFunc
	requests []TokenRequest
	revoke   http.HandlerFunc
	revokes  []TokenRequest
	jwks     http.HandlerFunc

	// JWKSHits counts key-set fetches.
	JWKSHits atomic.Int32
}

// New starts a Server until the test ends. By default the token endpoint
// answers every request with Tokens for client "client-id" and nonce "".
func New(t testing.TB) *Server {
	t.Helper()
	signer, err := tokensign.New()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Signer: signer}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/token", s.serveToken)
	mux.HandleFunc("POST /oauth2/revoke", s.serveRevoke)
	mux.HandleFunc("GET /"+PoolID+"/.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		s.JWKSHits.Add(1)
		s.mu.Lock()
		h := s.jwks
		s.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.Signer.JWKS())
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	s.Issuer = s.URL + "/" + PoolID
	return s
}

func record(r *http.Request) TokenRequest {
	_ = r.ParseForm()
	tr := TokenRequest{Form: r.PostForm, RemoteAddr: r.RemoteAddr}
	if u, p, ok := r.BasicAuth(); ok {
		tr.HasBasic = true
		tr.BasicUser, _ = url.QueryUnescape(u)
		tr.BasicPass, _ = url.QueryUnescape(p)
	}
	return tr
}

// serveRevoke answers 200, like Cognito for any token, unless HandleRevoke
// set another behaviour.
func (s *Server) serveRevoke(w http.ResponseWriter, r *http.Request) {
	tr := record(r)
	s.mu.Lock()
	s.revokes = append(s.revokes, tr)
	h := s.revoke
	s.mu.Unlock()
	if h == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	h(w, r)
}

// HandleRevoke sets what /oauth2/revoke does from now on.
func (s *Server) HandleRevoke(h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoke = h
}

// HandleJWKS replaces the key set endpoint (nil restores it), to make it
// fail or hang.
func (s *Server) HandleJWKS(h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jwks = h
}

// RevokeRequests returns the revocation requests received so far.
func (s *Server) RevokeRequests() []TokenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]TokenRequest(nil), s.revokes...)
}

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	tr := record(r)
	s.mu.Lock()
	s.requests = append(s.requests, tr)
	h := s.token
	s.mu.Unlock()
	if h == nil {
		WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	h(w, r)
}

// HandleToken sets what the token endpoint does from now on.
func (s *Server) HandleToken(h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = h
}

// Requests returns the token requests received so far.
func (s *Server) Requests() []TokenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]TokenRequest(nil), s.requests...)
}

// Claims are token claims; a nil value deletes a default claim.
type Claims map[string]any

// IDToken signs an ID token for clientID with Cognito's claims, nonce and
// over applied on top (a nil value removes a claim).
func (s *Server) IDToken(clientID, nonce string, over Claims) string {
	now := time.Now()
	c := Claims{
		"sub": "11111111-2222-3333-4444-555555555555", "email": "ada@example.com", "email_verified": true,
		"iss": s.Issuer, "aud": clientID, "cognito:username": "11111111-2222-3333-4444-555555555555",
		"token_use": "id", "auth_time": now.Unix(), "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"jti": "id-jti", "origin_jti": "origin", "event_id": "event",
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	return s.sign(c, over)
}

// AccessToken signs an access token for clientID with scope.
func (s *Server) AccessToken(clientID, scope string, over Claims) string {
	now := time.Now()
	c := Claims{
		"sub": "11111111-2222-3333-4444-555555555555", "iss": s.Issuer, "client_id": clientID,
		"token_use": "access", "scope": scope, "auth_time": now.Unix(), "iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(), "jti": "access-jti", "origin_jti": "origin", "event_id": "event",
		"username": "11111111-2222-3333-4444-555555555555", "version": 2,
	}
	return s.sign(c, over)
}

func (s *Server) sign(c, over Claims) string {
	for k, v := range over {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	tok, err := s.Signer.Sign(map[string]any(c))
	if err != nil {
		panic(err)
	}
	return tok
}

// RefreshedTokens answers a refresh_token grant as Cognito does without
// refresh-token rotation: new ID and access tokens, no nonce, and no new
// refresh token.
func (s *Server) RefreshedTokens(clientID string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]any{
			"id_token":     s.IDToken(clientID, "", Claims{"jti": "refreshed"}),
			"access_token": s.AccessToken(clientID, "openid email profile api/read", Claims{"jti": "refreshed"}),
			"token_type":   "Bearer",
			"expires_in":   3600,
		})
	}
}

// Tokens is a handler that answers a token request with a fresh ID token
// for clientID carrying nonce, an access token and a refresh token.
func (s *Server) Tokens(clientID, nonce string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]any{
			"id_token":      s.IDToken(clientID, nonce, nil),
			"access_token":  s.AccessToken(clientID, "openid email profile api/read", nil),
			"refresh_token": "refresh-token-value",
			"token_type":    "Bearer",
			"expires_in":    3600,
		})
	}
}

// OAuthError is a handler that answers with a Cognito-style error.
func OAuthError(status int, code string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, status, map[string]string{"error": code})
	}
}

// WriteJSON writes v as a JSON response with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
