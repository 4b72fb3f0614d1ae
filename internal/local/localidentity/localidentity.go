// Package localidentity is a local stand-in for an Amazon Cognito identity
// pool: an http.Handler that answers the two public actions an app calls
// to turn a user pool ID token into AWS credentials, GetId and
// GetCredentialsForIdentity, on the AWS JSON 1.1 protocol the AWS SDKs
// speak (POST /, X-Amz-Target: AWSCognitoIdentityService.<Action>). Point
// the SDK's cognitoidentity client at [Server] (BaseEndpoint, or
// AWS_ENDPOINT_URL_COGNITO_IDENTITY) and the application's real code runs
// against it.
//
// What it checks, as the identity pool does: the identity pool id; a Logins
// map with exactly one of its configured user pools (by the provider name
// cognito-idp.<region>.amazonaws.com/<pool id>); the ID token's RS256
// signature against that user pool's published keys, its issuer, its
// audience (the configured app client), its expiry and token_use=id. No
// Logins is refused: the pool, like the template's, allows no
// unauthenticated identities. Identity ids are <region>:<uuid>, one per
// user (provider and sub), stable for the life of the process.
//
// What the credentials are: FAKE. They have the shape of temporary AWS
// credentials (an ASIA… access key id, a secret key, a session token, an
// expiry an hour away) and are valid for no AWS service: nothing here
// assumes a role or talks to STS. They let the sign-in-to-credentials flow
// run offline; what the role would allow (the user's own S3 prefix) can only
// be tried against a deployed stack.
//
// Not done: ServerSideTokenCheck (a user signed out everywhere is not
// noticed), unauthenticated identities, developer identities, role
// mapping, the other actions. Errors carry the identity pool's exception
// names (__type NotAuthorizedException, ResourceNotFoundException,
// InvalidParameterException) with messages of this package's own.
//
// It never logs tokens or credentials.
package localidentity

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/example/cognito-sam-go/internal/local/awsjson"
)

// CredentialsLifetime is how long the fake credentials say they last, as
// the identity pool's do.
const CredentialsLifetime = time.Hour

// FakeSessionTokenPrefix starts every session token this package issues,
// so that nobody mistakes one for real credentials.
const FakeSessionTokenPrefix = "LOCAL-FAKE-SESSION-TOKEN-not-valid-for-any-AWS-service-"

// Provider is a user pool the identity pool trusts, with its app client.
type Provider struct {
	// Name is the identity pool's name for the user pool, the key of the
	// Logins map: cognito-idp.<region>.amazonaws.com/<pool id>.
	Name string
	// Issuer is the user pool's token issuer; its keys are at
	// Issuer/.well-known/jwks.json.
	Issuer string
	// ClientID is the app client whose ID tokens are accepted (aud).
	ClientID string
}

// Options configure a Server.
type Options struct {
	// PoolID is the identity pool id, <region>:<uuid>.
	PoolID string
	// Providers are the user pools it trusts; at least one.
	Providers []Provider
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// HTTPClient fetches the user pools' keys; http.DefaultClient when nil.
	HTTPClient *http.Client
	// Logger receives one line per action; nothing secret. Discards when nil.
	Logger *slog.Logger
}

// Server is a local identity pool. It is safe for concurrent use.
type Server struct {
	poolID    string
	region    string
	providers map[string]*oidc.IDTokenVerifier
	now       func() time.Time
	log       *slog.Logger

	mu         sync.Mutex
	identities map[string]string // provider + "\x00" + sub -> identity id
	owners     map[string]string // identity id -> provider + "\x00" + sub
}

var poolIDPattern = regexp.MustCompile(`^([a-z]{2}(-[a-z]+)+-[0-9]):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// New validates opts and returns a Server; every problem is reported at
// once.
func New(o Options) (*Server, error) {
	var errs []error
	m := poolIDPattern.FindStringSubmatch(o.PoolID)
	if m == nil {
		errs = append(errs, fmt.Errorf("PoolID %q: want <region>:<uuid>", o.PoolID))
	}
	if len(o.Providers) == 0 {
		errs = append(errs, errors.New("Providers: at least one user pool is required"))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HTTPClient == nil {
		o.HTTPClient = http.DefaultClient
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{poolID: o.PoolID, providers: map[string]*oidc.IDTokenVerifier{}, now: o.Now, log: o.Logger,
		identities: map[string]string{}, owners: map[string]string{}}
	if m != nil {
		s.region = m[1]
	}
	ctx := oidc.ClientContext(context.Background(), o.HTTPClient)
	for i, p := range o.Providers {
		if p.Name == "" || p.Issuer == "" || p.ClientID == "" {
			errs = append(errs, fmt.Errorf("Providers[%d]: Name, Issuer and ClientID are required", i))
			continue
		}
		keys := oidc.NewRemoteKeySet(ctx, strings.TrimSuffix(p.Issuer, "/")+"/.well-known/jwks.json")
		s.providers[p.Name] = oidc.NewVerifier(p.Issuer, keys, &oidc.Config{
			ClientID: p.ClientID, SupportedSigningAlgs: []string{oidc.RS256}, Now: o.Now,
		})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("localidentity options: %w", errors.Join(errs...))
	}
	return s, nil
}

// PoolID is the identity pool id.
func (s *Server) PoolID() string { return s.poolID }

// apiError is an error answer of the identity pools API.
type apiError = awsjson.Error

func notAuthorized(msg string) *apiError {
	return awsjson.BadRequest("NotAuthorizedException", "%s", msg)
}

// identityInput is the input of GetId and GetCredentialsForIdentity.
type identityInput struct {
	IdentityPoolID string            `json:"IdentityPoolId"`
	IdentityID     string            `json:"IdentityId"`
	Logins         map[string]string `json:"Logins"`
}

// targetPrefix starts the X-Amz-Target of every identity pools API action.
const targetPrefix = "AWSCognitoIdentityService."

// ServeHTTP answers POST / with X-Amz-Target AWSCognitoIdentityService.GetId
// or .GetCredentialsForIdentity (package awsjson).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	awsjson.Service{Prefix: targetPrefix, Name: "local identity pool", Log: s.log, Actions: map[string]awsjson.Action{
		"GetId": func(ctx context.Context, body json.RawMessage) (any, *apiError) {
			in, err := awsjson.Decode[identityInput](body)
			if err != nil {
				return nil, err
			}
			return s.getID(ctx, in.IdentityPoolID, in.Logins)
		},
		"GetCredentialsForIdentity": func(ctx context.Context, body json.RawMessage) (any, *apiError) {
			in, err := awsjson.Decode[identityInput](body)
			if err != nil {
				return nil, err
			}
			return s.getCredentials(ctx, in.IdentityID, in.Logins)
		},
	}}.ServeHTTP(w, r)
}

// login verifies the one login of a Logins map and returns the user's key
// (provider and sub).
func (s *Server) login(ctx context.Context, logins map[string]string) (string, *apiError) {
	switch len(logins) {
	case 0:
		return "", notAuthorized("Unauthenticated access is not supported for this identity pool.")
	case 1:
	default:
		return "", awsjson.BadRequest("InvalidParameterException", "This local identity pool takes exactly one login.")
	}
	for name, token := range logins {
		v, ok := s.providers[name]
		if !ok {
			return "", awsjson.BadRequest("InvalidParameterException", "The identity pool has no provider of that name.")
		}
		idt, err := v.Verify(ctx, token)
		if err != nil {
			return "", notAuthorized("Invalid login token.")
		}
		var c struct {
			TokenUse string `json:"token_use"`
		}
		if err := idt.Claims(&c); err != nil || c.TokenUse != "id" {
			return "", notAuthorized("Invalid login token. Not an ID token.")
		}
		return name + "\x00" + idt.Subject, nil
	}
	panic("unreachable")
}

func (s *Server) getID(ctx context.Context, poolID string, logins map[string]string) (any, *apiError) {
	if poolID != s.poolID {
		return nil, awsjson.BadRequest("ResourceNotFoundException", "No identity pool of that id.")
	}
	user, aerr := s.login(ctx, logins)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.identities[user]
	if !ok {
		id = s.region + ":" + uuid()
		s.identities[user], s.owners[id] = id, user
	}
	return map[string]string{"IdentityId": id}, nil
}

func (s *Server) getCredentials(ctx context.Context, identityID string, logins map[string]string) (any, *apiError) {
	s.mu.Lock()
	owner, ok := s.owners[identityID]
	s.mu.Unlock()
	if !ok {
		return nil, awsjson.BadRequest("ResourceNotFoundException", "No identity of that id.")
	}
	user, aerr := s.login(ctx, logins)
	if aerr != nil {
		return nil, aerr
	}
	if user != owner {
		return nil, notAuthorized("Invalid login token. The login does not belong to this identity.")
	}
	return map[string]any{
		"IdentityId": identityID,
		"Credentials": map[string]any{
			"AccessKeyId":  "ASIALOCAL" + randomUpper(11),
			"SecretKey":    "local-fake-" + randomString(24),
			"SessionToken": FakeSessionTokenPrefix + randomString(48),
			// The AWS JSON protocol's timestamps are epoch seconds.
			"Expiration": s.now().Add(CredentialsLifetime).Unix(),
		},
	}, nil
}

func uuid() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func randomUpper(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base32.StdEncoding.EncodeToString(b)[:n]
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
