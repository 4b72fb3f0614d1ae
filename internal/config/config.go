// Package config reads the functions' configuration from environment
// variables, as the runtime contract lists them, and validates all of it up
// front so that a deployment with a typo fails at start-up with every problem
// named, not on the first user's request.
//
// It does not read the process environment itself: callers pass a getenv
// function (os.Getenv in main, a map in tests).
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Names of the environment variables the contract defines.
const (
	EnvCognitoDomain = "COGNITO_DOMAIN"
	EnvIssuer        = "COGNITO_ISSUER"
	EnvSecretName    = "CLIENT_SECRET_NAME"
	EnvScopes        = "OAUTH_SCOPES"
	EnvRedirectURI   = "REDIRECT_URI"
)

// APIScope is the resource-server scope the sample API requires (template.yaml
// declares the resource server "api" with the scope "read"); it is requested
// by default so that the access token is accepted by /hello.
const APIScope = "api/read"

// DefaultScopes is what /login requests when OAUTH_SCOPES is not set.
var DefaultScopes = []string{"openid", "email", "profile", APIScope}

// Config is the validated configuration of the sign-in functions (package
// signin).
type Config struct {
	// CognitoDomain is the user pool domain's base URL without a trailing
	// slash, e.g. https://myapp.auth.us-east-1.amazoncognito.com.
	CognitoDomain string
	// Issuer is the user pool's issuer URL; empty unless required.
	Issuer string
	// SecretName is the Secrets Manager secret id (name or ARN).
	SecretName string
	// Scopes are the OAuth scopes /login requests; always include "openid".
	Scopes []string
	// RedirectURI, when set, overrides the callback URL derived from the
	// request (custom domains).
	RedirectURI string
}

// Requirement names an optional variable a function cannot run without.
type Requirement int

// RequireIssuer makes COGNITO_ISSUER mandatory (the callback verifies ID
// tokens against it).
const RequireIssuer Requirement = iota + 1

// Load reads and validates the configuration. COGNITO_DOMAIN and
// CLIENT_SECRET_NAME are always required; reqs add more. The returned error
// lists every problem, each with its variable's name.
func Load(getenv func(string) string, reqs ...Requirement) (*Config, error) {
	var problems []error
	add := func(name, format string, args ...any) {
		problems = append(problems, fmt.Errorf("%s: "+format, append([]any{name}, args...)...))
	}
	c := &Config{}

	if v := strings.TrimSpace(getenv(EnvCognitoDomain)); v == "" {
		add(EnvCognitoDomain, "is not set")
	} else if u, err := parseBaseURL(v); err != nil {
		add(EnvCognitoDomain, "%v", err)
	} else if u.Path != "" && u.Path != "/" {
		add(EnvCognitoDomain, "must be the domain's base URL without a path (got path %q)", u.Path)
	} else {
		c.CognitoDomain = strings.TrimSuffix(u.String(), "/")
	}

	issuer := strings.TrimSpace(getenv(EnvIssuer))
	needIssuer := false
	for _, r := range reqs {
		needIssuer = needIssuer || r == RequireIssuer
	}
	switch {
	case issuer == "" && needIssuer:
		add(EnvIssuer, "is not set")
	case issuer != "":
		if u, err := parseBaseURL(issuer); err != nil {
			add(EnvIssuer, "%v", err)
		} else if strings.HasSuffix(u.Path, "/") {
			add(EnvIssuer, "must not end with a slash: it is compared byte for byte with the token's iss claim")
		} else {
			c.Issuer = issuer
		}
	}

	if v := strings.TrimSpace(getenv(EnvSecretName)); v == "" {
		add(EnvSecretName, "is not set")
	} else {
		c.SecretName = v
	}

	c.Scopes = append([]string(nil), DefaultScopes...)
	if v := strings.TrimSpace(getenv(EnvScopes)); v != "" {
		scopes, err := parseScopes(v)
		if err != nil {
			add(EnvScopes, "%v", err)
		} else {
			c.Scopes = scopes
		}
	}

	if v := strings.TrimSpace(getenv(EnvRedirectURI)); v != "" {
		if u, err := parseBaseURL(v); err != nil {
			add(EnvRedirectURI, "%v", err)
		} else if u.Path == "" {
			add(EnvRedirectURI, "must include the callback path, e.g. https://example.com/callback")
		} else {
			c.RedirectURI = v
		}
	}

	if len(problems) > 0 {
		return nil, fmt.Errorf("invalid configuration: %w", errors.Join(problems...))
	}
	return c, nil
}

// parseBaseURL accepts an absolute https URL, or http on a loopback host,
// without query, fragment or user info.
func parseBaseURL(v string) (*url.URL, error) {
	u, err := url.Parse(v)
	if err != nil {
		return nil, fmt.Errorf("is not a URL: %q", v)
	}
	switch {
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("must be an absolute URL with a host (got %q)", v)
	case u.User != nil:
		return nil, errors.New("must not contain user info")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, errors.New("must not contain a query or fragment")
	case u.Scheme == "https":
		return u, nil
	case u.Scheme == "http" && IsLoopback(u.Hostname()):
		return u, nil
	case u.Scheme == "http":
		return nil, fmt.Errorf("must use https (http is allowed only on localhost, 127.0.0.1 and ::1; got host %q)", u.Hostname())
	default:
		return nil, fmt.Errorf("must use https (got scheme %q)", u.Scheme)
	}
}

// IsLoopback reports whether host (without port) is localhost or a loopback
// IP address, where plain http is allowed for local development.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// parseScopes splits a space-separated scope list and checks each token
// against RFC 6749 §3.3's character set. The list must contain "openid":
// without it Cognito returns no ID token and the callback cannot verify the
// sign-in.
func parseScopes(v string) ([]string, error) {
	scopes := strings.Fields(v)
	hasOpenID := false
	seen := map[string]bool{}
	var out []string
	for _, s := range scopes {
		for _, r := range s {
			if r < 0x21 || r > 0x7e || r == '"' || r == '\\' {
				return nil, fmt.Errorf("scope %q has a character RFC 6749 does not allow", s)
			}
		}
		if seen[s] {
			continue
		}
		seen[s] = true
		hasOpenID = hasOpenID || s == "openid"
		out = append(out, s)
	}
	if !hasOpenID {
		return nil, errors.New(`must include "openid"`)
	}
	return out, nil
}
