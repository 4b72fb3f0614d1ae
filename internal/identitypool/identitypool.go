// Package identitypool turns a user pool ID token into temporary AWS
// credentials at an Amazon Cognito identity pool: GetId, then
// GetCredentialsForIdentity, both with Logins = {<user pool's provider
// name>: <ID token>}. Both are public actions of the identity pool, called
// without AWS credentials (aws.AnonymousCredentials): the ID token is what
// authenticates the caller.
//
// The identity pool id is either fixed or read from an SSM parameter (the
// template stores it there, because a function behind the API cannot
// reference the identity pool: see template.yaml). The parameter is read
// once and then again at most every ParameterTTL.
//
// It does not decide who may ask for credentials; package signin does
// (a session, the cross-site rules). It never logs: the caller logs
// errors, which never carry the token or the credentials.
package identitypool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"
	"github.com/example/cognito-sam-go/internal/awscreds"
	"github.com/example/cognito-sam-go/internal/config"
)

// API is the part of the identity pool's client this package uses;
// *cognitoidentity.Client is the real one.
type API interface {
	GetId(ctx context.Context, in *cognitoidentity.GetIdInput, opts ...func(*cognitoidentity.Options)) (*cognitoidentity.GetIdOutput, error)
	GetCredentialsForIdentity(ctx context.Context, in *cognitoidentity.GetCredentialsForIdentityInput, opts ...func(*cognitoidentity.Options)) (*cognitoidentity.GetCredentialsForIdentityOutput, error)
}

var _ API = (*cognitoidentity.Client)(nil)

// ParameterReader reads the SSM parameter that holds the identity pool id;
// *ssm.Client is the real one.
type ParameterReader interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, opts ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

var _ ParameterReader = (*ssm.Client)(nil)

// ParameterTTL is how long an identity pool id read from SSM is used
// before it is read again (a replaced identity pool gets a new id).
const ParameterTTL = 10 * time.Minute

// The errors a caller tells apart, and the credentials: declared in
// package awscreds, which links no SDK client.
var (
	ErrNotAuthorized   = awscreds.ErrNotAuthorized
	ErrPoolUnavailable = awscreds.ErrPoolUnavailable
	ErrUpstream        = awscreds.ErrUpstream
)

// Credentials are temporary AWS credentials of one identity.
type Credentials = awscreds.Credentials

var _ awscreds.Source = (*Client)(nil)

// Options configure a Client.
type Options struct {
	// API is the identity pool's client, anonymous.
	API API
	// LoginsKey is the user pool's provider name in the identity pool
	// (config.LoginsKey).
	LoginsKey string
	// PoolID is the identity pool id; or else Parameter names the SSM
	// parameter holding it, read with Parameters.
	PoolID     string
	Parameter  string
	Parameters ParameterReader
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Client exchanges ID tokens for credentials. It is safe for concurrent
// use.
type Client struct {
	api        API
	loginsKey  string
	parameter  string
	parameters ParameterReader
	now        func() time.Time

	mu      sync.Mutex
	poolID  string
	fetched time.Time
}

// New returns a Client.
func New(o Options) *Client {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Client{api: o.API, loginsKey: o.LoginsKey, poolID: o.PoolID,
		parameter: o.Parameter, parameters: o.Parameters, now: o.Now}
}

// NewFromEnv builds the clients from the standard AWS configuration: the
// identity pool's with anonymous credentials (AWS_ENDPOINT_URL_COGNITO_IDENTITY
// points it at a local endpoint), and, with parameter set, SSM's with the
// function's own credentials (AWS_ENDPOINT_URL_SSM). It makes no network
// call.
func NewFromEnv(ctx context.Context, loginsKey, poolID, parameter string) (*Client, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	o := Options{LoginsKey: loginsKey, PoolID: poolID, Parameter: parameter,
		API: cognitoidentity.NewFromConfig(cfg, func(o *cognitoidentity.Options) {
			o.Credentials = aws.AnonymousCredentials{}
		})}
	if parameter != "" {
		o.Parameters = ssm.NewFromConfig(cfg)
	}
	return New(o), nil
}

// Load is NewFromEnv for the validated configuration (the credentials
// function's signin.IdentityLoader).
func Load(ctx context.Context, f config.Federation) (awscreds.Source, error) {
	c, err := NewFromEnv(ctx, f.LoginsKey, f.IdentityPoolID, f.IdentityPoolParameter)
	if err != nil {
		return nil, err // not a nil *Client in a non-nil interface
	}
	return c, nil
}

// Format prints the Client without its contents, for every verb.
func (c *Client) Format(f fmt.State, _ rune) { fmt.Fprint(f, "identitypool.Client{REDACTED}") }

// LogValue redacts the Client for log/slog.
func (c *Client) LogValue() slog.Value { return slog.StringValue("identitypool.Client{REDACTED}") }

// Credentials returns credentials for the user of idToken, a user pool ID
// token the caller has verified (or just received from Cognito). The
// identity pool checks it again: signature, issuer, audience (its app
// client), expiry and, with ServerSideTokenCheck, that the user is still
// signed in.
func (c *Client) Credentials(ctx context.Context, idToken string) (Credentials, error) {
	poolID, err := c.pool(ctx)
	if err != nil {
		return Credentials{}, err
	}
	region, _, _ := strings.Cut(poolID, ":")
	inRegion := func(o *cognitoidentity.Options) { o.Region = region }
	logins := map[string]string{c.loginsKey: idToken}
	id, err := c.api.GetId(ctx, &cognitoidentity.GetIdInput{IdentityPoolId: aws.String(poolID), Logins: logins}, inRegion)
	if err != nil {
		return Credentials{}, classify("GetId", err)
	}
	out, err := c.api.GetCredentialsForIdentity(ctx, &cognitoidentity.GetCredentialsForIdentityInput{
		IdentityId: id.IdentityId, Logins: logins}, inRegion)
	if err != nil {
		return Credentials{}, classify("GetCredentialsForIdentity", err)
	}
	if out.Credentials == nil || out.Credentials.AccessKeyId == nil || out.Credentials.SecretKey == nil || out.Credentials.SessionToken == nil {
		return Credentials{}, fmt.Errorf("%w: GetCredentialsForIdentity answered without credentials", ErrUpstream)
	}
	cr := Credentials{
		IdentityID:      aws.ToString(out.IdentityId),
		AccessKeyID:     *out.Credentials.AccessKeyId,
		SecretAccessKey: *out.Credentials.SecretKey,
		SessionToken:    *out.Credentials.SessionToken,
		Expiration:      aws.ToTime(out.Credentials.Expiration),
	}
	if cr.IdentityID == "" {
		cr.IdentityID = aws.ToString(id.IdentityId)
	}
	return cr, nil
}

// pool returns the identity pool id: fixed, or the SSM parameter's value,
// read again after ParameterTTL; while a re-read fails the last value is
// used.
func (c *Client) pool(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.parameter == "" {
		return c.poolID, nil
	}
	now := c.now()
	if c.poolID != "" && now.Sub(c.fetched) < ParameterTTL {
		return c.poolID, nil
	}
	out, err := c.parameters.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(c.parameter)})
	switch {
	case err != nil && c.poolID != "":
		c.fetched = now // try again after another TTL
		return c.poolID, nil
	case err != nil:
		return "", fmt.Errorf("%w: read SSM parameter %s: %w", ErrPoolUnavailable, c.parameter, err)
	case out.Parameter == nil || aws.ToString(out.Parameter.Value) == "":
		return "", fmt.Errorf("%w: SSM parameter %s is empty", ErrPoolUnavailable, c.parameter)
	}
	c.poolID, c.fetched = strings.TrimSpace(aws.ToString(out.Parameter.Value)), now
	return c.poolID, nil
}

// classify wraps an error of the identity pool with the sentinel the
// caller maps to a status.
func classify(op string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "NotAuthorizedException" {
		return fmt.Errorf("%w: %s: %s", ErrNotAuthorized, op, ae.ErrorCode())
	}
	if errors.As(err, &ae) {
		return fmt.Errorf("%w: %s: %s", ErrUpstream, op, ae.ErrorCode())
	}
	return fmt.Errorf("%w: %s: %w", ErrUpstream, op, err)
}
