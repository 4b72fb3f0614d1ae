package identitypool_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/example/cognito-sam-go/internal/cognito/cognitotest"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/identitypool"
	"github.com/example/cognito-sam-go/internal/local/localidentity"
	"github.com/example/cognito-sam-go/internal/secret/mototest"
	"github.com/example/cognito-sam-go/internal/secret/secrettest"
)

const poolID = "us-east-1:11111111-2222-4333-8444-555555555555"

// pool starts a local identity pool trusting cog's tokens for client-id,
// and returns a real SDK client pointed at it, anonymous as in Lambda.
func pool(t *testing.T, cog *cognitotest.Server) (*cognitoidentity.Client, string) {
	t.Helper()
	key, err := config.LoginsKey(cog.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	li, err := localidentity.New(localidentity.Options{PoolID: poolID,
		Providers: []localidentity.Provider{{Name: key, Issuer: cog.Issuer, ClientID: "client-id"}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(li)
	t.Cleanup(srv.Close)
	api := cognitoidentity.New(cognitoidentity.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.AnonymousCredentials{}})
	return api, key
}

func TestCredentialsThroughTheSDK(t *testing.T) {
	cog := cognitotest.New(t)
	api, key := pool(t, cog)
	c := identitypool.New(identitypool.Options{API: api, LoginsKey: key, PoolID: poolID})
	ctx := context.Background()

	got, err := c.Credentials(ctx, cog.IDToken("client-id", "", nil))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.IdentityID, "us-east-1:") || !strings.HasPrefix(got.AccessKeyID, "ASIA") ||
		got.SecretAccessKey == "" || !strings.HasPrefix(got.SessionToken, localidentity.FakeSessionTokenPrefix) ||
		got.Expiration.Before(time.Now().Add(50*time.Minute)) {
		t.Errorf("credentials %s: id %q key %q expiry %v", got, got.IdentityID, got.AccessKeyID, got.Expiration)
	}
	again, err := c.Credentials(ctx, cog.IDToken("client-id", "", nil))
	if err != nil || again.IdentityID != got.IdentityID {
		t.Errorf("the same user got identity %q (%v), then %q", got.IdentityID, err, again.IdentityID)
	}
	other, err := c.Credentials(ctx, cog.IDToken("client-id", "", cognitotest.Claims{"sub": "99999999-2222-3333-4444-555555555555"}))
	if err != nil || other.IdentityID == got.IdentityID {
		t.Errorf("another user got identity %q (%v), the first %q", other.IdentityID, err, got.IdentityID)
	}
	secrettest.AssertRedacted(t, got, got.SecretAccessKey, got.SessionToken)
	secrettest.AssertRedacted(t, c)

	for name, tok := range map[string]string{
		"another app client": cog.IDToken("other-client", "", nil),
		"expired":            cog.IDToken("client-id", "", cognitotest.Claims{"exp": time.Now().Add(-time.Minute).Unix()}),
		"an access token":    cog.AccessToken("client-id", "openid", cognitotest.Claims{"aud": "client-id"}),
		"not a token":        "garbage",
	} {
		if _, err := c.Credentials(ctx, tok); !errors.Is(err, identitypool.ErrNotAuthorized) {
			t.Errorf("%s: err = %v, want ErrNotAuthorized", name, err)
		} else if strings.Contains(err.Error(), tok) {
			t.Errorf("%s: the error shows the token", name)
		}
	}

	wrongPool := identitypool.New(identitypool.Options{API: api, LoginsKey: key, PoolID: "us-east-1:00000000-0000-4000-8000-000000000000"})
	if _, err := wrongPool.Credentials(ctx, cog.IDToken("client-id", "", nil)); !errors.Is(err, identitypool.ErrUpstream) ||
		!strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Errorf("unknown pool: err = %v, want ErrUpstream (ResourceNotFoundException)", err)
	}
}

// TestPoolIDFromSSM reads the identity pool id the way the template hands
// it over: from an SSM parameter, with the real SDK against moto_server.
func TestPoolIDFromSSM(t *testing.T) {
	endpoint := mototest.Start(t)
	mototest.UseEndpoint(t, endpoint)
	t.Setenv("AWS_ENDPOINT_URL_SSM", endpoint)
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	params := ssm.NewFromConfig(cfg)
	ctx := context.Background()
	const name = "/stack/identity-pool-id"

	cog := cognitotest.New(t)
	api, key := pool(t, cog)
	now := time.Now()
	c := identitypool.New(identitypool.Options{API: api, LoginsKey: key, Parameter: name, Parameters: params,
		Now: func() time.Time { return now }})

	if _, err := c.Credentials(ctx, cog.IDToken("client-id", "", nil)); !errors.Is(err, identitypool.ErrPoolUnavailable) {
		t.Fatalf("no parameter yet: err = %v, want ErrPoolUnavailable", err)
	}
	if _, err := params.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(poolID), Type: "String"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Credentials(ctx, cog.IDToken("client-id", "", nil)); err != nil {
		t.Fatalf("with the parameter: %v", err)
	}
	// Within the TTL the value read is kept; a re-read that fails keeps it too.
	if _, err := params.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Credentials(ctx, cog.IDToken("client-id", "", nil)); err != nil {
		t.Errorf("within the TTL: %v", err)
	}
	now = now.Add(identitypool.ParameterTTL + time.Second)
	if _, err := c.Credentials(ctx, cog.IDToken("client-id", "", nil)); err != nil {
		t.Errorf("after the TTL, the re-read failing: %v (want the last good id)", err)
	}
	// A changed parameter is picked up after the TTL.
	if _, err := params.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String("us-east-1:00000000-0000-4000-8000-000000000000"), Type: "String"}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(identitypool.ParameterTTL + time.Second)
	if _, err := c.Credentials(ctx, cog.IDToken("client-id", "", nil)); !errors.Is(err, identitypool.ErrUpstream) {
		t.Errorf("after the TTL with a new (unknown) pool id: err = %v, want ErrUpstream", err)
	}
}

func TestNewFromEnvIsAnonymous(t *testing.T) {
	cog := cognitotest.New(t)
	key, _ := config.LoginsKey(cog.Issuer)
	li, _ := localidentity.New(localidentity.Options{PoolID: poolID,
		Providers: []localidentity.Provider{{Name: key, Issuer: cog.Issuer, ClientID: "client-id"}}})
	var sawAuth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawAuth = r.Header.Get("Authorization")
		li.ServeHTTP(w, r)
	}))
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY", srv.URL)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "example")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	c, err := identitypool.NewFromEnv(context.Background(), key, poolID, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Credentials(context.Background(), cog.IDToken("client-id", "", nil)); err != nil {
		t.Fatal(err)
	}
	if sawAuth != "" {
		t.Errorf("GetCredentialsForIdentity was signed (Authorization %q): the public actions need no AWS credentials", sawAuth)
	}
}
