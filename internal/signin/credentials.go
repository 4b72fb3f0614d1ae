package signin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/awscreds"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/page"
	"github.com/example/cognito-sam-go/internal/routes"
)

// CredentialsSource turns a user pool ID token into temporary AWS
// credentials; *identitypool.Client is the real one.
type CredentialsSource = awscreds.Source

// IdentityLoader builds the identity pool client from the configuration;
// identitypool.Load is the real one. Package signin names neither
// identitypool nor its SDK clients, so that only the credentials function
// links them.
type IdentityLoader = func(ctx context.Context, f config.Federation) (awscreds.Source, error)

// FunctionWithIdentity is the credentials function's handler, serving POST
// /credentials with the identity pool client load builds. It is an entry
// point of its own, as LoginFunction and its siblings are (functions.go),
// so that only the credentials function links the identity pool's and
// SSM's SDK clients. Such a function exists only where the identity pool
// does, so it refuses to start without IDENTITY_POOL_PARAMETER or
// IDENTITY_POOL_ID.
func FunctionWithIdentity(load IdentityLoader) func(ctx context.Context, name string, getenv func(string) string, log *slog.Logger) (routes.HandlerFunc, error) {
	return func(ctx context.Context, name string, getenv func(string) string, log *slog.Logger) (routes.HandlerFunc, error) {
		s, err := Load(ctx, getenv, log, routes.Of(name))
		if err != nil {
			return nil, err
		}
		f := s.cfg.Federation
		if !f.HasIdentityPool() {
			return nil, fmt.Errorf("invalid configuration: %s or %s: is not set (POST /credentials needs the identity pool)",
				config.EnvIdentityPoolParameter, config.EnvIdentityPoolID)
		}
		if s.identity, err = load(ctx, f); err != nil {
			return nil, fmt.Errorf("identity pool client: %w", err)
		}
		// It answers its own preflight: it exists only with the identity
		// pool, and the other sign-in functions have none.
		hs := handlers{routes.Credentials.Key(): (*Server).Credentials}
		return routes.Handler(name, routes.Binders{hs.bind(s), routes.Preflights{Allowed: s.cfg.Origins}})
	}
}

// credentialsJSON is the JSON answer of POST /credentials.
type credentialsJSON struct {
	IdentityID      string `json:"identity_id"`
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
	SessionToken    string `json:"session_token"`
	Expiration      string `json:"expiration"`
	Region          string `json:"region"`
	// S3Prefix is the user's own prefix in CREDENTIALS_BUCKET, when set.
	S3Prefix string `json:"s3_prefix,omitempty"`
}

// Format redacts the answer for every fmt verb: it holds the credentials.
func (c credentialsJSON) Format(f fmt.State, _ rune) {
	fmt.Fprint(f, "signin.credentialsJSON{REDACTED}")
}

// LogValue redacts the answer for log/slog.
func (c credentialsJSON) LogValue() slog.Value {
	return slog.StringValue("signin.credentialsJSON{REDACTED}")
}

// Credentials serves POST /credentials: with a valid session, the
// session's ID token (refreshed first when the tokens have RefreshMargin
// or less to live) goes to the identity pool (GetId, then
// GetCredentialsForIdentity), and the answer is the user's temporary AWS
// credentials and identity id: JSON, or for a browser (the home page's
// form) a page with the export lines and two aws s3 ls commands. Always
// Cache-Control: no-store; the credentials are never logged. The same
// cross-site rules and CORS as /token. No session: 401 login_required. The
// identity pool refusing the token: 403; failing: 502; too slow: 504; its
// id unreadable: 503. A deployment without an identity pool: 404.
func (s *Server) Credentials(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return s.serve(ctx, req, s.awsCredentials, apigw.CORS(req, s.cfg.Origins)...)
}

func (s *Server) awsCredentials(ctx context.Context, log *slog.Logger, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	if s.identity == nil {
		return apigw.JSON(http.StatusNotFound, map[string]string{"error": "not_configured",
			"error_description": "This deployment has no identity pool: AWS credentials are not available."}), nil
	}
	if _, err := s.checkPost(req); err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	sess, creds, changed, err := s.currentSession(ctx, log, req, false)
	if err != nil {
		return events.APIGatewayProxyResponse{}, s.sessionEnded(req, err)
	}
	if sess.IDToken == "" {
		// A session over its size budget keeps only the refresh token;
		// currentSession then refreshed it, so this is Cognito's doing.
		return events.APIGatewayProxyResponse{}, apigw.Errorf(apigw.KindUpstream, "bad_gateway",
			"Cognito returned no ID token. Please sign in again.", "session has no ID token after refresh")
	}
	bctx, cancel := budget(ctx)
	defer cancel()
	c, err := s.identity.Credentials(bctx, sess.IDToken)
	if err != nil {
		return events.APIGatewayProxyResponse{}, identityError(err)
	}
	log.Info("aws credentials issued", slog.String("sub", sess.Subject), slog.String("identity_id", c.IdentityID))
	region, _, _ := strings.Cut(c.IdentityID, ":")
	var resp events.APIGatewayProxyResponse
	if apigw.WantsHTML(req) {
		body, err := page.RenderCredentials(page.AWSCredentials{
			IdentityID: c.IdentityID, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
			SessionToken: c.SessionToken, Expiration: c.Expiration, Region: region,
			Bucket: s.cfg.Federation.CredentialsBucket, HomeURL: "./",
		})
		if err != nil {
			return events.APIGatewayProxyResponse{}, fmt.Errorf("render credentials page: %w", err)
		}
		resp = apigw.HTML(http.StatusOK, body, page.CSP)
	} else {
		out := credentialsJSON{IdentityID: c.IdentityID, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
			SessionToken: c.SessionToken, Expiration: c.Expiration.UTC().Format(time.RFC3339), Region: region}
		if b := s.cfg.Federation.CredentialsBucket; b != "" {
			out.S3Prefix = "s3://" + b + "/" + c.IdentityID + "/"
		}
		resp = apigw.JSON(http.StatusOK, out)
	}
	if changed {
		if err := s.setSession(&resp, req, creds, sess); err != nil {
			return events.APIGatewayProxyResponse{}, err
		}
	}
	return resp, nil
}

// identityError maps an error of package identitypool to the answer.
func identityError(err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &apigw.Error{Kind: apigw.KindTimeout, Code: "gateway_timeout",
			Message: "The identity pool did not answer in time. Please try again.", Err: err}
	case errors.Is(err, awscreds.ErrNotAuthorized):
		return &apigw.Error{Kind: apigw.KindForbidden, Code: "not_authorized",
			Message: "The identity pool did not accept your sign-in. Sign out and in again; if that does not help, this deployment's identity pool is misconfigured.", Err: err}
	case errors.Is(err, awscreds.ErrPoolUnavailable):
		return &apigw.Error{Kind: apigw.KindUnavailable, Code: "temporarily_unavailable",
			Message: "AWS credentials are temporarily unavailable. Please try again.", Err: err}
	default:
		return &apigw.Error{Kind: apigw.KindUpstream, Code: "bad_gateway",
			Message: "The identity pool could not issue credentials. Please try again.", Err: err}
	}
}

// credentialsLink is the home page's form action for POST /credentials,
// or "" when this deployment has no identity pool.
func (s *Server) credentialsLink() string {
	if !s.cfg.Federation.HasIdentityPool() {
		return ""
	}
	return routes.Credentials.Path[1:]
}
