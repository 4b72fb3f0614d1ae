package rotate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"github.com/aws/aws-lambda-go/lambdacontext"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/config"
)

// EnvUserPoolID names the user pool whose app client's secret is rotated.
const EnvUserPoolID = "USER_POOL_ID"

// poolIDPattern is Cognito's pattern for a user pool id.
var poolIDPattern = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)

// Config is the rotation function's configuration. The app client's id is
// not in it: it comes from the secret.
type Config struct {
	UserPoolID    string
	CognitoDomain string
}

// LoadConfig reads USER_POOL_ID and COGNITO_DOMAIN; the error names every
// problem with its variable.
func LoadConfig(getenv func(string) string) (Config, error) {
	var c Config
	var problems []error
	switch v := strings.TrimSpace(getenv(EnvUserPoolID)); {
	case v == "":
		problems = append(problems, fmt.Errorf("%s: is not set", EnvUserPoolID))
	case len(v) > 55 || !poolIDPattern.MatchString(v):
		problems = append(problems, fmt.Errorf("%s: %.60q is not a user pool id (<region>_<letters and digits>)", EnvUserPoolID, v))
	default:
		c.UserPoolID = v
	}
	d, err := config.CognitoDomain(getenv)
	if err != nil {
		problems = append(problems, err)
	}
	c.CognitoDomain = d
	if len(problems) > 0 {
		return Config{}, fmt.Errorf("invalid configuration: %w", errors.Join(problems...))
	}
	return c, nil
}

// Function builds the rotation function's handler: the configuration from
// getenv, the Secrets Manager and user pools clients from the AWS SDK's
// standard configuration (AWS_ENDPOINT_URL_SECRETS_MANAGER and
// AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER point them at local
// endpoints). Each invocation logs with its Lambda request id.
func Function(ctx context.Context, getenv func(string) string, log *slog.Logger) (func(context.Context, Event) error, error) {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	r := New(Options{
		Secrets:    secretsmanager.NewFromConfig(awsCfg),
		Pool:       cip.NewFromConfig(awsCfg),
		UserPoolID: cfg.UserPoolID,
		Token:      cognito.New(cognito.Options{Domain: cfg.CognitoDomain}),
		Logger:     log,
		// On in the built function: tests outside this project drive it
		// against moto_server (docs/contract.md), which cannot make the
		// empty AWSPENDING version Secrets Manager makes before
		// createSecret. Safe in AWS: Secrets Manager never sends such a
		// token, only Secrets Manager may invoke the function (the
		// template's permission), and the token is still refused while
		// another version is AWSPENDING, so it starts no second rotation.
		AllowUnknownToken: true,
	})
	return func(ctx context.Context, ev Event) error {
		l := log
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			l = log.With(slog.String("aws_request_id", lc.AwsRequestID))
		}
		err := r.withLogger(l).Handle(ctx, ev)
		if err != nil {
			l.Error("rotation step failed", slog.String("step", ev.Step), slog.String("secret_id", ev.SecretID),
				slog.String("version_id", ev.ClientRequestToken), slog.String("error", err.Error()))
		}
		return err
	}, nil
}

// withLogger returns a copy of r that logs to log.
func (r *Rotator) withLogger(log *slog.Logger) *Rotator {
	c := *r
	c.log = log
	return &c
}
