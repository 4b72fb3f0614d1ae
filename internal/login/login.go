// Package login is the GET /login handler: it starts a sign-in by sending
// the browser to Cognito's /oauth2/authorize with a fresh state, nonce and
// PKCE verifier, remembered in a sealed cookie for the callback.
package login

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/logincookie"
	"github.com/example/cognito-sam-go/internal/page"
	"github.com/example/cognito-sam-go/internal/secret"
	"golang.org/x/oauth2"
)

// SecretSource provides the app client's credentials (secret.Cache).
type SecretSource interface {
	Get(ctx context.Context) (secret.Value, error)
}

var _ SecretSource = (*secret.Cache)(nil)

// Handler serves GET /login. Build it once per execution environment.
type Handler struct {
	cfg     *config.Config
	secrets SecretSource
	cognito *cognito.Client
	log     *slog.Logger
	now     func() time.Time
	sealers logincookie.Sealers
}

// New returns a login Handler. now may be nil (time.Now).
func New(cfg *config.Config, secrets SecretSource, client *cognito.Client, log *slog.Logger, now func() time.Time) *Handler {
	if now == nil {
		now = time.Now
	}
	return &Handler{cfg: cfg, secrets: secrets, cognito: client, log: log, now: now}
}

// Handle answers 302 to Cognito's authorize endpoint with the sealed login
// cookie set, or an error response (503 when the secret cannot be read).
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	log := apigw.RequestLogger(ctx, h.log, req)
	resp, err := h.handle(ctx, req)
	if err != nil {
		return apigw.ErrorResponse(ctx, log, req, err, page.Error("login")), nil
	}
	log.Info("redirecting to cognito")
	return resp, nil
}

func (h *Handler) handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	redirectURI, err := apigw.CallbackURL(req, h.cfg.RedirectURI, "callback")
	if err != nil {
		return events.APIGatewayProxyResponse{}, apigw.Errorf(apigw.KindInternal, "server_error",
			"This deployment cannot work out its callback URL.", "derive redirect URI: %w", err)
	}
	creds, err := h.secrets.Get(ctx)
	if err != nil {
		return events.APIGatewayProxyResponse{}, apigw.Unavailable(err)
	}
	sealer, err := h.sealers.For(creds.CookieKey)
	if err != nil {
		return events.APIGatewayProxyResponse{}, apigw.Unavailable(fmt.Errorf("%w: cookie key: %w", secret.ErrUnavailable, err))
	}
	st := logincookie.State{
		State:    randomString(),
		Nonce:    randomString(),
		Verifier: oauth2.GenerateVerifier(),
		Created:  h.now().UTC(),
	}
	value, err := sealer.Seal(st)
	if err != nil {
		return events.APIGatewayProxyResponse{}, fmt.Errorf("seal login cookie: %w", err)
	}
	resp := apigw.Redirect(h.cognito.AuthCodeURL(creds.ClientID, redirectURI, st.State, st.Nonce, st.Verifier))
	apigw.AddHeader(&resp, "Set-Cookie", logincookie.SetCookie(value))
	return resp, nil
}

// randomString returns 256 random bits, base64url-encoded (state, nonce).
func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}
