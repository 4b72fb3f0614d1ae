package localcognito

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// userInfo is the userInfo endpoint's answer. Like Cognito's, it carries
// email_verified as a string.
type userInfo struct {
	Sub           string `json:"sub"`
	EmailVerified string `json:"email_verified"`
	Email         string `json:"email"`
	Username      string `json:"username"`
	// A federated user's mapped name, and its identities as a JSON string
	// (userInfo returns every attribute as a string; the ID token carries
	// the same identities as an array).
	Name       string `json:"name,omitempty"`
	Identities string `json:"identities,omitempty"`
}

// Cognito's description of a rejected access token at userInfo.
const msgInvalidToken = "Access token is expired, disabled, or deleted, or the user has globally signed out."

// handleUserInfo is GET (or POST) /oauth2/userInfo with
// "Authorization: Bearer <access token>". The token must be one of this
// pool's access tokens, unexpired, from a refresh token that has not been
// revoked, and carry the openid scope.
func (s *Server) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	scheme, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	raw = strings.TrimSpace(raw)
	if !strings.EqualFold(scheme, "Bearer") || raw == "" {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_request", error_description="Bad OAuth2 request at UserInfo Endpoint"`)
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	info, scopes, ok := s.verifyAccessToken(raw)
	if !ok {
		s.log.Info("userInfo refused", "error", "invalid_token")
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+msgInvalidToken+`"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": msgInvalidToken})
		return
	}
	if !slices.Contains(scopes, "openid") {
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="openid"`)
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "insufficient_scope"})
		return
	}
	writeJSON(w, http.StatusOK, info)
}

// verifyAccessToken checks an access token the way the pool itself would:
// signature, issuer, token_use, expiry, and that its refresh token (its
// origin_jti) is still live.
func (s *Server) verifyAccessToken(raw string) (userInfo, []string, bool) {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || len(tok.Headers) != 1 || tok.Headers[0].KeyID != s.signer.KeyID() {
		return userInfo{}, nil, false
	}
	set := s.signer.JWKS()
	keys := set.Key(s.signer.KeyID())
	if len(keys) != 1 {
		return userInfo{}, nil, false
	}
	var c struct {
		Iss       string `json:"iss"`
		TokenUse  string `json:"token_use"`
		Sub       string `json:"sub"`
		Scope     string `json:"scope"`
		OriginJTI string `json:"origin_jti"`
		ClientID  string `json:"client_id"`
		Exp       int64  `json:"exp"`
	}
	if err := tok.Claims(keys[0].Key, &c); err != nil {
		return userInfo{}, nil, false
	}
	now := s.now()
	if c.Iss != s.issuer || c.TokenUse != "access" || now.Unix() >= c.Exp {
		return userInfo{}, nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.origins[c.OriginJTI]
	u := s.userBySubLocked(c.Sub)
	if g == nil || !now.Before(g.expires) || g.sub != c.Sub || g.clientID != c.ClientID || u == nil {
		return userInfo{}, nil, false
	}
	info := userInfo{Sub: u.sub, EmailVerified: "true", Email: u.email, Username: u.sub}
	if f := s.fed.users[u.sub]; f != nil {
		ids, err := json.Marshal(f.identities())
		if err != nil {
			return userInfo{}, nil, false
		}
		info.Username, info.Name, info.Identities = f.username, f.name, string(ids)
	}
	return info, strings.Fields(c.Scope), true
}

// discovery is the OpenID Provider metadata, field for field what a Cognito
// user pool publishes, except that only the code flow is advertised.
type discovery struct {
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	EndSessionEndpoint                string   `json:"end_session_endpoint"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	Issuer                            string   `json:"issuer"`
	JWKSURI                           string   `json:"jwks_uri"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	ScopesSupported                   []string `json:"scopes_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
}

// handleDiscovery is GET <issuer>/.well-known/openid-configuration.
func (s *Server) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, discovery{
		AuthorizationEndpoint:             s.domain + "/oauth2/authorize",
		EndSessionEndpoint:                s.domain + "/logout",
		IDTokenSigningAlgValuesSupported:  []string{"RS256"},
		Issuer:                            s.issuer,
		JWKSURI:                           s.JWKSURL(),
		ResponseTypesSupported:            []string{"code"},
		RevocationEndpoint:                s.domain + "/oauth2/revoke",
		ScopesSupported:                   []string{"openid", "email", "phone", "profile"},
		SubjectTypesSupported:             []string{"public"},
		TokenEndpoint:                     s.domain + "/oauth2/token",
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post"},
		UserinfoEndpoint:                  s.domain + "/oauth2/userInfo",
	})
}

// handleJWKS is GET <issuer>/.well-known/jwks.json.
func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.signer.JWKS())
}
