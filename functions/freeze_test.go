//go:build unix

package functions_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/functions/internal/lambdatest"
	"github.com/example/cognito-sam-go/internal/apigw/apigwtest"
	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/cognito/cognitotest"
	"github.com/example/cognito-sam-go/internal/logincookie"
	"github.com/example/cognito-sam-go/internal/secret"
	"github.com/example/cognito-sam-go/internal/secret/mototest"
)

const (
	// freezeProcs function processes per route, each frozen freezeRounds
	// times: 50 freezes per route in the wall time of 10, since every
	// freeze must outlast cognito.MaxIdleReuse.
	freezeProcs  = 5
	freezeRounds = 10
	// freezeFor is how long a frozen function stays frozen: longer than the
	// idle time after which the client stops reusing its connections.
	freezeFor = cognito.MaxIdleReuse + 100*time.Millisecond
)

// TestFreezeThawDoesNotFailAGrant: Lambda freezes an execution environment
// between invocations, and the token endpoint may close the idle
// keep-alive connection meanwhile. Each round here does what Lambda and
// such a server do: once a grant has pooled a connection, the built
// function is frozen (SIGSTOP), the fake Cognito closes its connections,
// and after freezeFor the next invocation is handed to the frozen function
// and it is thawed (SIGCONT). No sign-in, refresh or revocation may fail,
// and no code is sent twice.
func TestFreezeThawDoesNotFailAGrant(t *testing.T) {
	endpoint := mototest.Start(t)
	mototest.UseEndpoint(t, endpoint)
	mototest.PutSecret(t, mototest.Client(t), secretName,
		`{"client_id":"client-id","client_secret":"`+clientSecret+`","cookie_key":"`+cookieKey+`"}`)
	sealer, err := logincookie.NewSealer(secret.Value{ClientID: "client-id", CookieKey: cookieKey}.SealKeys())
	if err != nil {
		t.Fatal(err)
	}

	// One grant through fn against cog; "" when it succeeded, else why not.
	type grant func(t *testing.T, fn *lambdatest.Runtime, cog *cognitotest.Server, invoke invokeFunc, round int) string
	routes := []struct {
		name  string
		setup func(cog *cognitotest.Server)
		grant grant
		// received counts the grants cog received.
		received func(cog *cognitotest.Server) int
	}{
		{"callback", func(cog *cognitotest.Server) { cog.HandleToken(cog.Tokens("client-id", "nonce-0123456789")) },
			func(t *testing.T, fn *lambdatest.Runtime, cog *cognitotest.Server, invoke invokeFunc, round int) string {
				state := fmt.Sprintf("state-%04d-0123456789abcdef", round)
				cookie, err := sealer.Seal(logincookie.State{State: state, Nonce: "nonce-0123456789",
					Verifier: strings.Repeat("v", 43), Created: time.Now()})
				if err != nil {
					t.Fatal(err)
				}
				resp := invoke(apigwtest.Request("/callback",
					url.Values{"code": {fmt.Sprintf("code-%d", round)}, "state": {state}},
					http.Header{"Cookie": {logincookie.NameFor(state) + "=" + cookie}, "Accept": {"application/json"}}), timeout)
				var tok map[string]any
				if err := json.Unmarshal([]byte(resp.Body), &tok); resp.StatusCode != http.StatusOK || err != nil || tok["id_token"] == nil {
					return fmt.Sprintf("%d %s", resp.StatusCode, resp.Body)
				}
				return ""
			},
			func(cog *cognitotest.Server) int {
				seen := map[string]bool{}
				for _, r := range cog.Requests() {
					if c := r.Form.Get("code"); seen[c] {
						t.Errorf("code %q was sent twice", c)
					} else {
						seen[c] = true
					}
				}
				return len(seen)
			}},
		{"refresh", func(cog *cognitotest.Server) { cog.HandleToken(cog.RefreshedTokens("client-id")) },
			func(t *testing.T, fn *lambdatest.Runtime, cog *cognitotest.Server, invoke invokeFunc, round int) string {
				resp := invoke(apigwtest.Post("/refresh", `{"refresh_token":"refresh-token-value"}`,
					http.Header{"Content-Type": {"application/json"}}), timeout)
				if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, `"access_token"`) {
					return fmt.Sprintf("%d %s", resp.StatusCode, resp.Body)
				}
				return ""
			},
			func(cog *cognitotest.Server) int { return len(cog.Requests()) }},
		{"logout", func(cog *cognitotest.Server) {},
			func(t *testing.T, fn *lambdatest.Runtime, cog *cognitotest.Server, invoke invokeFunc, round int) string {
				before := len(cog.RevokeRequests())
				resp := invoke(apigwtest.Post("/logout", "refresh_token=refresh-token-value",
					http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}), timeout)
				if resp.StatusCode != http.StatusSeeOther {
					return fmt.Sprintf("%d %s", resp.StatusCode, resp.Body)
				}
				if len(cog.RevokeRequests()) != before+1 {
					return "signed out without revoking (the revocation never reached Cognito)"
				}
				return ""
			},
			func(cog *cognitotest.Server) int { return len(cog.RevokeRequests()) }},
	}

	// All the processes go through each round together, so the rounds'
	// freezes overlap: one goroutine, whatever -parallel is.
	type instance struct {
		route int
		fn    *lambdatest.Runtime
		cog   *cognitotest.Server
		fails int
	}
	start := time.Now()
	var all []*instance
	for r, rt := range routes {
		for range freezeProcs {
			cog := cognitotest.New(t)
			rt.setup(cog)
			fn := lambdatest.Start(t, bins[rt.name], map[string]string{
				"COGNITO_DOMAIN": cog.URL, "COGNITO_ISSUER": cog.Issuer, "CLIENT_SECRET_NAME": secretName,
				"AWS_ENDPOINT_URL_SECRETS_MANAGER": endpoint, "AWS_REGION": "us-east-1",
				"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_EC2_METADATA_DISABLED": "true",
			})
			all = append(all, &instance{route: r, fn: fn, cog: cog})
		}
	}
	// Round 0, cold, pools a connection to the token endpoint.
	for _, in := range all {
		if why := routes[in.route].grant(t, in.fn, in.cog, in.fn.Invoke, 0); why != "" {
			t.Fatalf("cold %s: %s", routes[in.route].name, why)
		}
	}
	for round := 1; round <= freezeRounds; round++ {
		for _, in := range all {
			in.fn.Freeze()
		}
		for _, in := range all {
			in.cog.CloseClientConnections()
		}
		time.Sleep(freezeFor)
		for _, in := range all {
			if why := routes[in.route].grant(t, in.fn, in.cog, in.fn.InvokeThawing, round); why != "" {
				in.fails++
				t.Errorf("%s, round %d, right after the thaw: %s", routes[in.route].name, round, why)
			}
		}
	}
	failed := make([]int, len(routes))
	for _, in := range all {
		if got, want := routes[in.route].received(in.cog), freezeRounds+1-in.fails; got != want {
			t.Errorf("%s: Cognito received %d grants, want %d", routes[in.route].name, got, want)
		}
		failed[in.route] += in.fails
	}
	for r, rt := range routes {
		t.Logf("%s: %d of %d grants right after a thaw failed", rt.name, failed[r], freezeProcs*freezeRounds)
	}
	t.Logf("wall time %v", time.Since(start).Round(100*time.Millisecond))
}

type invokeFunc = func(event events.APIGatewayProxyRequest, timeout time.Duration) events.APIGatewayProxyResponse
