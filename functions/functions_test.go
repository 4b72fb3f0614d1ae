// Package functions_test builds each Lambda function's main package and
// drives the binary through a local Lambda Runtime API, as the Lambda
// service and API Gateway would: a whole sign-in, refresh and sign-out
// across the sign-in and hello binaries, with the secret in moto_server and a fake
// Cognito, and the start-up failure on a bad configuration.
package functions_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/example/cognito-sam-go/functions/internal/lambdatest"
	"github.com/example/cognito-sam-go/internal/apigw/apigwtest"
	"github.com/example/cognito-sam-go/internal/cognito/cognitotest"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/local/localidentity"
	"github.com/example/cognito-sam-go/internal/logincookie"
	"github.com/example/cognito-sam-go/internal/routes"
	"github.com/example/cognito-sam-go/internal/secret/mototest"
	"github.com/example/cognito-sam-go/internal/session"
)

const (
	secretName   = "stack/cognito-app-client"
	clientSecret = "client-secret-held-in-moto"
	cookieKey    = "cookie-key-held-in-moto-0123456789abcdef"
	timeout      = 10 * time.Second // the template's function timeout
)

// bins are the functions of the route table, built once for this test run.
var bins = map[string]string{}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "functions-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Every main, rotate included (it serves no route).
	mains, err := filepath.Glob("*/main.go")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, m := range mains {
		name := filepath.Dir(m)
		bin, err := lambdatest.Build("..", "./functions/"+name, dir, name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.RemoveAll(dir)
			os.Exit(1)
		}
		bins[name] = bin
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestBuiltFunctionsThroughTheRuntimeAPI(t *testing.T) {
	endpoint := mototest.Start(t)
	mototest.UseEndpoint(t, endpoint)
	mototest.PutSecret(t, mototest.Client(t), secretName,
		`{"client_id":"client-id","client_secret":"`+clientSecret+`","cookie_key":"`+cookieKey+`"}`)
	cog := cognitotest.New(t)
	env := map[string]string{
		"COGNITO_DOMAIN": cog.URL, "COGNITO_ISSUER": cog.Issuer, "CLIENT_SECRET_NAME": secretName,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": endpoint, "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_EC2_METADATA_DISABLED": "true",
	}
	// The credentials function's identity pool: a local one, trusting the
	// fake Cognito's ID tokens, reached by the binary's real SDK client
	// through AWS_ENDPOINT_URL_COGNITO_IDENTITY.
	loginsKey, _ := config.LoginsKey(cog.Issuer)
	const identityPoolID = "us-east-1:11111111-2222-4333-8444-555555555555"
	li, err := localidentity.New(localidentity.Options{PoolID: identityPoolID,
		Providers: []localidentity.Provider{{Name: loginsKey, Issuer: cog.Issuer, ClientID: "client-id"}}})
	if err != nil {
		t.Fatal(err)
	}
	identity := httptest.NewServer(li)
	defer identity.Close()
	credentialsEnv := maps.Clone(env)
	credentialsEnv["IDENTITY_POOL_ID"] = identityPoolID
	credentialsEnv["AWS_ENDPOINT_URL_COGNITO_IDENTITY"] = identity.URL
	fn := map[string]*lambdatest.Runtime{}
	for _, name := range routes.Functions() {
		e := env
		switch name {
		case "hello":
			e = nil // hello needs no configuration
		case "credentials":
			e = credentialsEnv
		}
		fn[name] = lambdatest.Start(t, bins[name], e)
	}

	// /login
	resp := fn["login"].Invoke(apigwtest.Request("/login", nil, nil), timeout)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("/login: %d %s", resp.StatusCode, resp.Body)
	}
	loc, _ := url.Parse(resp.Headers["Location"])
	if !strings.HasPrefix(resp.Headers["Location"], cog.URL+"/oauth2/authorize?") || loc.Query().Get("client_id") != "client-id" {
		t.Fatalf("/login redirects to %s", resp.Headers["Location"])
	}
	cookies := apigwtest.SetCookies(resp)
	if len(cookies) != 1 || cookies[0].Name != logincookie.NameFor(loc.Query().Get("state")) {
		t.Fatalf("/login cookies: %v", resp.MultiValueHeaders)
	}
	state, nonce, cookie := loc.Query().Get("state"), loc.Query().Get("nonce"), cookies[0].Value

	// /callback
	cog.HandleToken(cog.Tokens("client-id", nonce))
	resp = fn["callback"].Invoke(apigwtest.Request("/callback",
		url.Values{"code": {"code-from-cognito"}, "state": {state}},
		http.Header{"Cookie": {logincookie.NameFor(state) + "=" + cookie}, "Accept": {"application/json"}}), timeout)
	var tok map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &tok); resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("/callback: %d %s", resp.StatusCode, resp.Body)
	}
	if r := cog.Requests(); len(r) != 1 || r[0].BasicPass != clientSecret || r[0].Form.Get("redirect_uri") != loc.Query().Get("redirect_uri") {
		t.Errorf("token requests: %+v", r)
	}
	refreshToken, _ := tok["refresh_token"].(string)

	// /credentials, with the session the callback set
	var sessionCookies []string
	for _, c := range apigwtest.SetCookies(resp) {
		if strings.HasPrefix(c.Name, session.Prefix) && c.MaxAge >= 0 {
			sessionCookies = append(sessionCookies, c.Name+"="+c.Value)
		}
	}
	resp = fn["credentials"].Invoke(apigwtest.Post("/credentials", "", http.Header{"Cookie": {strings.Join(sessionCookies, "; ")}}), timeout)
	var awsCreds map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &awsCreds); resp.StatusCode != http.StatusOK || err != nil ||
		!strings.HasPrefix(fmt.Sprint(awsCreds["session_token"]), localidentity.FakeSessionTokenPrefix) ||
		!strings.HasPrefix(fmt.Sprint(awsCreds["identity_id"]), "us-east-1:") {
		t.Errorf("/credentials: %d %s", resp.StatusCode, resp.Body)
	}

	// /hello, with and without the authorizer's claims
	hello := apigwtest.Request("/hello", nil, nil)
	if r := fn["hello"].Invoke(hello, timeout); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("/hello without claims: %d", r.StatusCode)
	}
	hello.RequestContext.Authorizer = map[string]any{"claims": map[string]any{"sub": "abc", "username": "abc", "scope": "api/read", "token_use": "access"}}
	if r := fn["hello"].Invoke(hello, timeout); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "Hello, abc!") {
		t.Errorf("/hello with claims: %d %s", r.StatusCode, r.Body)
	}

	// /refresh
	cog.HandleToken(cog.RefreshedTokens("client-id"))
	resp = fn["refresh"].Invoke(apigwtest.Post("/refresh", `{"refresh_token":"`+refreshToken+`"}`,
		http.Header{"Content-Type": {"application/json"}}), timeout)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, `"access_token"`) {
		t.Errorf("/refresh: %d %s", resp.StatusCode, resp.Body)
	}

	// /logout, then /signed-out
	resp = fn["logout"].Invoke(apigwtest.Post("/logout", "refresh_token="+refreshToken,
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}), timeout)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Headers["Location"], cog.URL+"/logout?") {
		t.Errorf("/logout: %d %s", resp.StatusCode, resp.Headers["Location"])
	}
	if r := cog.RevokeRequests(); len(r) != 1 || r[0].Form.Get("token") != refreshToken {
		t.Errorf("revocations: %d", len(r))
	}
	if r := fn["logout"].Invoke(apigwtest.Request("/signed-out", nil, nil), timeout); r.StatusCode != http.StatusOK {
		t.Errorf("/signed-out: %d", r.StatusCode)
	}

	// The functions' logs: JSON lines with the request id, nothing secret.
	secrets := []string{clientSecret, cookieKey, cookie, state, nonce, "code-from-cognito", refreshToken}
	for _, k := range []string{"secret_access_key", "session_token"} {
		if s, _ := awsCreds[k].(string); s != "" {
			secrets = append(secrets, s)
		}
	}
	if s, _ := tok["access_token"].(string); s != "" {
		secrets = append(secrets, s)
	}
	if s, _ := tok["id_token"].(string); s != "" {
		secrets = append(secrets, s)
	}
	for name, r := range fn {
		out := r.Output()
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if line != "" && !json.Valid([]byte(line)) {
				t.Errorf("%s wrote a non-JSON log line: %s", name, line)
			}
		}
		if !strings.Contains(out, `"request_id":"req-1"`) || !strings.Contains(out, `"aws_request_id":"req-`) {
			t.Errorf("%s logs lack the request ids:\n%s", name, out)
		}
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s logged a secret value (%.10s...)", name, s)
			}
		}
	}
}

// TestBadConfigurationFailsAtStartUp: a function started without its
// configuration exits before taking a request, naming every missing
// variable in its log.
func TestBadConfigurationFailsAtStartUp(t *testing.T) {
	for _, name := range routes.Functions() {
		if name == "hello" {
			continue // it reads no configuration
		}
		t.Run(name, func(t *testing.T) {
			r := lambdatest.Start(t, bins[name], map[string]string{
				"COGNITO_DOMAIN": "http://not-loopback.example.com",
			})
			if err := r.Exit(10 * time.Second); err == nil {
				t.Fatalf("%s exited 0 with a bad configuration", name)
			}
			out := r.Output()
			want := []string{"COGNITO_DOMAIN: must use https", "CLIENT_SECRET_NAME: is not set"}
			if name != "login" {
				want = append(want, "COGNITO_ISSUER: is not set")
			}
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("start-up log does not say %q:\n%s", w, out)
				}
			}
		})
	}
}
