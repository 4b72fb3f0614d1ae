package signin

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/routes"
	"github.com/example/cognito-sam-go/internal/session"
)

// Refresh serves POST /refresh. With a refresh token in the body (scripts)
// it trades it for new ID and access tokens, verifies the new ID token like
// the callback does (without nonce: Cognito sends none after a refresh),
// and answers with the callback's JSON: the refresh token to use next
// included, a rotated one when Cognito rotates them. A revoked or expired
// refresh token is a 401 that tells the user to sign in again: never a
// redirect loop, never a 5xx.
//
// Without one in the body, it refreshes the browser's session (the home
// page's Refresh button): a browser is sent (303) back to the home page, a
// script gets /token's JSON, which never holds the refresh token.
//
// The route has no authorizer; browsers' cross-site posts are refused
// unless they come from ALLOWED_ORIGINS.
func (s *Server) Refresh(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return s.serve(ctx, req, s.refresh, apigw.CORS(req, s.cfg.Origins)...)
}

// errSignInAgain is the answer when Cognito refuses the refresh token.
var errSignInAgain = &apigw.Error{Kind: apigw.KindUnauthorized, Code: "invalid_grant",
	Message: "Your session has expired or was signed out. Please sign in again."}

func (s *Server) refresh(ctx context.Context, log *slog.Logger, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	callbackURL, err := s.checkPost(req)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	rt, err := readRefreshToken(req)
	if errors.Is(err, errNoRefreshToken) && hasSession(req) {
		return s.refreshBrowserSession(ctx, log, req, callbackURL)
	}
	if err != nil {
		return events.APIGatewayProxyResponse{}, refreshTokenError(err)
	}

	creds, err := s.credentials(ctx)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	r, err := s.refreshTokens(ctx, log, creds, rt, errSignInAgain)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	log.Info("tokens refreshed", slog.String("sub", r.claims.Subject))
	return s.tokenJSON(r), nil
}

// refreshBrowserSession refreshes the request's session whatever its access
// token's age; a session that cannot be refreshed is cleared (401).
func (s *Server) refreshBrowserSession(ctx context.Context, log *slog.Logger, req events.APIGatewayProxyRequest, callbackURL string) (events.APIGatewayProxyResponse, error) {
	sess, creds, _, err := s.currentSession(ctx, log, req, true)
	if err != nil {
		return events.APIGatewayProxyResponse{}, s.sessionEnded(req, err)
	}
	resp := s.sessionTokens(sess)
	if apigw.WantsHTML(req) {
		resp = apigw.Redirect(apiBase(callbackURL) + routes.Home.Path + "?refreshed=1")
		resp.StatusCode = http.StatusSeeOther
	}
	if err := s.setSession(&resp, req, creds, sess); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return resp, nil
}

// sessionEnded is the error answer for a session that is gone or was
// refused: login_required with its cookies cleared. Other errors (Cognito
// failing, the secret unavailable) keep the session.
func (s *Server) sessionEnded(req events.APIGatewayProxyRequest, err error) error {
	var e *apigw.Error
	if errors.Is(err, session.ErrNone) || (errors.As(err, &e) && e.Code == errLoginRequired.Code) {
		out := *errLoginRequired
		out.Err = err
		var clear []apigw.Header
		for _, c := range session.ClearAll() {
			clear = append(clear, apigw.Header{Name: "Set-Cookie", Value: c})
		}
		return &withHeaders{err: &out, headers: clear}
	}
	return err
}

// withHeaders is an error answer that carries headers of its own (cookies
// to clear); serve adds them.
type withHeaders struct {
	err     *apigw.Error
	headers []apigw.Header
}

func (w *withHeaders) Error() string { return w.err.Error() }
func (w *withHeaders) Unwrap() error { return w.err }
