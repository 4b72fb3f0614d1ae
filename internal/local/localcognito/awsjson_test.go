package localcognito

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// sdkClient is the real AWS SDK client pointed at the pool's domain, as
// AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER would point it.
func sdkClient(p *testPool) *cip.Client {
	return cip.New(cip.Options{
		BaseEndpoint:     aws.String(p.Domain()),
		Region:           "us-east-1",
		Credentials:      aws.AnonymousCredentials{},
		RetryMaxAttempts: 1,
	})
}

// TestClientSecretAPI drives the three client-secret actions through the
// AWS SDK: Cognito's rules (at most two secrets, the last cannot go,
// custom values 24-64 of [\w+] and never echoed, generated ones echoed
// once, ids <client id>--<epoch ms>, oldest first) and its error types.
func TestClientSecretAPI(t *testing.T) {
	pool := newTestPool(t, nil)
	api := sdkClient(pool)
	ctx := context.Background()
	pid, cid := aws.String(pool.PoolID()), aws.String(testClientID)

	list := func() []types.ClientSecretDescriptorType {
		t.Helper()
		out, err := api.ListUserPoolClientSecrets(ctx, &cip.ListUserPoolClientSecretsInput{UserPoolId: pid, ClientId: cid})
		if err != nil {
			t.Fatalf("ListUserPoolClientSecrets: %v", err)
		}
		for _, d := range out.ClientSecrets {
			if d.ClientSecretValue != nil {
				t.Errorf("ListUserPoolClientSecrets revealed the value of %s", aws.ToString(d.ClientSecretId))
			}
		}
		return out.ClientSecrets
	}
	first := list()
	if len(first) != 1 || !strings.HasPrefix(aws.ToString(first[0].ClientSecretId), testClientID+"--") || first[0].ClientSecretCreateDate == nil {
		t.Fatalf("the configured secret is listed as %+v", first)
	}

	const custom = "custom_secret+value_0123456789"
	added, err := api.AddUserPoolClientSecret(ctx, &cip.AddUserPoolClientSecretInput{UserPoolId: pid, ClientId: cid, ClientSecret: aws.String(custom)})
	if err != nil {
		t.Fatalf("AddUserPoolClientSecret: %v", err)
	}
	d := added.ClientSecretDescriptor
	if d == nil || d.ClientSecretValue != nil || aws.ToString(d.ClientSecretId) == aws.ToString(first[0].ClientSecretId) {
		t.Fatalf("added custom secret described as %+v: want a new id and no value", d)
	}
	if got := list(); len(got) != 2 || aws.ToString(got[1].ClientSecretId) != aws.ToString(d.ClientSecretId) || !got[1].ClientSecretCreateDate.After(*got[0].ClientSecretCreateDate) {
		t.Errorf("after the add: %+v, want the first then the new one, later", got)
	}
	// Either secret authenticates the client.
	for _, secret := range []string{testSecret, custom} {
		if res := pool.tokenRequest(t, "/oauth2/token", testClientID, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"made-up"}}); oauthErrorOf(t, res.body) != "invalid_grant" {
			t.Errorf("secret %.6s...: %d %s, want invalid_grant (client authenticated)", secret, res.status, res.body)
		}
	}

	errorCases := []struct {
		name string
		call func() error
		want any // a pointer to the SDK's error type
	}{
		{"a third secret", func() error {
			_, err := api.AddUserPoolClientSecret(ctx, &cip.AddUserPoolClientSecretInput{UserPoolId: pid, ClientId: cid})
			return err
		}, new(*types.LimitExceededException)},
		{"another pool", func() error {
			_, err := api.ListUserPoolClientSecrets(ctx, &cip.ListUserPoolClientSecretsInput{UserPoolId: aws.String("us-east-1_other"), ClientId: cid})
			return err
		}, new(*types.ResourceNotFoundException)},
		{"an unknown client", func() error {
			_, err := api.ListUserPoolClientSecrets(ctx, &cip.ListUserPoolClientSecretsInput{UserPoolId: pid, ClientId: aws.String("nosuchclient")})
			return err
		}, new(*types.ResourceNotFoundException)},
		{"an unknown secret id", func() error {
			_, err := api.DeleteUserPoolClientSecret(ctx, &cip.DeleteUserPoolClientSecretInput{UserPoolId: pid, ClientId: cid, ClientSecretId: aws.String(testClientID + "--1")})
			return err
		}, new(*types.ResourceNotFoundException)},
	}
	for _, bad := range []string{"too-short_value", strings.Repeat("a", 23), strings.Repeat("a", 65), "has a space in it 0123456789", "has-a-hyphen-0123456789abcd"} {
		errorCases = append(errorCases, struct {
			name string
			call func() error
			want any
		}{"custom value " + bad, func() error {
			_, err := api.AddUserPoolClientSecret(ctx, &cip.AddUserPoolClientSecretInput{UserPoolId: pid, ClientId: cid, ClientSecret: aws.String(bad)})
			return err
		}, new(*types.InvalidParameterException)})
	}
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil || !errors.As(err, tc.want) {
				t.Errorf("error %v, want %T", err, tc.want)
			}
		})
	}
	if got := list(); len(got) != 2 {
		t.Fatalf("refused calls changed the secrets: %+v", got)
	}

	// Delete the first; it stops working, the new one keeps working.
	if _, err := api.DeleteUserPoolClientSecret(ctx, &cip.DeleteUserPoolClientSecretInput{UserPoolId: pid, ClientId: cid, ClientSecretId: first[0].ClientSecretId}); err != nil {
		t.Fatalf("DeleteUserPoolClientSecret: %v", err)
	}
	if res := pool.tokenRequest(t, "/oauth2/token", testClientID, testSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"made-up"}}); oauthErrorOf(t, res.body) != "invalid_client" {
		t.Errorf("deleted secret: %d %s, want invalid_client", res.status, res.body)
	}
	// The last secret cannot be deleted.
	_, err = api.DeleteUserPoolClientSecret(ctx, &cip.DeleteUserPoolClientSecretInput{UserPoolId: pid, ClientId: cid, ClientSecretId: d.ClientSecretId})
	if ipe := new(types.InvalidParameterException); !errors.As(err, &ipe) {
		t.Errorf("deleting the last secret: %v, want InvalidParameterException", err)
	}
	// A generated value is echoed once, and it works.
	gen, err := api.AddUserPoolClientSecret(ctx, &cip.AddUserPoolClientSecretInput{UserPoolId: pid, ClientId: cid})
	if err != nil {
		t.Fatalf("AddUserPoolClientSecret (generated): %v", err)
	}
	value := aws.ToString(gen.ClientSecretDescriptor.ClientSecretValue)
	if !customSecretPattern.MatchString(value) {
		t.Fatalf("generated secret %q breaks Cognito's own rules", value)
	}
	if res := pool.tokenRequest(t, "/oauth2/token", testClientID, value, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"made-up"}}); oauthErrorOf(t, res.body) != "invalid_grant" {
		t.Errorf("generated secret: %d %s, want invalid_grant", res.status, res.body)
	}
}

// TestEitherSecretForEveryGrant: with two secrets, the code grant, the
// refresh grant and revocation accept either; a deleted one is
// invalid_client at each.
func TestEitherSecretForEveryGrant(t *testing.T) {
	pool := newTestPool(t, nil)
	const second = "second_secret_value_0123456789"
	if _, err := pool.addClientSecret(testClientID, second); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{testSecret, second} {
		code := pool.signIn(t, newBrowser(t), authorizeQuery(testVerifier))
		res := pool.tokenRequest(t, "/oauth2/token", testClientID, secret, url.Values{
			"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testCallback}, "code_verifier": {testVerifier},
		})
		if res.status != http.StatusOK {
			t.Fatalf("code grant with %.6s...: %d %s", secret, res.status, res.body)
		}
		rt := refreshTokenOf(t, res.body)
		if res := pool.tokenRequest(t, "/oauth2/token", testClientID, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}); res.status != http.StatusOK {
			t.Errorf("refresh grant with %.6s...: %d %s", secret, res.status, res.body)
		}
		if res := pool.tokenRequest(t, "/oauth2/revoke", testClientID, secret, url.Values{"token": {rt}}); res.status != http.StatusOK {
			t.Errorf("revoke with %.6s...: %d %s", secret, res.status, res.body)
		}
	}
	if err := pool.RemoveClientSecret(testClientID, testSecret); err != nil {
		t.Fatal(err)
	}
	code := pool.signIn(t, newBrowser(t), authorizeQuery(testVerifier))
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{"/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testCallback}, "code_verifier": {testVerifier}}},
		{"/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"made-up"}}},
		{"/oauth2/revoke", url.Values{"token": {"made-up"}}},
	} {
		if res := pool.tokenRequest(t, c.path, testClientID, testSecret, c.form); oauthErrorOf(t, res.body) != "invalid_client" {
			t.Errorf("%s %s with the deleted secret: %d %s, want invalid_client", c.path, c.form.Get("grant_type"), res.status, res.body)
		}
	}
}

// TestAWSJSONProtocolErrors: requests the SDK would never send get the
// protocol's own errors, not a panic or a 404 page.
func TestAWSJSONProtocolErrors(t *testing.T) {
	pool := newTestPool(t, nil)
	for _, tc := range []struct {
		name, target, contentType, body, wantType string
	}{
		{"no target", "", "application/x-amz-json-1.1", "{}", "UnknownOperationException"},
		{"another service", "AWSSecretsManager.ListSecrets", "application/x-amz-json-1.1", "{}", "UnknownOperationException"},
		{"an action not implemented", targetPrefix + "AdminDeleteUser", "application/x-amz-json-1.1", "{}", "UnknownOperationException"},
		{"not JSON", targetPrefix + "ListUserPoolClientSecrets", "application/x-amz-json-1.1", "nope", "SerializationException"},
		{"wrong content type", targetPrefix + "ListUserPoolClientSecrets", "application/json", "{}", "SerializationException"},
		{"missing ids", targetPrefix + "ListUserPoolClientSecrets", "application/x-amz-json-1.1", "{}", "InvalidParameterException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, pool.Domain()+"/", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			if tc.target != "" {
				req.Header.Set("X-Amz-Target", tc.target)
			}
			res := newBrowser(t).do(req)
			if res.status != http.StatusBadRequest || !strings.Contains(res.body, `"__type":"`+tc.wantType+`"`) {
				t.Errorf("%d %s, want 400 %s", res.status, res.body, tc.wantType)
			}
		})
	}
}

func refreshTokenOf(t *testing.T, body string) string {
	t.Helper()
	var tok struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal([]byte(body), &tok); err != nil || tok.RefreshToken == "" {
		t.Fatalf("no refresh token in %s", body)
	}
	return tok.RefreshToken
}
