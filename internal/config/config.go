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
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Names of the environment variables the contract defines.
const (
	EnvCognitoDomain = "COGNITO_DOMAIN"
	EnvIssuer        = "COGNITO_ISSUER"
	EnvSecretName    = "CLIENT_SECRET_NAME"
	EnvScopes        = "OAUTH_SCOPES"
	EnvRedirectURI   = "REDIRECT_URI"
	EnvOrigins       = "ALLOWED_ORIGINS"
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
	// Origins are the front ends (ALLOWED_ORIGINS) that may be a return_to
	// target and call the API from the browser with credentials (CORS).
	Origins Origins
	// Federation is the optional federated sign-in and identity pool
	// configuration (federation.go); its zero value turns both off.
	Federation Federation
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

	if d, err := CognitoDomain(getenv); err != nil {
		problems = append(problems, err)
	} else {
		c.CognitoDomain = d
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

	origins, err := LoadOrigins(getenv, PublicSuffixSite)
	if err != nil {
		problems = append(problems, err)
	}
	c.Origins = origins

	fed, err := LoadFederation(getenv, c.Issuer)
	if err != nil {
		problems = append(problems, err)
	}
	c.Federation = fed

	if len(problems) > 0 {
		return nil, fmt.Errorf("invalid configuration: %w", errors.Join(problems...))
	}
	return c, nil
}

// CognitoDomain reads and checks COGNITO_DOMAIN alone (Load does it too):
// the domain's base URL without a trailing slash. The error starts with the
// variable's name. The rotation function needs nothing else of Load.
func CognitoDomain(getenv func(string) string) (string, error) {
	v := strings.TrimSpace(getenv(EnvCognitoDomain))
	if v == "" {
		return "", fmt.Errorf("%s: is not set", EnvCognitoDomain)
	}
	u, err := parseBaseURL(v)
	switch {
	case err != nil:
		return "", fmt.Errorf("%s: %w", EnvCognitoDomain, err)
	case u.Path != "" && u.Path != "/":
		return "", fmt.Errorf("%s: must be the domain's base URL without a path (got path %q)", EnvCognitoDomain, u.Path)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
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

// Origins is the validated ALLOWED_ORIGINS list: each origin lower-case
// scheme://host[:port], default ports removed. The zero value allows none.
type Origins []string

// Allows reports whether origin (an Origin header) is in the list. The
// comparison is exact after the same normalisation, so a look-alike host
// or another port is not allowed.
func (o Origins) Allows(origin string) bool {
	n, err := normalizeOrigin(origin)
	if err != nil {
		return false
	}
	for _, a := range o {
		if a == n {
			return true
		}
	}
	return false
}

// A SiteFunc returns the part of a host name that two same-site hosts
// share.
type SiteFunc func(host string) (string, error)

// PublicSuffixSite is the host's registrable domain (eTLD+1) by the public
// suffix list, as browsers decide the site: app.example.com and
// api.example.com are one site, other.github.io and me.github.io are not.
func PublicSuffixSite(host string) (string, error) { return publicsuffix.EffectiveTLDPlusOne(host) }

// LastTwoLabels is the host's last two labels: every pair of same-site
// hosts shares them (a registrable domain has at least two), so a check
// with it refuses nothing PublicSuffixSite accepts, only less. hello uses
// it: it answers CORS for bearer-token calls and reads no cookie, while the
// sign-in functions, which read the same ALLOWED_ORIGINS (the template's
// Globals), refuse to start on an origin that is not exactly same-site; and
// it keeps the public suffix list (about 130 KB) out of hello's binary.
func LastTwoLabels(host string) (string, error) {
	labels := strings.Split(host, ".")
	if len(labels) < 2 || labels[len(labels)-2] == "" || labels[len(labels)-1] == "" {
		return "", fmt.Errorf("%q has fewer than two labels", host)
	}
	return strings.Join(labels[len(labels)-2:], "."), nil
}

// LoadOrigins reads ALLOWED_ORIGINS (space-separated origins) and checks
// that each can be same-site with the API: browsers send this app's
// SameSite=Lax session cookies, and often any cookie, only to the same
// site. With REDIRECT_URI set (the API on a custom domain), an origin must
// have its scheme and registrable domain (eTLD+1, from the public suffix
// list). Without it, the API is API Gateway's own execute-api host, a site
// no front end shares, or a loopback host: only loopback origins are
// accepted then, for a front end on another port of localhost. Every
// problem is named at once. site tells which part of a host name decides
// the site: PublicSuffixSite, what browsers use, or LastTwoLabels, a
// looser check for functions that only answer CORS (see there).
func LoadOrigins(getenv func(string) string, site SiteFunc) (Origins, error) {
	v := strings.TrimSpace(getenv(EnvOrigins))
	if v == "" {
		return nil, nil
	}
	var api *url.URL
	if r := strings.TrimSpace(getenv(EnvRedirectURI)); r != "" {
		if u, err := parseBaseURL(r); err == nil {
			api = u
		}
	}
	var problems []error
	add := func(format string, args ...any) {
		problems = append(problems, fmt.Errorf("%s: "+format, append([]any{EnvOrigins}, args...)...))
	}
	var out Origins
	for _, o := range strings.Fields(v) {
		n, err := normalizeOrigin(o)
		if err != nil {
			add("%.100q %v", o, err)
			continue
		}
		if err := sameSite(n, api, site); err != nil {
			add("%s %v", n, err)
			continue
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return out, nil
}

// normalizeOrigin checks that o is an origin (scheme://host[:port], https,
// or http on a loopback host) and returns it lower-cased, without a default
// port.
func normalizeOrigin(o string) (string, error) {
	u, err := parseBaseURL(o)
	if err != nil {
		return "", err
	}
	if u.Path != "" || u.RawPath != "" {
		return "", errors.New("must be an origin, scheme://host[:port], without a path")
	}
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		return "", errors.New("must not name the scheme's default port: browsers send the origin without it")
	}
	if strings.HasSuffix(host, ".") {
		return "", errors.New("must not end the host with a dot")
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return u.Scheme + "://" + host, nil
}

// sameSite checks that the origin n can be same-site with the API: api is
// REDIRECT_URI's URL, or nil when the callback URL is derived from the
// request (API Gateway's own execute-api host, or a loopback host).
func sameSite(n string, api *url.URL, site SiteFunc) error {
	u, _ := url.Parse(n)
	host := u.Hostname()
	switch {
	case api == nil && !IsLoopback(host):
		return errors.New("cannot be same-site with the API without a custom domain: API Gateway's execute-api host is a site of its own, so the browser would not send this origin the session cookies; put the API on a custom domain of the front end's site (REDIRECT_URI, the template's ApiDomainName). Without one only loopback origins (localhost on another port, for local development) are accepted")
	case api == nil:
		return nil
	case u.Scheme != api.Scheme:
		return fmt.Errorf("is %s and the API %s: browsers count the scheme in the site", u.Scheme, api.Scheme)
	}
	apiHost := strings.ToLower(api.Hostname())
	if IsLoopback(host) || IsLoopback(apiHost) {
		if host != apiHost {
			return fmt.Errorf("is on %s and the API on %s: not the same site", host, apiHost)
		}
		return nil
	}
	a, err1 := site(host)
	b, err2 := site(apiHost)
	if err1 != nil || err2 != nil || a != b {
		return fmt.Errorf("is not on the API's site %s (REDIRECT_URI), so the browser would not send it the session cookies", b)
	}
	return nil
}
