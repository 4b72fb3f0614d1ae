// Package events_test checks that every sample event in this folder decodes
// into the type its function takes and goes through that function's handler
// with the expected status.
package events_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw"
	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/cognito/cognitotest"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/hello"
	"github.com/example/cognito-sam-go/internal/routes"
	"github.com/example/cognito-sam-go/internal/secret"
	"github.com/example/cognito-sam-go/internal/signin"
)

// preflightOrigin is the Origin header of preflight-token.json: a front end
// on another port of localhost, the only kind of origin ALLOWED_ORIGINS
// accepts outside Lambda without REDIRECT_URI.
const preflightOrigin = "http://localhost:5173"

type handler func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

func TestEvents(t *testing.T) {
	cog := cognitotest.New(t)
	cog.HandleToken(cognitotest.OAuthError(500, "must_not_be_called"))
	cfg := &config.Config{CognitoDomain: cog.URL, Issuer: cog.Issuer, SecretName: "s", Scopes: config.DefaultScopes}
	src := secret.Static{Value: secret.Value{ClientID: "client-id", ClientSecret: "s", CookieKey: "0123456789abcdef0123456789abcdef"}}
	client := cognito.New(cognito.Options{Domain: cfg.CognitoDomain, Issuer: cfg.Issuer, Scopes: cfg.Scopes})
	log := apigw.NewLogger(&bytes.Buffer{})
	cog.HandleRevoke(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	// Each function's Lambda handler, as its main builds it from the route
	// table: hello through hello.Function (GET /hello, the sample app and
	// the CORS preflights), the others from the signin server.
	helloEnv := map[string]string{
		config.EnvCognitoDomain: cog.URL,
		config.EnvOrigins:       preflightOrigin, // the Origin of preflight-token.json
	}
	helloH, err := hello.Function(context.Background(), "hello", func(k string) string { return helloEnv[k] }, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := signin.New(signin.Options{Config: cfg, Secrets: src, Cognito: client, Logger: log})
	fn := func(name string) handler {
		h, err := routes.Handler(name, srv)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	loginH, callbackH, refreshH, logoutH := fn("login"), fn("callback"), fn("refresh"), fn("logout")

	tests := map[string]struct {
		h      handler
		status int
	}{
		"login.json":           {loginH, http.StatusFound},
		"callback.json":        {callbackH, http.StatusBadRequest}, // its sample cookie was not sealed with this key
		"callback-error.json":  {callbackH, http.StatusBadRequest},
		"hello.json":           {helloH, http.StatusOK},
		"hello-no-claims.json": {helloH, http.StatusUnauthorized},
		"refresh.json":         {refreshH, http.StatusBadGateway}, // this fake Cognito's token endpoint is set to fail
		"logout.json":          {logoutH, http.StatusSeeOther},
		"signed-out.json":      {logoutH, http.StatusOK},
		"home.json":            {refreshH, http.StatusOK},           // no session: the signed-out home page
		"token.json":           {refreshH, http.StatusUnauthorized}, // no session cookie: login_required
		"app.json":             {helloH, http.StatusOK},
		"preflight-token.json": {helloH, http.StatusNoContent}, // its Origin is in ALLOWED_ORIGINS
	}
	files, _ := filepath.Glob("*.json")
	for _, f := range files {
		if f == "env.json" {
			continue
		}
		if _, ok := tests[f]; !ok {
			t.Errorf("%s has no test: add it to the table", f)
		}
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			var req events.APIGatewayProxyRequest
			if err := dec.Decode(&req); err != nil {
				t.Fatalf("%s does not decode into events.APIGatewayProxyRequest: %v", name, err)
			}
			resp, err := tt.h(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d; body %s", resp.StatusCode, tt.status, resp.Body)
			}
		})
	}
	// Only refresh.json may reach the token endpoint (once); logout.json
	// revokes its sample token.
	if n := len(cog.Requests()); n != 1 {
		t.Errorf("sample events reached the token endpoint %d times, want 1 (refresh.json)", n)
	}
	if n := len(cog.RevokeRequests()); n != 1 {
		t.Errorf("revocations = %d, want 1 (logout.json)", n)
	}
}

// TestEnvFile checks the sam local --env-vars file names the template's
// functions and the contract's variables.
func TestEnvFile(t *testing.T) {
	raw, err := os.ReadFile("env.json")
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]map[string]string
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	// The sample app, served by hello, needs the Cognito domain for its
	// sign-out form.
	if env["HelloFunction"][config.EnvCognitoDomain] == "" {
		t.Errorf("env.json: HelloFunction lacks %s", config.EnvCognitoDomain)
	}
	for _, fn := range []string{"LoginFunction", "CallbackFunction", "RefreshFunction", "LogoutFunction", "CredentialsFunction"} {
		for _, v := range []string{config.EnvCognitoDomain, config.EnvIssuer, config.EnvSecretName} {
			if env[fn][v] == "" {
				t.Errorf("env.json: %s lacks %s", fn, v)
			}
		}
	}
	if env["CredentialsFunction"][config.EnvIdentityPoolParameter] == "" {
		t.Errorf("env.json: CredentialsFunction lacks %s", config.EnvIdentityPoolParameter)
	}
	for _, v := range []string{config.EnvCognitoDomain, "USER_POOL_ID"} {
		if env["RotateFunction"][v] == "" {
			t.Errorf("env.json: RotateFunction lacks %s", v)
		}
	}
}
