// Package callback is the GET /callback handler: it finishes a sign-in by
// checking the browser's login cookie and state, exchanging the code at
// Cognito's token endpoint once, verifying the ID token, and handing the
// tokens back as JSON or as an HTML page.
//
// The checks run in the runtime contract's order, and the token endpoint is
// never called unless the cookie opens and the state matches.
package callback

import (
	"context"
	"crypto/subtle"
	"errors"
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

// MaxCodeLen is the longest authorization code accepted, in bytes. Cognito's
// codes are UUIDs; anything near this is an attack or a broken client.
const MaxCodeLen = 1024

// Time budget for the work after the request arrives.
const (
	// DefaultBudget applies when the context has no deadline.
	DefaultBudget = 10 * time.Second
	// MaxBudget stays well under API Gateway's 29 s integration timeout.
	MaxBudget = 25 * time.Second
	// reserve is kept back from the Lambda deadline to write the response.
	reserve = 500 * time.Millisecond
)

// SecretSource provides the app client's credentials and can re-read them
// when Cognito rejects them (secret.Cache).
type SecretSource interface {
	Get(ctx context.Context) (secret.Value, error)
	Refresh(ctx context.Context, stale secret.Value) (secret.Value, error)
}

var _ SecretSource = (*secret.Cache)(nil)

// Handler serves GET /callback. Build it once per execution environment.
type Handler struct {
	cfg     *config.Config
	secrets SecretSource
	cognito *cognito.Client
	log     *slog.Logger
	now     func() time.Time
	sealers logincookie.Sealers
}

// New returns a callback Handler. now may be nil (time.Now).
func New(cfg *config.Config, secrets SecretSource, client *cognito.Client, log *slog.Logger, now func() time.Time) *Handler {
	if now == nil {
		now = time.Now
	}
	return &Handler{cfg: cfg, secrets: secrets, cognito: client, log: log, now: now}
}

// TokenResponse is the JSON body of a successful callback.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
}

// Handle answers every request with a response and a nil error; the login
// cookie is cleared on every answer, since a sign-in attempt is single-use.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	log := apigw.RequestLogger(ctx, h.log, req)
	clear := apigw.Header{Name: "Set-Cookie", Value: logincookie.ClearCookie()}
	resp, err := h.handle(ctx, log, req)
	if err != nil {
		return apigw.ErrorResponse(ctx, log, req, err, page.Error("login"), clear), nil
	}
	apigw.AddHeader(&resp, clear.Name, clear.Value)
	return resp, nil
}

func (h *Handler) handle(ctx context.Context, log *slog.Logger, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	// 1. Cognito sent an error instead of a code.
	if e, _ := apigw.QueryValue(req, "error"); e != "" || len(req.MultiValueQueryStringParameters["error"]) > 0 {
		return events.APIGatewayProxyResponse{}, cognitoError(e)
	}

	// 2. The sign-in attempt must be this browser's own.
	st, err := h.checkRequest(ctx, req)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	code, _ := apigw.QueryValue(req, "code")
	redirectURI, err := apigw.CallbackURL(req, h.cfg.RedirectURI, "callback")
	if err != nil {
		return events.APIGatewayProxyResponse{}, apigw.Errorf(apigw.KindInternal, "server_error",
			"This deployment cannot work out its callback URL.", "derive redirect URI: %w", err)
	}

	ctx, cancel := withBudget(ctx, h.now)
	defer cancel()

	// 3. Exchange the code, once.
	tok, creds, err := h.exchange(ctx, log, redirectURI, code, st.Verifier)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}

	// 4. Verify the ID token.
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return events.APIGatewayProxyResponse{}, apigw.Errorf(apigw.KindUpstream, "invalid_token",
			"Cognito's answer could not be verified. Please sign in again.", "token response has no id_token (is openid in the scopes?)")
	}
	claims, err := h.cognito.VerifyIDToken(ctx, creds.ClientID, rawID, tok.AccessToken, st.Nonce)
	if err != nil {
		if cognito.IsTimeout(err) {
			return events.APIGatewayProxyResponse{}, timeoutError(err)
		}
		return events.APIGatewayProxyResponse{}, apigw.Errorf(apigw.KindUpstream, "invalid_token",
			"Cognito's answer could not be verified. Please sign in again.", "%w", err)
	}

	// 5. Hand the tokens back.
	log.Info("signed in", slog.String("sub", claims.Subject))
	expiresIn := tok.ExpiresIn
	if expiresIn <= 0 && !tok.Expiry.IsZero() {
		expiresIn = int64(tok.Expiry.Sub(h.now()).Seconds())
	}
	if !apigw.WantsHTML(req) {
		return apigw.JSON(200, TokenResponse{
			AccessToken: tok.AccessToken, IDToken: rawID, RefreshToken: tok.RefreshToken,
			TokenType: tok.Type(), ExpiresIn: expiresIn,
		}), nil
	}
	expiry := tok.Expiry
	if expiry.IsZero() {
		expiry = h.now().Add(time.Duration(expiresIn) * time.Second)
	}
	body, err := page.RenderSignedIn(page.SignedIn{
		Email: claims.Email, Username: claims.Username, Subject: claims.Subject, Expiry: expiry,
		AccessToken: tok.AccessToken, IDToken: rawID,
		HelloURL: apigw.SiblingURL(redirectURI, "hello"), LoginURL: "login",
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, fmt.Errorf("render signed-in page: %w", err)
	}
	return apigw.HTML(200, body, page.CSP), nil
}

// checkRequest runs the contract's step 2: the login cookie opens, the code
// is present and of sane size, and state matches. Nothing here reaches
// Cognito.
func (h *Handler) checkRequest(ctx context.Context, req events.APIGatewayProxyRequest) (logincookie.State, error) {
	restart := "This sign-in link is not valid for this browser any more. Please sign in again."
	code, err := apigw.QueryValue(req, "code")
	if err != nil {
		return logincookie.State{}, apigw.Errorf(apigw.KindBadRequest, "invalid_request", "The sign-in response is malformed. Please sign in again.", "code: %w", err)
	}
	if code == "" {
		return logincookie.State{}, apigw.Errorf(apigw.KindBadRequest, "invalid_request", "The sign-in response has no code. Please sign in again.", "no code in the query")
	}
	if len(code) > MaxCodeLen {
		return logincookie.State{}, apigw.Errorf(apigw.KindBadRequest, "invalid_request", "The sign-in response is malformed. Please sign in again.", "code is %d bytes, over %d", len(code), MaxCodeLen)
	}
	state, err := apigw.QueryValue(req, "state")
	if err != nil || state == "" {
		return logincookie.State{}, apigw.Errorf(apigw.KindBadRequest, "invalid_state", restart, "state missing or repeated")
	}
	value, ok := apigw.Cookie(req, logincookie.Name)
	if !ok || value == "" {
		return logincookie.State{}, apigw.Errorf(apigw.KindBadRequest, "invalid_state",
			"Your sign-in session was not found: it may have expired, or cookies are blocked. Please sign in again.", "no login cookie")
	}
	// The cookie key lives in the secret. Reading it here does not reach
	// Cognito; a failure is 503 like any unavailable secret.
	creds, err := h.secrets.Get(ctx)
	if err != nil {
		return logincookie.State{}, unavailable(err)
	}
	sealer, err := h.sealers.For(creds.CookieKey)
	if err != nil {
		return logincookie.State{}, unavailable(fmt.Errorf("%w: cookie key: %w", secret.ErrUnavailable, err))
	}
	st, err := sealer.Open(value, h.now())
	if err != nil {
		return logincookie.State{}, apigw.Errorf(apigw.KindBadRequest, "invalid_state", restart, "%w", err)
	}
	if subtle.ConstantTimeCompare([]byte(state), []byte(st.State)) != 1 {
		return logincookie.State{}, apigw.Errorf(apigw.KindBadRequest, "invalid_state", restart, "state does not match the login cookie")
	}
	return st, nil
}

// exchange sends the code to the token endpoint. On invalid_client only
// (client authentication fails before Cognito looks at the code) it re-reads
// the secret and, if it changed, sends the code once more.
func (h *Handler) exchange(ctx context.Context, log *slog.Logger, redirectURI, code, verifier string) (*oauth2.Token, secret.Value, error) {
	creds, err := h.secrets.Get(ctx)
	if err != nil {
		return nil, creds, unavailable(err)
	}
	tok, err := h.cognito.Exchange(ctx, creds.ClientID, creds.ClientSecret, redirectURI, code, verifier)
	if errors.Is(err, cognito.ErrInvalidClient) {
		fresh, rerr := h.secrets.Refresh(ctx, creds)
		switch {
		case rerr != nil:
			log.Warn("re-reading the client secret failed", slog.String("detail", rerr.Error()))
		case fresh.ClientID != creds.ClientID || fresh.ClientSecret != creds.ClientSecret:
			log.Info("client secret changed; retrying the exchange once")
			creds = fresh
			tok, err = h.cognito.Exchange(ctx, creds.ClientID, creds.ClientSecret, redirectURI, code, verifier)
		}
	}
	if err != nil {
		return nil, creds, exchangeError(err)
	}
	return tok, creds, nil
}

func exchangeError(err error) error {
	switch {
	case errors.Is(err, cognito.ErrInvalidGrant):
		return &apigw.Error{Kind: apigw.KindBadRequest, Code: "invalid_grant",
			Message: "This sign-in code has expired or was already used. Please sign in again.", Err: err}
	case errors.Is(err, cognito.ErrTimeout):
		return timeoutError(err)
	default: // invalid_client after a retry, other OAuth errors, 5xx
		return &apigw.Error{Kind: apigw.KindUpstream, Code: "bad_gateway",
			Message: "Cognito could not complete the sign-in. Please try again.", Err: err}
	}
}

func timeoutError(err error) error {
	return &apigw.Error{Kind: apigw.KindTimeout, Code: "gateway_timeout",
		Message: "Cognito did not answer in time. Please sign in again.", Err: err}
}

func unavailable(err error) error {
	return &apigw.Error{Kind: apigw.KindUnavailable, Code: "temporarily_unavailable",
		Message: "Sign-in is temporarily unavailable. Please try again in a moment.", Err: err}
}

// cognitoErrors are the error codes /oauth2/authorize may send back, with
// what the user is told. Cognito's error_description is not shown: it is
// attacker-controllable text in a link.
var cognitoErrors = map[string]string{
	"access_denied":             "The sign-in was cancelled or refused.",
	"invalid_request":           "Cognito rejected the sign-in request.",
	"unauthorized_client":       "This app is not allowed to sign in this way. Check the app client's OAuth settings.",
	"unsupported_response_type": "Cognito rejected the sign-in request.",
	"invalid_scope":             "This app asked for scopes its app client does not allow. Check OAUTH_SCOPES and the app client.",
	"server_error":              "Cognito had a problem with the sign-in. Please try again.",
	"temporarily_unavailable":   "Cognito is temporarily unavailable. Please try again in a moment.",
}

func cognitoError(code string) error {
	msg, known := cognitoErrors[code]
	logged := code
	if !known {
		code, msg = "invalid_request", "The sign-in failed at Cognito."
		logged = "unknown (" + fmt.Sprint(len(logged)) + " bytes)"
	}
	return apigw.Errorf(apigw.KindBadRequest, code, msg+" You can sign in again.", "cognito returned error %s", logged)
}

// withBudget bounds the remaining work by the Lambda deadline (less a
// reserve to answer) and by MaxBudget.
func withBudget(ctx context.Context, now func() time.Time) (context.Context, context.CancelFunc) {
	budget := DefaultBudget
	if dl, ok := ctx.Deadline(); ok {
		budget = dl.Sub(now()) - reserve
	}
	budget = min(budget, MaxBudget)
	if budget <= 0 {
		budget = time.Millisecond
	}
	return context.WithTimeout(ctx, budget)
}
