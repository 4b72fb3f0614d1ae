// Package logout signs a user out: POST /logout revokes the refresh token it
// is given (and with it the access tokens issued from it) at Cognito's
// /oauth2/revoke, then sends the browser to Cognito's /logout so that
// Cognito's own sign-in session ends too, and Cognito sends the browser on
// to GET /signed-out, a page of this app.
//
// Sign-out always completes: without a refresh token it ends Cognito's
// session only, and when revocation fails it still signs out (and logs why).
// Cross-site posts are refused, so another site cannot sign a user out.
package logout

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/page"
	"github.com/example/cognito-sam-go/internal/secret"
	"github.com/example/cognito-sam-go/internal/tokenreply"
)

// RevokeBudget bounds the revocation call, so that a slow Cognito delays the
// sign-out only this long.
const RevokeBudget = 5 * time.Second

// SignedOutPath is the route Cognito returns the browser to; the app
// client's LogoutURLs must list it.
const SignedOutPath = "signed-out"

// Handler serves POST /logout and GET /signed-out. Build it once per
// execution environment.
type Handler struct {
	cfg     *config.Config
	secrets tokenreply.SecretSource
	cognito *cognito.Client
	log     *slog.Logger
	now     func() time.Time
}

// New returns a logout Handler. now may be nil (time.Now).
func New(cfg *config.Config, secrets tokenreply.SecretSource, client *cognito.Client, log *slog.Logger, now func() time.Time) *Handler {
	if now == nil {
		now = time.Now
	}
	return &Handler{cfg: cfg, secrets: secrets, cognito: client, log: log, now: now}
}

// Handle dispatches on the route: GET /signed-out shows the signed-out
// page; anything else is the sign-out itself.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	log := apigw.RequestLogger(ctx, h.log, req)
	if req.HTTPMethod == http.MethodGet {
		return h.signedOut(ctx, log, req), nil
	}
	resp, err := h.logout(ctx, log, req)
	if err != nil {
		return apigw.ErrorResponse(ctx, log, req, err, page.Error("login")), nil
	}
	return resp, nil
}

func (h *Handler) logout(ctx context.Context, log *slog.Logger, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	callbackURL, err := tokenreply.CheckPost(req, h.cfg.RedirectURI)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	creds, err := h.secrets.Get(ctx)
	if err != nil {
		return events.APIGatewayProxyResponse{}, apigw.Unavailable(err)
	}

	rt, err := tokenreply.ReadRefreshToken(req)
	switch {
	case errors.Is(err, tokenreply.ErrNoRefreshToken):
		log.Info("signing out without a refresh token: Cognito session only")
	case err != nil:
		log.Warn("signing out without revoking: unreadable body", slog.String("detail", err.Error()))
	default:
		rctx, cancel := context.WithTimeout(ctx, RevokeBudget)
		_, err := tokenreply.WithCredentials(rctx, h.secrets, log, func(c secret.Value) error {
			return h.cognito.Revoke(rctx, c.ClientID, c.ClientSecret, rt)
		})
		cancel()
		if err != nil {
			log.Warn("token revocation failed; signing out anyway", slog.String("detail", err.Error()))
		} else {
			log.Info("refresh token revoked")
		}
	}

	q := url.Values{"client_id": {creds.ClientID}, "logout_uri": {apigw.SiblingURL(callbackURL, SignedOutPath)}}
	resp := apigw.Redirect(h.cfg.CognitoDomain + "/logout?" + q.Encode())
	resp.StatusCode = http.StatusSeeOther // the browser follows with GET
	return resp, nil
}

func (h *Handler) signedOut(ctx context.Context, log *slog.Logger, req events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	if !apigw.WantsHTML(req) {
		return apigw.JSON(http.StatusOK, map[string]string{"message": "Signed out."})
	}
	body, err := page.RenderSignedOut("login")
	if err != nil {
		log.Error("render signed-out page", slog.String("detail", err.Error()))
		return apigw.JSON(http.StatusOK, map[string]string{"message": "Signed out."})
	}
	return apigw.HTML(http.StatusOK, body, page.CSP)
}
