// Package awscreds holds what package signin needs to know of temporary
// AWS credentials for a signed-in user: the type, the errors it tells
// apart, and the interface of their source. The source itself (package
// identitypool) links the identity pool's and SSM's SDK clients; keeping
// these declarations apart from it lets every function but credentials
// leave those clients out of its binary.
package awscreds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Credentials are temporary AWS credentials of one identity.
type Credentials struct {
	IdentityID      string // <region>:<uuid>, the ${cognito-identity.amazonaws.com:sub} of IAM policies
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// Format prints the credentials without the secret key and session token,
// for every fmt verb.
func (c Credentials) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "awscreds.Credentials{IdentityID: %s, REDACTED}", c.IdentityID)
}

// LogValue redacts the credentials for log/slog.
func (c Credentials) LogValue() slog.Value {
	return slog.StringValue("awscreds.Credentials{IdentityID: " + c.IdentityID + ", REDACTED}")
}

// Source turns a user pool ID token into temporary AWS credentials;
// *identitypool.Client is the real one.
type Source interface {
	Credentials(ctx context.Context, idToken string) (Credentials, error)
}

// Errors a caller tells apart. Each is wrapped around the service's error,
// whose text names the exception and never the token.
var (
	// ErrNotAuthorized: the identity pool refused the ID token (expired,
	// another user pool or app client, the user signed out everywhere,
	// which ServerSideTokenCheck catches).
	ErrNotAuthorized = errors.New("identity pool refused the token")
	// ErrPoolUnavailable: the identity pool id could not be read.
	ErrPoolUnavailable = errors.New("identity pool id unavailable")
	// ErrUpstream: anything else the identity pool answered (unknown pool,
	// throttling, 5xx) or a network failure.
	ErrUpstream = errors.New("identity pool failed")
)
