// Package refresh is the POST /refresh handler: it trades a refresh token
// for new ID and access tokens at Cognito's token endpoint, verifies the new
// ID token like the callback does (without nonce: Cognito sends none after a
// refresh), and answers with the callback's JSON shape and headers.
//
// The refresh token is the credential, so the route has no authorizer. It
// is read from the body only, never from a cookie, and browsers' cross-site
// posts are refused, so another site cannot make a user's browser refresh.
// A revoked or expired refresh token is a 401 that tells the user to sign
// in again: never a redirect loop, never a 5xx.
package refresh

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/page"
	"github.com/example/cognito-sam-go/internal/secret"
	"github.com/example/cognito-sam-go/internal/tokenreply"
	"golang.org/x/oauth2"
)

// Handler serves POST /refresh. Build it once per execution environment.
type Handler struct {
	cfg     *config.Config
	secrets tokenreply.SecretSource
	cognito *cognito.Client
	log     *slog.Logger
	now     func() time.Time
}

// New returns a refresh Handler. now may be nil (time.Now).
func New(cfg *config.Config, secrets tokenreply.SecretSource, client *cognito.Client, log *slog.Logger, now func() time.Time) *Handler {
	if now == nil {
		now = time.Now
	}
	return &Handler{cfg: cfg, secrets: secrets, cognito: client, log: log, now: now}
}

// errSignInAgain is the answer when Cognito refuses the refresh token.
var errSignInAgain = &apigw.Error{Kind: apigw.KindUnauthorized, Code: "invalid_grant",
	Message: "Your session has expired or was signed out. Please sign in again."}

// Handle answers 200 with new tokens, or an error response.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	log := apigw.RequestLogger(ctx, h.log, req)
	resp, err := h.handle(ctx, log, req)
	if err != nil {
		return apigw.ErrorResponse(ctx, log, req, err, page.Error("login")), nil
	}
	return resp, nil
}

func (h *Handler) handle(ctx context.Context, log *slog.Logger, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	callbackURL, err := tokenreply.CheckPost(req, h.cfg.RedirectURI)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	rt, err := tokenreply.ReadRefreshToken(req)
	if err != nil {
		msg := "Send the refresh token as {\"refresh_token\": \"...\"} (application/json) or refresh_token=... (a form)."
		if !errors.Is(err, tokenreply.ErrNoRefreshToken) {
			msg = "The request is malformed: " + err.Error() + "."
		}
		return events.APIGatewayProxyResponse{}, apigw.Errorf(apigw.KindBadRequest, "invalid_request", msg, "read refresh token: %w", err)
	}

	ctx, cancel := tokenreply.Budget(ctx, h.now)
	defer cancel()
	var tok *oauth2.Token
	creds, err := tokenreply.WithCredentials(ctx, h.secrets, log, func(c secret.Value) error {
		var err error
		tok, err = h.cognito.Refresh(ctx, c.ClientID, c.ClientSecret, rt)
		return err
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, tokenreply.CognitoError(err, errSignInAgain)
	}
	rawID, claims, err := tokenreply.Verify(ctx, h.cognito, creds.ClientID, tok, "")
	if err != nil {
		return events.APIGatewayProxyResponse{}, tokenreply.CognitoError(err, errSignInAgain)
	}
	log.Info("tokens refreshed", slog.String("sub", claims.Subject))
	return tokenreply.Response(req, tokenreply.Reply{
		Token: tok, IDToken: rawID, Claims: claims, CallbackURL: callbackURL,
		Domain: h.cfg.CognitoDomain, Refreshed: true, Now: h.now(),
	})
}
