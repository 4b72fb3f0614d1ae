package signin

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/secret"
	"github.com/example/cognito-sam-go/internal/session"
	"golang.org/x/oauth2"
)

// RefreshMargin is how long before its expiry an access token held in a
// session is refreshed: /token and the home page hand out only tokens with
// more than this to live.
const RefreshMargin = time.Minute

// cookieJar reads the request's cookies for package session.
type cookieJar struct{ req events.APIGatewayProxyRequest }

func (j cookieJar) get(name string) (string, bool) { return apigw.Cookie(j.req, name) }
func (j cookieJar) has(name string) bool {
	_, ok := apigw.Cookie(j.req, name)
	return ok
}

// hasSession reports whether the request carries any session cookie.
func hasSession(req events.APIGatewayProxyRequest) bool {
	return session.Present(cookieJar{req}.has)
}

// openSession opens the request's session. It returns session.ErrNone
// without reading the secret when there is no session cookie.
func (s *Server) openSession(ctx context.Context, req events.APIGatewayProxyRequest) (session.Session, secret.Value, error) {
	if !hasSession(req) {
		return session.Session{}, secret.Value{}, session.ErrNone
	}
	creds, err := s.credentials(ctx)
	if err != nil {
		return session.Session{}, secret.Value{}, err
	}
	return s.openSessionWith(ctx, req, creds)
}

// openSessionWith opens the request's session under creds' keys, or under
// a fresher secret's when creds was past its TTL (see reopen); it returns
// the credentials it opened with.
func (s *Server) openSessionWith(ctx context.Context, req events.APIGatewayProxyRequest, creds secret.Value) (session.Session, secret.Value, error) {
	_, sealer, err := s.sealers(creds)
	if err != nil {
		return session.Session{}, creds, err
	}
	sess, err := sealer.Open(cookieJar{req}.get, s.now())
	if fresh, ok := s.reopen(ctx, creds, err); ok {
		creds = fresh
		if _, sealer, err = s.sealers(creds); err != nil {
			return session.Session{}, creds, err
		}
		sess, err = sealer.Open(cookieJar{req}.get, s.now())
	}
	return sess, creds, err
}

// newSession is the session for tokens just verified; created is when the
// user signed in (kept across refreshes).
func newSession(r verified, created time.Time) session.Session {
	return session.Session{
		RefreshToken: r.token.RefreshToken, AccessToken: r.token.AccessToken, IDToken: r.idToken,
		Expiry: r.token.Expiry, Subject: r.claims.Subject, Username: r.claims.Username, Email: r.claims.Email,
		Created: created,
	}
}

// setSession adds the Set-Cookie headers that store sess.
func (s *Server) setSession(resp *events.APIGatewayProxyResponse, req events.APIGatewayProxyRequest, creds secret.Value, sess session.Session) error {
	_, sealer, err := s.sealers(creds)
	if err != nil {
		return err
	}
	cookies, err := sealer.Cookies(sess, cookieJar{req}.has)
	if err != nil {
		return err
	}
	for _, c := range cookies {
		apigw.AddHeader(resp, "Set-Cookie", c)
	}
	return nil
}

// clearSession is the Set-Cookie headers that delete the request's session.
func clearSession(req events.APIGatewayProxyRequest) []apigw.Header {
	var out []apigw.Header
	for _, c := range session.Clear(cookieJar{req}.has) {
		out = append(out, apigw.Header{Name: "Set-Cookie", Value: c})
	}
	return out
}

// errLoginRequired is the answer without a usable session.
var errLoginRequired = &apigw.Error{Kind: apigw.KindUnauthorized, Code: "login_required",
	Message: "You are not signed in, or your session has ended. Please sign in."}

// refreshSession trades the session's refresh token for new tokens at
// Cognito (once more with fresh credentials after invalid_client), verifies
// the new ID token, and returns the updated session: a rotated refresh
// token replaces the old one. A refresh token Cognito rejects wraps
// errLoginRequired.
func (s *Server) refreshSession(ctx context.Context, log *slog.Logger, creds secret.Value, sess session.Session) (session.Session, error) {
	r, err := s.refreshTokens(ctx, log, creds, sess.RefreshToken, errLoginRequired)
	if err != nil {
		return session.Session{}, err
	}
	log.Info("session refreshed", slog.String("sub", r.claims.Subject))
	return newSession(r, sess.Created), nil
}

// refreshTokens trades a refresh token for new tokens at Cognito, within
// the time budget, once more with fresh credentials after invalid_client,
// and verifies the new ID token like the callback's (without nonce: Cognito
// sends none after a refresh). A refresh token Cognito rejects becomes
// onInvalidGrant. The returned token carries the refresh token to use
// next: Cognito's rotated one, or rt.
func (s *Server) refreshTokens(ctx context.Context, log *slog.Logger, creds secret.Value, rt string, onInvalidGrant *apigw.Error) (verified, error) {
	ctx, cancel := budget(ctx)
	defer cancel()
	var tok *oauth2.Token
	creds, err := s.withCredentials(ctx, log, creds, func(c secret.Value) error {
		var err error
		tok, err = s.cognito.Refresh(ctx, c.ClientID, c.ClientSecret, rt)
		return err
	})
	if err != nil {
		return verified{}, tokenError(err, onInvalidGrant)
	}
	r, err := s.verify(ctx, creds.ClientID, tok, "")
	if err != nil {
		return verified{}, tokenError(err, onInvalidGrant)
	}
	return r, nil
}

// currentSession opens the request's session and refreshes it when its
// access token has RefreshMargin or less to live (or force is set). changed
// tells the caller to store the result. Without a usable session the error
// wraps errLoginRequired or session.ErrNone.
func (s *Server) currentSession(ctx context.Context, log *slog.Logger, req events.APIGatewayProxyRequest, force bool) (sess session.Session, creds secret.Value, changed bool, err error) {
	sess, creds, err = s.openSession(ctx, req)
	switch {
	case errors.Is(err, session.ErrNone):
		return sess, creds, false, err
	case errors.Is(err, session.ErrInvalid):
		log.Info("session does not open", slog.String("detail", err.Error()))
		return sess, creds, false, apigw.Errorf(errLoginRequired.Kind, errLoginRequired.Code, errLoginRequired.Message, "%w", err)
	case err != nil:
		return sess, creds, false, err
	}
	if !force && sess.Expiry.Sub(s.now()) > RefreshMargin {
		return sess, creds, false, nil
	}
	sess, err = s.refreshSession(ctx, log, creds, sess)
	return sess, creds, err == nil, err
}

// sessionTokens is the JSON answer of /token: never the refresh token.
func (s *Server) sessionTokens(sess session.Session) events.APIGatewayProxyResponse {
	return apigw.JSON(http.StatusOK, tokenBody{
		AccessToken: sess.AccessToken, IDToken: sess.IDToken, TokenType: "Bearer",
		ExpiresIn: max(0, int64(sess.Expiry.Sub(s.now())/time.Second)),
	})
}
