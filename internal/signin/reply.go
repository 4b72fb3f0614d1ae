package signin

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/cognito"
	"golang.org/x/oauth2"
)

// tokenBody is the JSON body of a successful callback or refresh.
type tokenBody struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
}

// Format prints the body redacted for every verb: it holds the tokens.
func (tokenBody) Format(f fmt.State, _ rune) { fmt.Fprint(f, "signin.tokenBody{REDACTED}") }

// LogValue redacts the body for log/slog.
func (tokenBody) LogValue() slog.Value { return slog.StringValue("signin.tokenBody{REDACTED}") }

// verified is what a successful exchange or refresh hands to reply.
type verified struct {
	token   *oauth2.Token
	idToken string
	claims  *cognito.IDClaims
}

// Format prints the value redacted for every verb: it holds the tokens.
func (verified) Format(f fmt.State, _ rune) { fmt.Fprint(f, "signin.verified{REDACTED}") }

// LogValue redacts the value for log/slog.
func (verified) LogValue() slog.Value { return slog.StringValue("signin.verified{REDACTED}") }

// verify checks the ID token in tok (nonce may be empty: after a refresh
// Cognito sends none).
func (s *Server) verify(ctx context.Context, clientID string, tok *oauth2.Token, nonce string) (verified, error) {
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return verified{}, fmt.Errorf("%w: token response has no id_token (is openid in the scopes?)", cognito.ErrInvalidToken)
	}
	claims, err := s.cognito.VerifyIDToken(ctx, clientID, rawID, tok.AccessToken, nonce)
	if err != nil {
		return verified{}, err
	}
	return verified{token: tok, idToken: rawID, claims: claims}, nil
}

// tokenJSON is the 200 answer of the callback and of /refresh with a
// refresh token in the body: the tokens as JSON, the refresh token
// included (the caller holds it, not a session).
func (s *Server) tokenJSON(r verified) events.APIGatewayProxyResponse {
	tok := r.token
	expiresIn := tok.ExpiresIn
	if expiresIn <= 0 && !tok.Expiry.IsZero() {
		expiresIn = int64(tok.Expiry.Sub(s.now()).Seconds())
	}
	return apigw.JSON(200, tokenBody{
		AccessToken: tok.AccessToken, IDToken: r.idToken, RefreshToken: tok.RefreshToken,
		TokenType: tok.Type(), ExpiresIn: expiresIn,
	})
}

// origin returns scheme://host[:port] of u, or "" when u does not parse.
func origin(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || p.Host == "" {
		return ""
	}
	return p.Scheme + "://" + p.Host
}
