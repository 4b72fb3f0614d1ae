// Package tokenreply is what the callback and refresh handlers share once
// they talk to Cognito's token endpoint: calling it with the client's
// credentials and retrying once with fresh ones when Cognito rejects them,
// sorting Cognito's failures into the contract's status codes, and handing
// the tokens back as JSON or as the signed-in page.
package tokenreply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/page"
	"github.com/example/cognito-sam-go/internal/secret"
	"golang.org/x/oauth2"
)

// SecretSource provides the app client's credentials and re-reads them when
// Cognito rejects them (secret.Cache).
type SecretSource interface {
	Get(ctx context.Context) (secret.Value, error)
	Refresh(ctx context.Context, stale secret.Value) (secret.Value, error)
}

var _ SecretSource = (*secret.Cache)(nil)

// WithCredentials calls call with the client's credentials. If Cognito
// answers invalid_client (client authentication fails before Cognito looks
// at the grant, so the grant may be sent again), it re-reads the secret
// and, only if the credentials changed, calls once more. It returns the
// credentials last used.
func WithCredentials(ctx context.Context, src SecretSource, log *slog.Logger, call func(secret.Value) error) (secret.Value, error) {
	creds, err := src.Get(ctx)
	if err != nil {
		return creds, apigw.Unavailable(err)
	}
	err = call(creds)
	if !errors.Is(err, cognito.ErrInvalidClient) {
		return creds, err
	}
	fresh, rerr := src.Refresh(ctx, creds)
	switch {
	case rerr != nil:
		log.Warn("re-reading the client secret failed", slog.String("detail", rerr.Error()))
		return creds, err
	case fresh.ClientID == creds.ClientID && fresh.ClientSecret == creds.ClientSecret:
		return creds, err
	}
	log.Info("client secret changed; retrying once")
	return fresh, call(fresh)
}

// CognitoError maps an error of package cognito to the response error:
// ErrInvalidGrant becomes onInvalidGrant (the caller knows what the user
// must do), a timeout 504, anything else (invalid_client after the retry,
// other OAuth errors, 5xx, a bad ID token) 502.
func CognitoError(err error, onInvalidGrant *apigw.Error) error {
	var e *apigw.Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, cognito.ErrInvalidGrant):
		out := *onInvalidGrant
		out.Err = err
		return &out
	case errors.Is(err, cognito.ErrTimeout):
		return &apigw.Error{Kind: apigw.KindTimeout, Code: "gateway_timeout",
			Message: "Cognito did not answer in time. Please try again.", Err: err}
	case errors.Is(err, cognito.ErrInvalidToken):
		return &apigw.Error{Kind: apigw.KindUpstream, Code: "invalid_token",
			Message: "Cognito's answer could not be verified. Please sign in again.", Err: err}
	default:
		return &apigw.Error{Kind: apigw.KindUpstream, Code: "bad_gateway",
			Message: "Cognito could not complete the request. Please try again.", Err: err}
	}
}

// Body is the JSON body of a successful callback or refresh.
type Body struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
}

// Verify checks the ID token in tok (nonce may be empty: after a refresh
// Cognito sends none) and returns it with its claims.
func Verify(ctx context.Context, c *cognito.Client, clientID string, tok *oauth2.Token, nonce string) (string, *cognito.IDClaims, error) {
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return "", nil, fmt.Errorf("%w: token response has no id_token (is openid in the scopes?)", cognito.ErrInvalidToken)
	}
	claims, err := c.VerifyIDToken(ctx, clientID, rawID, tok.AccessToken, nonce)
	return rawID, claims, err
}

// Reply describes the answer to send with new tokens.
type Reply struct {
	Token       *oauth2.Token
	IDToken     string
	Claims      *cognito.IDClaims
	CallbackURL string // this deployment's callback URL, for sibling routes
	Domain      string // the Cognito domain (its origin may end a sign-out form post)
	Refreshed   bool
	Now         time.Time
}

// Response is the 200 answer: JSON for API clients, the signed-in page (with
// refresh and sign-out forms) for browsers. The caller adds any cookies.
func Response(req events.APIGatewayProxyRequest, r Reply) (events.APIGatewayProxyResponse, error) {
	tok := r.Token
	expiresIn := tok.ExpiresIn
	if expiresIn <= 0 && !tok.Expiry.IsZero() {
		expiresIn = int64(tok.Expiry.Sub(r.Now).Seconds())
	}
	if !apigw.WantsHTML(req) {
		return apigw.JSON(200, Body{
			AccessToken: tok.AccessToken, IDToken: r.IDToken, RefreshToken: tok.RefreshToken,
			TokenType: tok.Type(), ExpiresIn: expiresIn,
		}), nil
	}
	expiry := tok.Expiry
	if expiry.IsZero() {
		expiry = r.Now.Add(time.Duration(expiresIn) * time.Second)
	}
	body, err := page.RenderSignedIn(page.SignedIn{
		Email: r.Claims.Email, Username: r.Claims.Username, Subject: r.Claims.Subject, Expiry: expiry,
		AccessToken: tok.AccessToken, IDToken: r.IDToken, RefreshToken: tok.RefreshToken,
		HelloURL: apigw.SiblingURL(r.CallbackURL, "hello"), LoginURL: "login",
		RefreshURL: "refresh", LogoutURL: "logout", Refreshed: r.Refreshed,
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, fmt.Errorf("render signed-in page: %w", err)
	}
	return apigw.HTML(200, body, page.CSPWithFormTargets(Origin(r.Domain))), nil
}

// Origin returns scheme://host[:port] of u, or "" when u does not parse.
func Origin(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || p.Host == "" {
		return ""
	}
	return p.Scheme + "://" + p.Host
}

// Time budget for the work after a request arrives.
const (
	// DefaultBudget applies when the context has no deadline.
	DefaultBudget = 10 * time.Second
	// MaxBudget stays well under API Gateway's 29 s integration timeout.
	MaxBudget = 25 * time.Second
	// reserve is kept back from the Lambda deadline to write the response.
	reserve = 500 * time.Millisecond
)

// Budget bounds the remaining work by the Lambda deadline (less a
// reserve to answer) and by MaxBudget.
func Budget(ctx context.Context, now func() time.Time) (context.Context, context.CancelFunc) {
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

// MaxRefreshTokenLen bounds the refresh token accepted in a request, in
// bytes (Cognito's are encrypted JWTs of about 1.8 KB).
const MaxRefreshTokenLen = 8 << 10

// ErrNoRefreshToken is returned by ReadRefreshToken for a body without one.
var ErrNoRefreshToken = errors.New("no refresh_token in the body")

// ReadRefreshToken reads refresh_token from a JSON body
// ({"refresh_token": "..."}) or a form body (refresh_token=...), by
// Content-Type. The error says what is wrong, never the token.
func ReadRefreshToken(req events.APIGatewayProxyRequest) (string, error) {
	body, err := apigw.Body(req)
	if err != nil {
		return "", err
	}
	ct, _, _ := mime.ParseMediaType(apigw.HeaderValue(req, "Content-Type"))
	var tok string
	switch ct {
	case "application/json":
		var v struct {
			RefreshToken *string `json:"refresh_token"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			return "", errors.New(`body is not a JSON object like {"refresh_token": "..."}`)
		}
		if v.RefreshToken != nil {
			tok = *v.RefreshToken
		}
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return "", errors.New("body is not a valid form")
		}
		if len(form["refresh_token"]) > 1 {
			return "", errors.New("refresh_token given more than once")
		}
		tok = form.Get("refresh_token")
	case "":
		if len(body) == 0 {
			return "", ErrNoRefreshToken
		}
		return "", errors.New("Content-Type missing: send application/json or application/x-www-form-urlencoded")
	default:
		return "", fmt.Errorf("Content-Type %.60q not supported: send application/json or application/x-www-form-urlencoded", ct)
	}
	switch {
	case tok == "":
		return "", ErrNoRefreshToken
	case len(tok) > MaxRefreshTokenLen:
		return "", fmt.Errorf("refresh_token is %d bytes, over %d", len(tok), MaxRefreshTokenLen)
	case strings.ContainsAny(tok, " \t\r\n\x00"):
		return "", errors.New("refresh_token has whitespace or control characters")
	}
	return tok, nil
}

// CheckPost is the prologue of the state-changing routes (/refresh,
// /logout): it derives this deployment's callback URL (override is
// REDIRECT_URI) and refuses a browser's cross-site post with 403.
func CheckPost(req events.APIGatewayProxyRequest, override string) (callbackURL string, err error) {
	callbackURL, err = apigw.CallbackURL(req, override, "callback")
	if err != nil {
		return "", apigw.Errorf(apigw.KindInternal, "server_error",
			"This deployment cannot work out its own URL.", "derive callback URL: %w", err)
	}
	if err := apigw.CheckSameOrigin(req, Origin(callbackURL)); err != nil {
		return "", apigw.Errorf(apigw.KindForbidden, "cross_site_request",
			"This request came from another site and was refused.", "%w", err)
	}
	return callbackURL, nil
}
