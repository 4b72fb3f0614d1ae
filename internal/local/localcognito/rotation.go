package localcognito

import (
	"fmt"
	"time"
)

// RefreshTokenRotation is an app client's refresh-token rotation, as
// Cognito's RefreshTokenRotation setting (Feature, RetryGracePeriodSeconds)
// configures it.
//
// With rotation enabled, every refresh_token grant returns a new refresh
// token besides the new ID and access tokens. The token presented keeps
// working for RetryGracePeriod after its first use (so that a retry, or a
// second tab refreshing the same session, still succeeds), then it is
// invalid_grant. Every token of one sign-in (its family) keeps the
// sign-in's expiry: the refresh-token lifetime counts from the sign-in,
// not from the rotation. Revoking any live token of the family ends the
// whole sign-in: every refresh token issued for it and every access token
// (their origin_jti).
//
// Without rotation, the refresh grant returns no refresh token and the one
// presented stays valid until it expires or is revoked.
type RefreshTokenRotation struct {
	// Enabled turns rotation on.
	Enabled bool
	// RetryGracePeriod is how long a rotated-out token keeps working after
	// its first use: 0 to 60 seconds, as Cognito allows. Zero ends it at
	// once.
	RetryGracePeriod time.Duration
}

// DefaultRefreshTokenRotation is the rotation of a Client whose
// RefreshTokenRotation is nil: enabled with a 30 second grace period, as
// template.yaml configures the deployed app client. (Cognito's own default
// for a new app client is no rotation: pass &RefreshTokenRotation{} for
// that.)
var DefaultRefreshTokenRotation = RefreshTokenRotation{Enabled: true, RetryGracePeriod: 30 * time.Second}

// MaxRetryGracePeriod is Cognito's upper bound of RetryGracePeriodSeconds.
const MaxRetryGracePeriod = 60 * time.Second

// rotationOf applies the default to a Client's setting and checks it.
func rotationOf(r *RefreshTokenRotation) (RefreshTokenRotation, error) {
	if r == nil {
		return DefaultRefreshTokenRotation, nil
	}
	if r.RetryGracePeriod < 0 || r.RetryGracePeriod > MaxRetryGracePeriod {
		return RefreshTokenRotation{}, fmt.Errorf("RefreshTokenRotation.RetryGracePeriod %v: must be between 0 and %v", r.RetryGracePeriod, MaxRetryGracePeriod)
	}
	return *r, nil
}

// liveRefreshLocked returns the sign-in (refresh grant) of the refresh
// token with digest d when the token is still good for client c: known,
// of that client, its sign-in not expired, and not rotated out longer than
// c's grace period ago. A token whose grace period is over is forgotten.
// The caller holds s.mu.
func (s *Server) liveRefreshLocked(c client, d string, now time.Time) *refreshGrant {
	g := s.refresh[d]
	if g == nil || g.clientID != c.id || !now.Before(g.expires) {
		return nil
	}
	if used := g.tokens[d]; !used.IsZero() && !now.Before(used.Add(c.rotation.RetryGracePeriod)) {
		delete(s.refresh, d)
		delete(g.tokens, d)
		return nil
	}
	return g
}

// rotateLocked records the use of the live refresh token with digest d of
// sign-in g and adds the new token with digest next to the same sign-in
// (same expiry, same origin_jti). The token used keeps working for the
// grace period from its first use; tokens of g whose grace period is over
// are forgotten, so that a long sign-in does not pile up dead tokens. The
// caller holds s.mu.
func (s *Server) rotateLocked(c client, g *refreshGrant, d, next string, now time.Time) {
	if g.tokens[d].IsZero() {
		g.tokens[d] = now
	}
	for k, used := range g.tokens {
		if !used.IsZero() && !now.Before(used.Add(c.rotation.RetryGracePeriod)) {
			delete(s.refresh, k)
			delete(g.tokens, k)
		}
	}
	s.makeRoomLocked(now, g)
	g.tokens[next] = time.Time{}
	s.refresh[next] = g
}

// makeRoomLocked keeps the number of stored refresh tokens under
// MaxRefreshTokens: it sweeps expired sign-ins and, if that is not enough,
// revokes the sign-in that expires first (never keep). The caller holds
// s.mu.
func (s *Server) makeRoomLocked(now time.Time, keep *refreshGrant) {
	s.sweepLocked(now, len(s.refresh) >= MaxRefreshTokens)
	if len(s.refresh) < MaxRefreshTokens {
		return
	}
	var oldest *refreshGrant
	for _, v := range s.refresh {
		if v != keep && (oldest == nil || v.expires.Before(oldest.expires)) {
			oldest = v
		}
	}
	s.revokeLocked(oldest)
}
