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
	"github.com/example/cognito-sam-go/internal/tokenreply"
	"golang.org/x/oauth2"
)

// MaxCodeLen is the longest authorization code accepted, in bytes. Cognito's
// codes are UUIDs; anything near this is an attack or a broken client.
const MaxCodeLen = 1024

// SecretSource provides the app client's credentials and can re-read them
// when Cognito rejects them (secret.Cache).
type SecretSource = tokenreply.SecretSource

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
	// 1. Cognito sent an error instead of a code: 400, or 502 when Cognito
	// says it failed itself.
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

	ctx, cancel := tokenreply.Budget(ctx, h.now)
	defer cancel()

	// 3. Exchange the code, once (again only after invalid_client with a
	// changed secret).
	var tok *oauth2.Token
	creds, err := tokenreply.WithCredentials(ctx, h.secrets, log, func(c secret.Value) error {
		var err error
		tok, err = h.cognito.Exchange(ctx, c.ClientID, c.ClientSecret, redirectURI, code, st.Verifier)
		return err
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, tokenreply.CognitoError(err, errInvalidGrant)
	}

	// 4. Verify the ID token.
	rawID, claims, err := tokenreply.Verify(ctx, h.cognito, creds.ClientID, tok, st.Nonce)
	if err != nil {
		return events.APIGatewayProxyResponse{}, tokenreply.CognitoError(err, errInvalidGrant)
	}

	// 5. Hand the tokens back.
	log.Info("signed in", slog.String("sub", claims.Subject))
	return tokenreply.Response(req, tokenreply.Reply{
		Token: tok, IDToken: rawID, Claims: claims, CallbackURL: redirectURI,
		Domain: h.cfg.CognitoDomain, Now: h.now(),
	})
}

// errInvalidGrant is the answer when Cognito rejects the code.
var errInvalidGrant = &apigw.Error{Kind: apigw.KindBadRequest, Code: "invalid_grant",
	Message: "This sign-in code has expired or was already used. Please sign in again."}

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
		return logincookie.State{}, apigw.Unavailable(err)
	}
	sealer, err := h.sealers.For(creds.CookieKey)
	if err != nil {
		return logincookie.State{}, apigw.Unavailable(fmt.Errorf("%w: cookie key: %w", secret.ErrUnavailable, err))
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
	// Cognito failing is 502 (contract); the other codes are the flow's.
	kind := apigw.KindBadRequest
	if code == "server_error" || code == "temporarily_unavailable" {
		kind = apigw.KindUpstream
	}
	return apigw.Errorf(kind, code, msg+" You can sign in again.", "cognito returned error %s", logged)
}
