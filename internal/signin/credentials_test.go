package signin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/apigw/apigwtest"
	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/identitypool"
	"github.com/example/cognito-sam-go/internal/local/localidentity"
	"github.com/example/cognito-sam-go/internal/page"
	"github.com/example/cognito-sam-go/internal/routes"
	"github.com/example/cognito-sam-go/internal/secret"
	"github.com/example/cognito-sam-go/internal/secret/secrettest"
)

func TestLoginProvider(t *testing.T) {
	cfg := &config.Config{CognitoDomain: domain, SecretName: "s", Scopes: config.DefaultScopes,
		Federation: config.Federation{Providers: []string{"Google"}}}
	off := &config.Config{CognitoDomain: domain, SecretName: "s", Scopes: config.DefaultScopes}
	for _, tt := range []struct {
		name   string
		cfg    *config.Config
		query  url.Values
		status int
		idp    string
	}{
		{"no provider", cfg, nil, http.StatusFound, ""},
		{"Google", cfg, url.Values{"provider": {"Google"}}, http.StatusFound, "Google"},
		{"another case", cfg, url.Values{"provider": {"google"}}, http.StatusBadRequest, ""},
		{"not configured", cfg, url.Values{"provider": {"Facebook"}}, http.StatusBadRequest, ""},
		{"COGNITO", cfg, url.Values{"provider": {"COGNITO"}}, http.StatusBadRequest, ""},
		{"empty", cfg, url.Values{"provider": {""}}, http.StatusBadRequest, ""},
		{"repeated", cfg, url.Values{"provider": {"Google", "Google"}}, http.StatusBadRequest, ""},
		{"feature off", off, url.Values{"provider": {"Google"}}, http.StatusBadRequest, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var log apigwtest.Log
			h := newHandler(t, tt.cfg, secret.Static{Value: creds}, &log)
			resp, err := h.Login(context.Background(), apigwtest.Request("/login", tt.query, nil))
			if err != nil || resp.StatusCode != tt.status {
				t.Fatalf("status %d (%v), want %d; %s", resp.StatusCode, err, tt.status, resp.Body)
			}
			if tt.status != http.StatusFound {
				if resp.Headers["Location"] != "" || len(apigwtest.SetCookies(resp)) > 0 {
					t.Errorf("a refused provider still redirected or set a cookie: %v", resp.Headers)
				}
				return
			}
			loc, _ := url.Parse(resp.Headers["Location"])
			if got := loc.Query()["identity_provider"]; (tt.idp == "" && got != nil) || (tt.idp != "" && (len(got) != 1 || got[0] != tt.idp)) {
				t.Errorf("identity_provider = %q, want %q", got, tt.idp)
			}
		})
	}
}

const identityPoolID = "us-east-1:11111111-2222-4333-8444-555555555555"

// credentialsServer is a Server for /credentials whose identity pool is a
// local one, reached through the real SDK client, trusting the harness's
// fake Cognito.
func credentialsServer(t *testing.T, h *harness, bucket string) *Server {
	t.Helper()
	key, err := config.LoginsKey(h.cog.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	li, err := localidentity.New(localidentity.Options{PoolID: identityPoolID,
		Providers: []localidentity.Provider{{Name: key, Issuer: h.cog.Issuer, ClientID: "client-id"}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(li)
	t.Cleanup(srv.Close)
	api := cognitoidentity.New(cognitoidentity.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{}})
	cfg := &config.Config{CognitoDomain: h.cog.URL, Issuer: h.cog.Issuer, SecretName: "s", Scopes: config.DefaultScopes,
		Federation: config.Federation{IdentityPoolID: identityPoolID, LoginsKey: key, CredentialsBucket: bucket}}
	client := cognito.New(cognito.Options{Domain: cfg.CognitoDomain, Issuer: cfg.Issuer, Scopes: cfg.Scopes})
	return New(Options{Config: cfg, Secrets: h.src, Cognito: client, Logger: h.log.Logger(),
		Identity: identitypool.New(identitypool.Options{API: api, LoginsKey: key, PoolID: identityPoolID})})
}

func TestCredentials(t *testing.T) {
	b := newBrowser(t)
	q, nonce := b.login("")
	if resp := b.callback(q, nonce); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback: %d %s", resp.StatusCode, resp.Body)
	}
	cs := credentialsServer(t, b.h, "my-stack-credentials")
	// JSON for a script.
	resp := b.do(cs.Credentials, apigwtest.Post("/credentials", "", nil))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/credentials: %d %s", resp.StatusCode, resp.Body)
	}
	var got credentialsJSON
	if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.IdentityID, "us-east-1:") || !strings.HasPrefix(got.AccessKeyID, "ASIA") || got.SecretAccessKey == "" ||
		!strings.HasPrefix(got.SessionToken, localidentity.FakeSessionTokenPrefix) || got.Region != "us-east-1" ||
		got.S3Prefix != "s3://my-stack-credentials/"+got.IdentityID+"/" {
		t.Errorf("answer: identity %q key %q region %q prefix %q", got.IdentityID, got.AccessKeyID, got.Region, got.S3Prefix)
	}
	if exp, err := time.Parse(time.RFC3339, got.Expiration); err != nil || exp.Before(time.Now()) {
		t.Errorf("expiration %q (%v)", got.Expiration, err)
	}
	if resp.Headers["Cache-Control"] != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", resp.Headers["Cache-Control"])
	}
	for _, s := range []string{got.SecretAccessKey, got.SessionToken, got.AccessKeyID} {
		if strings.Contains(b.h.log.String(), s) {
			t.Error("the log holds the credentials")
		}
	}
	secrettest.AssertRedacted(t, got, got.SecretAccessKey, got.SessionToken)

	// A page for a browser: the export lines and the two commands.
	resp = b.do(cs.Credentials, apigwtest.Post("/credentials", "", html))
	if resp.StatusCode != http.StatusOK || resp.Headers["Cache-Control"] != "no-store" || page.HasInlineScript(resp.Body) {
		t.Fatalf("/credentials page: %d, Cache-Control %q; %s", resp.StatusCode, resp.Headers["Cache-Control"], resp.Body)
	}
	for _, want := range []string{"export AWS_ACCESS_KEY_ID=", "export AWS_SESSION_TOKEN=&#39;" + localidentity.FakeSessionTokenPrefix,
		"aws s3 ls &#39;s3://my-stack-credentials/" + got.IdentityID + "/&#39;", "aws s3 ls &#39;s3://my-stack-credentials/us-east-1:00000000-0000-0000-0000-000000000000/&#39;"} {
		if !strings.Contains(resp.Body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}

	// The same identity each time.
	resp = b.do(cs.Credentials, apigwtest.Post("/credentials", "", nil))
	var again credentialsJSON
	_ = json.Unmarshal([]byte(resp.Body), &again)
	if again.IdentityID != got.IdentityID {
		t.Errorf("identity changed: %q, then %q", got.IdentityID, again.IdentityID)
	}

	// The home page offers them.
	home := b.do(cs.Home, apigwtest.Request("/", nil, html))
	if !strings.Contains(home.Body, `action="credentials"`) {
		t.Errorf("the home page has no credentials form: %s", home.Body)
	}
	if plain := b.do(b.h.login.Home, apigwtest.Request("/", nil, html)); strings.Contains(plain.Body, "credentials-form") {
		t.Error("without an identity pool the home page still offers credentials")
	}
}

func TestCredentialsRefused(t *testing.T) {
	b := newBrowser(t)
	cs := credentialsServer(t, b.h, "")

	// No session: 401, nothing asked of the identity pool.
	if resp := b.do(cs.Credentials, apigwtest.Post("/credentials", "", nil)); resp.StatusCode != http.StatusUnauthorized ||
		!strings.Contains(resp.Body, "login_required") {
		t.Errorf("no session: %d %s, want 401 login_required", resp.StatusCode, resp.Body)
	}
	q, nonce := b.login("")
	b.callback(q, nonce)

	// Cross-site: 403, like /token.
	cross := apigwtest.Post("/credentials", "", http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}})
	if resp := b.do(cs.Credentials, cross); resp.StatusCode != http.StatusForbidden || resp.Headers["Access-Control-Allow-Origin"] != "" {
		t.Errorf("cross-site post: %d %v, want 403 without CORS", resp.StatusCode, resp.Headers)
	}

	// Without a bucket: no prefix in the answer.
	resp := b.do(cs.Credentials, apigwtest.Post("/credentials", "", nil))
	if resp.StatusCode != http.StatusOK || strings.Contains(resp.Body, "s3_prefix") {
		t.Errorf("no bucket: %d %s", resp.StatusCode, resp.Body)
	}

	// No identity pool configured: 404.
	plain := b.do(b.h.login.Credentials, apigwtest.Post("/credentials", "", nil))
	if plain.StatusCode != http.StatusNotFound || !strings.Contains(plain.Body, "not_configured") {
		t.Errorf("no identity pool: %d %s, want 404 not_configured", plain.StatusCode, plain.Body)
	}
}

func TestIdentityErrorMapping(t *testing.T) {
	for err, want := range map[error]int{
		identitypool.ErrNotAuthorized:   403,
		identitypool.ErrPoolUnavailable: 503,
		identitypool.ErrUpstream:        502,
		context.DeadlineExceeded:        504,
		errors.New("other"):             502,
	} {
		got := identityError(err)
		if !errors.Is(got, err) {
			t.Errorf("identityError(%v) does not wrap it", err)
		}
		if status := apigw.Status(apigw.AsError(got).Kind); status != want {
			t.Errorf("identityError(%v) status = %d, want %d", err, status, want)
		}
	}
}

func TestCredentialsFunctionNeedsTheIdentityPool(t *testing.T) {
	env := map[string]string{"COGNITO_DOMAIN": domain, "COGNITO_ISSUER": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
		"CLIENT_SECRET_NAME": "s", "AWS_REGION": "us-east-1"}
	build := FunctionWithIdentity(identitypool.Load)
	_, err := build(context.Background(), routes.Credentials.Function, func(k string) string { return env[k] }, (&apigwtest.Log{}).Logger())
	if err == nil || !strings.Contains(err.Error(), "IDENTITY_POOL_PARAMETER") {
		t.Errorf("credentials function without an identity pool: err = %v, want a start-up error naming the variable", err)
	}
	env["IDENTITY_POOL_PARAMETER"] = "/stack/identity-pool-id"
	if _, err := build(context.Background(), routes.Credentials.Function, func(k string) string { return env[k] }, (&apigwtest.Log{}).Logger()); err != nil {
		t.Errorf("with IDENTITY_POOL_PARAMETER: %v", err)
	}
}
