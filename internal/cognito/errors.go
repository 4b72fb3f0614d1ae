package cognito

import (
	"context"
	"errors"
	"fmt"
	"net"

	"golang.org/x/oauth2"
)

// Errors a caller must tell apart. Every error of Exchange and VerifyIDToken
// wraps exactly one of them.
var (
	// ErrInvalidClient: Cognito rejected the client's credentials (the
	// secret was rotated or is wrong). Client authentication fails before
	// the code is looked at, so the code may be sent once more with fresh
	// credentials.
	ErrInvalidClient = errors.New("cognito rejected the client credentials")
	// ErrInvalidGrant: Cognito answered invalid_grant. For Exchange, the
	// authorization code is unknown, used, expired, or was issued for
	// another redirect URI or PKCE verifier; for Refresh, the refresh token
	// is unknown, expired or revoked. Either way the user must sign in
	// again. The error's text names the grant that was refused.
	ErrInvalidGrant = errors.New("cognito rejected the grant")
	// ErrRejected: Cognito answered the token request with another OAuth
	// error (invalid_request, unauthorized_client, ...): a configuration
	// problem on our side.
	ErrRejected = errors.New("cognito rejected the token request")
	// ErrUnavailable: Cognito could not be reached or answered with a server
	// error or an unreadable response.
	ErrUnavailable = errors.New("cognito unavailable")
	// ErrTimeout: the deadline passed while talking to Cognito.
	ErrTimeout = errors.New("timed out talking to cognito")
	// ErrInvalidToken: the ID token failed verification.
	ErrInvalidToken = errors.New("invalid ID token")
)

// What a token request sent, named in an ErrInvalidGrant's text.
const (
	grantCode    = "authorization code"
	grantRefresh = "refresh token"
)

// classify wraps a token-endpoint error with the sentinel it belongs to;
// grant (grantCode, grantRefresh) says what Cognito refused when it answers
// invalid_grant. The wrapped detail (OAuth error code, status) is for the
// log; it never contains the code or a token.
func classify(ctx context.Context, err error, grant string) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		switch {
		case re.ErrorCode == "invalid_client":
			return fmt.Errorf("%w (HTTP %d)", ErrInvalidClient, status)
		case re.ErrorCode == "invalid_grant":
			return fmt.Errorf("%w (%s, HTTP %d)", ErrInvalidGrant, grant, status)
		case status >= 500 || re.ErrorCode == "":
			return fmt.Errorf("%w: HTTP %d", ErrUnavailable, status)
		default:
			return fmt.Errorf("%w: %s (HTTP %d)", ErrRejected, re.ErrorCode, status)
		}
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil || (errors.As(err, &ne) && ne.Timeout()) {
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}
