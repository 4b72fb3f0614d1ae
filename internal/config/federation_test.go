package config

import (
	"slices"
	"strings"
	"testing"
)

const testIssuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"

func TestLoadFederation(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		issuer  string
		want    Federation
		wantErr []string
	}{
		{name: "off by default", issuer: testIssuer},
		{name: "providers", env: map[string]string{EnvIdentityProviders: " Google  Google SignInWithApple "},
			want: Federation{Providers: []string{"Google", "SignInWithApple"}}},
		{name: "identity pool id", issuer: testIssuer,
			env:  map[string]string{EnvIdentityPoolID: "eu-west-1:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", EnvCredentialsBucket: "my-stack-credentials"},
			want: Federation{IdentityPoolID: "eu-west-1:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", CredentialsBucket: "my-stack-credentials", LoginsKey: "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"}},
		{name: "identity pool parameter", issuer: testIssuer,
			env:  map[string]string{EnvIdentityPoolParameter: "/my-stack/identity-pool-id"},
			want: Federation{IdentityPoolParameter: "/my-stack/identity-pool-id", LoginsKey: "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"}},
		{name: "every problem at once", issuer: "",
			env: map[string]string{
				EnvIdentityProviders: "Goo gle_ COGNITO _x " + strings.Repeat("a", 33), EnvIdentityPoolID: "us-east-1:not-a-uuid",
				EnvCredentialsBucket: "Not_A_Bucket",
			},
			wantErr: []string{`IDENTITY_PROVIDERS: "_x"`, "IDENTITY_PROVIDERS: COGNITO is the user pool", `IDENTITY_PROVIDERS: "aaaa`, "IDENTITY_POOL_ID: \"us-east-1:not-a-uuid\"", "CREDENTIALS_BUCKET:"}},
		{name: "both ways to name the pool", issuer: testIssuer,
			env:     map[string]string{EnvIdentityPoolID: "eu-west-1:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", EnvIdentityPoolParameter: "/p"},
			wantErr: []string{"IDENTITY_POOL_ID: set it or IDENTITY_POOL_PARAMETER, not both"}},
		{name: "identity pool without issuer",
			env:     map[string]string{EnvIdentityPoolParameter: "/p"},
			wantErr: []string{"COGNITO_ISSUER: the identity pool needs the user pool's issuer"}},
		{name: "bad parameter name", issuer: testIssuer,
			env:     map[string]string{EnvIdentityPoolParameter: "no-slash"},
			wantErr: []string{"IDENTITY_POOL_PARAMETER:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadFederation(func(k string) string { return tc.env[k] }, tc.issuer)
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("no error, want %q", tc.wantErr)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Providers, tc.want.Providers) || got.IdentityPoolID != tc.want.IdentityPoolID ||
				got.IdentityPoolParameter != tc.want.IdentityPoolParameter || got.CredentialsBucket != tc.want.CredentialsBucket ||
				got.LoginsKey != tc.want.LoginsKey {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestLoadReportsFederationProblems(t *testing.T) {
	env := map[string]string{EnvIdentityProviders: "_bad", EnvCognitoDomain: "https://x.auth.us-east-1.amazoncognito.com", EnvSecretName: "s"}
	_, err := Load(func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "IDENTITY_PROVIDERS") {
		t.Errorf("Load error = %v, want the IDENTITY_PROVIDERS problem", err)
	}
}

func TestAllowsProvider(t *testing.T) {
	f := Federation{Providers: []string{"Google"}}
	for name, want := range map[string]bool{"Google": true, "google": false, "GOOGLE": false, "Google ": false, "": false, "COGNITO": false, "Facebook": false} {
		if got := f.AllowsProvider(name); got != want {
			t.Errorf("AllowsProvider(%q) = %v, want %v", name, got, want)
		}
	}
	if (Federation{}).AllowsProvider("Google") {
		t.Error("no providers configured, yet Google is allowed")
	}
}

func TestLoginsKey(t *testing.T) {
	for issuer, want := range map[string]string{
		"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc":              "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
		"https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_abc":       "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
		"https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_abc":         "cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_abc",
		"http://127.0.0.1:9229/us-east-1_localpool":                              "cognito-idp.us-east-1.amazonaws.com/us-east-1_localpool",
		"https://cognito-idp.us-east-1.amazonaws.com.evil.example/eu-west-1_abc": "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc",
		"https://cognito-idp.eu-west-1.amazonaws.com.evil.example/eu-west-1_abc": "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc",
	} {
		got, err := LoginsKey(issuer)
		if err != nil || got != want {
			t.Errorf("LoginsKey(%s) = %q, %v; want %q", issuer, got, err, want)
		}
	}
	for _, bad := range []string{"", "https://cognito-idp.us-east-1.amazonaws.com/", "https://x/notapool"} {
		if _, err := LoginsKey(bad); err == nil {
			t.Errorf("LoginsKey(%q) succeeded", bad)
		}
	}
}
