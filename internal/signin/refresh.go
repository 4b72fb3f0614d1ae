package signin

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/secret"
	"golang.org/x/oauth2"
)

// Refresh serves POST /refresh: it trades the refresh token in the body for
// new ID and access tokens, verifies the new ID token like the callback
// does (without nonce: Cognito sends none after a refresh), and answers
// with the callback's JSON shape and headers.
//
// The refresh token is the credential, so the route has no authorizer. It
// is read from the body only, never from a cookie, and browsers' cross-site
// posts are refused, so another site cannot make a user's browser refresh.
// A revoked or expired refresh token is a 401 that tells the user to sign
// in again: never a redirect loop, never a 5xx.
func (s *Server) Refresh(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return s.serve(ctx, req, s.refresh)
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
	if err != nil {
		return events.APIGatewayProxyResponse{}, refreshTokenError(err)
	}

	ctx, cancel := budget(ctx, s.now)
	defer cancel()
	creds, err := s.credentials(ctx)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	var tok *oauth2.Token
	creds, err = s.withCredentials(ctx, log, creds, func(c secret.Value) error {
		var err error
		tok, err = s.cognito.Refresh(ctx, c.ClientID, c.ClientSecret, rt)
		return err
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, tokenError(err, errSignInAgain)
	}
	r, err := s.verify(ctx, creds.ClientID, tok, "")
	if err != nil {
		return events.APIGatewayProxyResponse{}, tokenError(err, errSignInAgain)
	}
	log.Info("tokens refreshed", slog.String("sub", r.claims.Subject))
	r.callbackURL, r.refreshed = callbackURL, true
	return s.reply(req, r)
}
