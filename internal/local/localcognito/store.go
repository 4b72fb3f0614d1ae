package localcognito

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// session is a signed-in browser: what the session cookie stands for.
type session struct {
	sub      string
	authTime time.Time
	expires  time.Time
}

// authCode is an issued authorization code and everything it is bound to.
type authCode struct {
	clientID      string
	redirectURI   string
	scopes        []string
	nonce         string
	codeChallenge string // S256 challenge; empty without PKCE
	sub           string
	authTime      time.Time
	expires       time.Time

	used      bool   // redeemed (or spoiled); kept until expiry to detect reuse
	originJTI string // refresh grant issued from the code, if any
}

// refreshGrant is a sign-in that refresh tokens continue. Access and ID
// tokens carry its originJTI; they are valid only while it exists.
type refreshGrant struct {
	clientID  string
	sub       string
	scopes    []string
	authTime  time.Time
	eventID   string
	originJTI string
	digest    string // of the refresh token issued with the code
	expires   time.Time

	// tokens are the digests of the sign-in's refresh tokens (the first
	// one and, with rotation, each new one), with the time each was first
	// presented; zero until then. See RefreshTokenRotation.
	tokens map[string]time.Time
}

var errTooManyCodes = errors.New("too many pending authorization codes")

// randomToken returns 256 random bits, base64url without padding.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// digest is how codes, tokens and session ids are stored: the map key is the
// SHA-256 of the value, never the value.
func digest(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

// newUUID returns a random (version 4) UUID, the shape of Cognito's sub,
// jti, origin_jti and event_id.
func newUUID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random uuid: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), nil
}

// sweepLocked drops expired entries, at most once a minute unless forced.
// The caller holds s.mu.
func (s *Server) sweepLocked(now time.Time, force bool) {
	if !force && now.Sub(s.lastSweep) < time.Minute {
		return
	}
	s.lastSweep = now
	for k, v := range s.sessions {
		if !now.Before(v.expires) {
			delete(s.sessions, k)
		}
	}
	for k, v := range s.codes {
		if !now.Before(v.expires) {
			delete(s.codes, k)
		}
	}
	for k, v := range s.refresh {
		if !now.Before(v.expires) {
			delete(s.refresh, k)
			delete(s.origins, v.originJTI)
		}
	}
}

// newSession records a sign-in and returns the cookie value.
func (s *Server) newSession(sub string) (string, session, error) {
	id, err := randomToken()
	if err != nil {
		return "", session{}, err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now, len(s.sessions) >= MaxSessions)
	if len(s.sessions) >= MaxSessions {
		var oldest string
		for k, v := range s.sessions {
			if oldest == "" || v.expires.Before(s.sessions[oldest].expires) {
				oldest = k
			}
		}
		delete(s.sessions, oldest)
	}
	sess := session{sub: sub, authTime: now, expires: now.Add(SessionLifetime)}
	s.sessions[digest(id)] = &sess
	return id, sess, nil
}

// currentSession returns the live session named by the cookie value, if the
// user still exists.
func (s *Server) currentSession(cookie string) (session, bool) {
	if cookie == "" {
		return session{}, false
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	k := digest(cookie)
	sess, ok := s.sessions[k]
	if !ok {
		return session{}, false
	}
	if !now.Before(sess.expires) {
		delete(s.sessions, k)
		return session{}, false
	}
	if s.userBySubLocked(sess.sub) == nil {
		return session{}, false
	}
	return *sess, true
}

func (s *Server) endSession(cookie string) {
	if cookie == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, digest(cookie))
}

func (s *Server) userBySubLocked(sub string) *user { return s.bySub[sub] }

// newCode issues an authorization code for the request and the signed-in user.
func (s *Server) newCode(req authRequest, sess session) (string, error) {
	code, err := randomToken()
	if err != nil {
		return "", err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now, len(s.codes) >= MaxPendingCodes)
	if len(s.codes) >= MaxPendingCodes {
		return "", errTooManyCodes
	}
	s.codes[digest(code)] = &authCode{
		clientID:      req.clientID,
		redirectURI:   req.redirectURI,
		scopes:        req.scopes,
		nonce:         req.nonce,
		codeChallenge: req.codeChallenge,
		sub:           sess.sub,
		authTime:      sess.authTime,
		expires:       now.Add(CodeLifetime),
	}
	return code, nil
}

// addRefreshLocked stores a new refresh grant. The caller holds s.mu.
func (s *Server) addRefreshLocked(g *refreshGrant, now time.Time) {
	s.makeRoomLocked(now, nil)
	g.tokens = map[string]time.Time{g.digest: {}}
	s.refresh[g.digest] = g
	s.origins[g.originJTI] = g
}

// revokeLocked forgets a refresh grant and every refresh token of it,
// which also disables every access token issued from it. The caller holds
// s.mu.
func (s *Server) revokeLocked(g *refreshGrant) {
	if g == nil {
		return
	}
	delete(s.refresh, g.digest)
	for d := range g.tokens {
		delete(s.refresh, d)
	}
	delete(s.origins, g.originJTI)
}
