package cognito

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// Refresh trades a refresh token for new tokens at /oauth2/token
// (grant_type=refresh_token, client_secret_basic). Cognito answers with new
// ID and access tokens; the returned token carries the refresh token Cognito
// sent, or the one given when it sent none (no rotation). A revoked, expired
// or unknown refresh token wraps ErrInvalidGrant. Like Exchange, it does
// not send on a connection idle for longer than MaxIdleReuse.
func (c *Client) Refresh(ctx context.Context, clientID, clientSecret, refreshToken string) (*oauth2.Token, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, c.http)
	c.freshIfIdle()
	tok, err := c.config(clientID, clientSecret, "").TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
	c.done()
	if err != nil {
		return nil, fmt.Errorf("refresh tokens: %w", classify(ctx, err, grantRefresh))
	}
	if tok.RefreshToken == "" {
		tok.RefreshToken = refreshToken
	}
	return c.dated(tok), nil
}

// maxErrorBody bounds what is read of an error answer from /oauth2/revoke.
const maxErrorBody = 64 << 10

// Revoke revokes a refresh token, and the access tokens issued from it, at
// /oauth2/revoke (RFC 7009) with client_secret_basic. The app client needs
// token revocation enabled. Errors wrap ErrInvalidClient, ErrRejected,
// ErrUnavailable or ErrTimeout.
//
// Written here because golang.org/x/oauth2 has no revocation call; it is
// one form POST. Like Exchange, it does not send on a connection idle for
// longer than MaxIdleReuse.
func (c *Client) Revoke(ctx context.Context, clientID, clientSecret, refreshToken string) error {
	form := url.Values{"token": {refreshToken}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.domain+"/oauth2/revoke", strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// RFC 6749 §2.3.1: the credentials are form-encoded before Basic auth,
	// as x/oauth2 does for the token endpoint.
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(clientSecret))
	c.freshIfIdle()
	// Deferred first, so it runs after the body is closed and the
	// connection is back in the pool.
	defer c.done()
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("revoke token: %w", classify(ctx, err, grantRefresh))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	re := &oauth2.RetrieveError{Response: resp, Body: body}
	var e struct {
		Error string `json:"error"`
	}
	if jsonErr := json.Unmarshal(body, &e); jsonErr == nil {
		re.ErrorCode = e.Error
	}
	return fmt.Errorf("revoke token: %w", classify(ctx, re, grantRefresh))
}
