package signin

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/page"
	"github.com/example/cognito-sam-go/internal/secret"
)

// RevokeBudget bounds the revocation call, so that a slow Cognito delays the
// sign-out only this long.
const RevokeBudget = 5 * time.Second

// Logout serves POST /logout: it revokes a refresh token at Cognito's
// /oauth2/revoke (the one in the body, or else the session's), clears the
// session cookies, then sends the browser (303) to Cognito's /logout so
// that Cognito's own sign-in session ends too; Cognito sends the browser on
// to GET /signed-out.
//
// Revocation ends the refresh token; access tokens already issued stay
// valid at API Gateway's Cognito authorizer until they expire (the template
// keeps them short), because the authorizer checks only their signature and
// expiry.
//
// Sign-out always completes: without a refresh token it ends Cognito's
// session only, and when revocation fails it still signs out (and logs
// why). Cross-site posts are refused, so another site cannot sign a user
// out. The app client's id comes from the secret: when it cannot be read,
// the answer is 503.
func (s *Server) Logout(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return s.serve(ctx, req, s.logout, apigw.CORS(req, s.cfg.Origins)...)
}

func (s *Server) logout(ctx context.Context, log *slog.Logger, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	callbackURL, err := s.checkPost(req)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	creds, err := s.credentials(ctx)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}

	rt, err := readRefreshToken(req)
	if errors.Is(err, errNoRefreshToken) && hasSession(req) {
		if sess, used, oerr := s.openSessionWith(ctx, req, creds); oerr == nil {
			rt, err, creds = sess.RefreshToken, nil, used
		}
	}
	switch {
	case errors.Is(err, errNoRefreshToken):
		log.Info("signing out without a refresh token: Cognito session only")
	case err != nil:
		log.Warn("signing out without revoking: unreadable body", slog.String("detail", err.Error()))
	default:
		rctx, cancel := context.WithTimeout(ctx, RevokeBudget)
		_, err := s.withCredentials(rctx, log, creds, func(c secret.Value) error {
			return s.cognito.Revoke(rctx, c.ClientID, c.ClientSecret, rt)
		})
		cancel()
		if err != nil {
			log.Warn("token revocation failed; signing out anyway", slog.String("detail", err.Error()))
		} else {
			log.Info("refresh token revoked")
		}
	}

	resp := apigw.Redirect(s.cognito.LogoutURL(creds.ClientID, apigw.SiblingURL(callbackURL, signedOutLink)))
	resp.StatusCode = http.StatusSeeOther // the browser follows with GET
	// Cleared only here, once the post passed checkPost: a refused
	// cross-site post must not sign the user out either.
	for _, h := range clearSession(req) {
		apigw.AddHeader(&resp, h.Name, h.Value)
	}
	return resp, nil
}

// SignedOut serves GET /signed-out, where Cognito's /logout returns the
// browser (the app client's LogoutURLs list it): a page with a link to sign
// in again, or a JSON message.
func (s *Server) SignedOut(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return s.serve(ctx, req, s.signedOut)
}

func (s *Server) signedOut(_ context.Context, log *slog.Logger, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	signedOut := apigw.JSON(http.StatusOK, map[string]string{"message": "Signed out."})
	if !apigw.WantsHTML(req) {
		return signedOut, nil
	}
	body, err := page.RenderSignedOut(loginLink)
	if err != nil {
		log.Error("render signed-out page", slog.String("detail", err.Error()))
		return signedOut, nil
	}
	return apigw.HTML(http.StatusOK, body, page.CSP), nil
}
