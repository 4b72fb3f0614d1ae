package config

import (
	"slices"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func valid() map[string]string {
	return map[string]string{
		EnvCognitoDomain: "https://myapp.auth.us-east-1.amazoncognito.com",
		EnvIssuer:        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123",
		EnvSecretName:    "stack/cognito-app-client",
	}
}

func TestLoadValid(t *testing.T) {
	c, err := Load(env(valid()), RequireIssuer)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.CognitoDomain, "https://myapp.auth.us-east-1.amazoncognito.com"; got != want {
		t.Errorf("CognitoDomain = %q, want %q", got, want)
	}
	if got, want := c.Scopes, DefaultScopes; !slices.Equal(got, want) {
		t.Errorf("Scopes = %q, want %q", got, want)
	}
	if c.RedirectURI != "" {
		t.Errorf("RedirectURI = %q, want empty", c.RedirectURI)
	}
}

func TestLoadOverrides(t *testing.T) {
	m := valid()
	m[EnvCognitoDomain] = "http://localhost:9229/"
	m[EnvScopes] = " openid  email openid "
	m[EnvRedirectURI] = "https://auth.example.com/callback"
	c, err := Load(env(m))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.CognitoDomain, "http://localhost:9229"; got != want {
		t.Errorf("CognitoDomain = %q, want %q", got, want)
	}
	if got, want := c.Scopes, []string{"openid", "email"}; !slices.Equal(got, want) {
		t.Errorf("Scopes = %q, want %q", got, want)
	}
	if got, want := c.RedirectURI, "https://auth.example.com/callback"; got != want {
		t.Errorf("RedirectURI = %q, want %q", got, want)
	}
}

func TestLoadProblems(t *testing.T) {
	tests := []struct {
		name string
		set  map[string]string
		reqs []Requirement
		want []string // substrings of the error, each naming its variable
	}{
		{"all missing", map[string]string{EnvCognitoDomain: "", EnvSecretName: "", EnvIssuer: ""}, []Requirement{RequireIssuer},
			[]string{"COGNITO_DOMAIN: is not set", "CLIENT_SECRET_NAME: is not set", "COGNITO_ISSUER: is not set"}},
		{"http on a public host", map[string]string{EnvCognitoDomain: "http://myapp.auth.us-east-1.amazoncognito.com"}, nil,
			[]string{"COGNITO_DOMAIN: must use https"}},
		{"not a URL", map[string]string{EnvCognitoDomain: "myapp.auth.us-east-1.amazoncognito.com"}, nil,
			[]string{"COGNITO_DOMAIN: must be an absolute URL"}},
		{"domain with a path", map[string]string{EnvCognitoDomain: "https://d.example.com/oauth2"}, nil,
			[]string{"COGNITO_DOMAIN: must be the domain's base URL"}},
		{"domain with a query", map[string]string{EnvCognitoDomain: "https://d.example.com?x=1"}, nil,
			[]string{"COGNITO_DOMAIN: must not contain a query"}},
		{"ftp scheme", map[string]string{EnvIssuer: "ftp://cognito-idp.example.com/pool"}, nil,
			[]string{`COGNITO_ISSUER: must use https (got scheme "ftp")`}},
		{"issuer trailing slash", map[string]string{EnvIssuer: "https://cognito-idp.us-east-1.amazonaws.com/pool/"}, nil,
			[]string{"COGNITO_ISSUER: must not end with a slash"}},
		{"scopes without openid", map[string]string{EnvScopes: "email profile"}, nil,
			[]string{`OAUTH_SCOPES: must include "openid"`}},
		{"scope with a quote", map[string]string{EnvScopes: `openid a"b`}, nil,
			[]string{"OAUTH_SCOPES: scope"}},
		{"redirect without path", map[string]string{EnvRedirectURI: "https://auth.example.com"}, nil,
			[]string{"REDIRECT_URI: must include the callback path"}},
		{"redirect http public", map[string]string{EnvRedirectURI: "http://auth.example.com/callback"}, nil,
			[]string{"REDIRECT_URI: must use https"}},
		{"user info", map[string]string{EnvCognitoDomain: "https://u:p@d.example.com"}, nil,
			[]string{"COGNITO_DOMAIN: must not contain user info"}},
		{"several at once", map[string]string{EnvCognitoDomain: "http://evil.example.com", EnvScopes: "email"}, nil,
			[]string{"COGNITO_DOMAIN:", "OAUTH_SCOPES:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := valid()
			for k, v := range tt.set {
				m[k] = v
			}
			_, err := Load(env(m), tt.reqs...)
			if err == nil {
				t.Fatalf("Load succeeded, want an error containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestIssuerOptionalUnlessRequired(t *testing.T) {
	m := valid()
	delete(m, EnvIssuer)
	if _, err := Load(env(m)); err != nil {
		t.Errorf("Load without issuer, not required: %v", err)
	}
	if _, err := Load(env(m), RequireIssuer); err == nil {
		t.Error("Load without issuer, required: no error")
	}
}

func TestLoopbackHTTPAllowed(t *testing.T) {
	for _, host := range []string{"localhost", "127.0.0.1", "[::1]", "LOCALHOST"} {
		m := valid()
		m[EnvCognitoDomain] = "http://" + host + ":9229"
		if _, err := Load(env(m)); err != nil {
			t.Errorf("http://%s: %v", host, err)
		}
	}
}

func TestLoadOrigins(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		want     Origins
		problems []string
	}{
		{"none", map[string]string{}, nil, nil},
		{"local ports", map[string]string{EnvOrigins: "http://localhost:5173  http://LOCALHOST:5174 http://localhost:5173"}, Origins{"http://localhost:5173", "http://localhost:5174"}, nil},
		{"custom domain, same site", map[string]string{EnvOrigins: "https://app.example.com https://www.example.com", EnvRedirectURI: "https://api.example.com/callback"}, Origins{"https://app.example.com", "https://www.example.com"}, nil},
		{"default port named", map[string]string{EnvOrigins: "https://app.example.com:443", EnvRedirectURI: "https://api.example.com/callback"}, nil, []string{"default port"}},
		{"custom domain, other site", map[string]string{EnvOrigins: "https://app.example.org", EnvRedirectURI: "https://api.example.com/callback"}, nil, []string{"not on the API's site example.com"}},
		{"custom domain, public suffix", map[string]string{EnvOrigins: "https://other.github.io", EnvRedirectURI: "https://me.github.io/callback"}, nil, []string{"not on the API's site"}},
		{"not https", map[string]string{EnvOrigins: "http://app.example.com", EnvRedirectURI: "https://api.example.com/callback"}, nil, []string{"must use https"}},
		{"scheme differs", map[string]string{EnvOrigins: "http://localhost:5173", EnvRedirectURI: "https://api.example.com/callback"}, nil, []string{"browsers count the scheme"}},
		{"in Lambda, a loopback origin", map[string]string{EnvOrigins: "http://localhost:5173", "AWS_LAMBDA_FUNCTION_NAME": "fn"}, Origins{"http://localhost:5173"}, nil},
		{"without a custom domain, a public origin", map[string]string{EnvOrigins: "https://app.example.com"}, nil, []string{"execute-api host", "only loopback origins"}},
		{"a path", map[string]string{EnvOrigins: "http://localhost:5173/app"}, nil, []string{"without a path"}},
		{"not a URL", map[string]string{EnvOrigins: "localhost:5173 *"}, nil, []string{`"localhost:5173"`, `"*"`}},
		{"user info", map[string]string{EnvOrigins: "http://u@localhost:5173"}, nil, []string{"user info"}},
		{"trailing dot", map[string]string{EnvOrigins: "https://app.example.com.", EnvRedirectURI: "https://api.example.com/callback"}, nil, []string{"dot"}},
		{"loopback API, other loopback host", map[string]string{EnvOrigins: "http://127.0.0.1:5173", EnvRedirectURI: "http://localhost:3000/callback"}, nil, []string{"not the same site"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadOrigins(env(tt.env), PublicSuffixSite)
			if len(tt.problems) == 0 {
				if err != nil || !slices.Equal(got, tt.want) {
					t.Errorf("LoadOrigins = %v, %v; want %v", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("LoadOrigins = %v, want an error", got)
			}
			for _, p := range tt.problems {
				if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), EnvOrigins) {
					t.Errorf("error %q does not say %q with the variable's name", err, p)
				}
			}
		})
	}
}

func TestOriginsAllows(t *testing.T) {
	o := Origins{"https://app.example.com", "http://localhost:5173"}
	for origin, want := range map[string]bool{
		"https://app.example.com": true, "https://APP.example.com": true, "https://app.example.com:443": false, "http://localhost:5173": true,
		"https://app.example.com.evil.com": false, "http://app.example.com": false, "http://localhost:5174": false,
		"null": false, "": false, "https://app.example.com/x": false,
	} {
		if got := o.Allows(origin); got != want {
			t.Errorf("Allows(%q) = %v, want %v", origin, got, want)
		}
	}
}

// TestLastTwoLabelsIsLooser: the looser site check (hello's) accepts every
// pair of hosts the public suffix list calls same-site, and still refuses
// hosts that share no registrable domain's last two labels.
func TestLastTwoLabelsIsLooser(t *testing.T) {
	hosts := []string{"app.example.com", "api.example.com", "example.com", "a.b.example.com", "app.example.org",
		"me.github.io", "other.github.io", "app.example.co.uk", "api.example.co.uk", "api.other.co.uk", "x.appspot.com"}
	for _, a := range hosts {
		for _, b := range hosts {
			pa, err1 := PublicSuffixSite(a)
			pb, err2 := PublicSuffixSite(b)
			la, err3 := LastTwoLabels(a)
			lb, err4 := LastTwoLabels(b)
			if err1 == nil && err2 == nil && pa == pb && (err3 != nil || err4 != nil || la != lb) {
				t.Errorf("%s and %s: same site by the public suffix list (%s), not by LastTwoLabels (%s, %s)", a, b, pa, la, lb)
			}
		}
	}
	api := "https://api.example.com/callback"
	if _, err := LoadOrigins(env(map[string]string{EnvOrigins: "https://app.example.org", EnvRedirectURI: api}), LastTwoLabels); err == nil {
		t.Error("LastTwoLabels accepted an origin on another domain")
	}
	if got, err := LoadOrigins(env(map[string]string{EnvOrigins: "https://app.example.com", EnvRedirectURI: api}), LastTwoLabels); err != nil || len(got) != 1 {
		t.Errorf("LastTwoLabels refused a same-site origin: %v, %v", got, err)
	}
	if _, err := LastTwoLabels("localhost"); err == nil {
		t.Error("LastTwoLabels(localhost): want an error")
	}
}
