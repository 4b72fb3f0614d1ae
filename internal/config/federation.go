package config

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Names of the optional variables of federated sign-in and of the identity
// pool. Empty means the feature is off.
const (
	EnvIdentityProviders     = "IDENTITY_PROVIDERS"
	EnvIdentityPoolID        = "IDENTITY_POOL_ID"
	EnvIdentityPoolParameter = "IDENTITY_POOL_PARAMETER"
	EnvCredentialsBucket     = "CREDENTIALS_BUCKET"
)

// Federation is the optional configuration of federated sign-in (/login's
// provider parameter) and of AWS credentials for signed-in users (the
// identity pool behind POST /credentials). The zero value turns both off.
type Federation struct {
	// Providers are the user pool's identity providers (IDENTITY_PROVIDERS)
	// that /login?provider= may name, e.g. "Google": compared exactly,
	// case included, as Cognito compares identity_provider.
	Providers []string
	// IdentityPoolID (IDENTITY_POOL_ID) is the identity pool,
	// <region>:<uuid>. At most one of it and IdentityPoolParameter is set.
	IdentityPoolID string
	// IdentityPoolParameter (IDENTITY_POOL_PARAMETER) is the name of an SSM
	// parameter holding the identity pool id, read at run time: the
	// template cannot hand the id to a function directly (see
	// template.yaml's note on the dependency cycle).
	IdentityPoolParameter string
	// CredentialsBucket (CREDENTIALS_BUCKET) is the S3 bucket whose
	// per-identity prefixes the credentials may use; the credentials page
	// shows commands for it. Optional.
	CredentialsBucket string
	// LoginsKey is the identity pool's name for this user pool, the key of
	// GetId's Logins map: cognito-idp.<region>.<suffix>/<pool id>, derived
	// from COGNITO_ISSUER when an identity pool is configured.
	LoginsKey string
}

// HasIdentityPool reports whether POST /credentials is configured.
func (f Federation) HasIdentityPool() bool {
	return f.IdentityPoolID != "" || f.IdentityPoolParameter != ""
}

// AllowsProvider reports whether /login may send the browser straight to
// the identity provider name: it must be one of Providers, exactly.
func (f Federation) AllowsProvider(name string) bool {
	return name != "" && slices.Contains(f.Providers, name)
}

// LoadFederation reads the optional federation variables; issuer is
// COGNITO_ISSUER as Load validated it (empty when unset). Every problem is
// named at once.
func LoadFederation(getenv func(string) string, issuer string) (Federation, error) {
	var f Federation
	var problems []error
	add := func(name, format string, args ...any) {
		problems = append(problems, fmt.Errorf("%s: "+format, append([]any{name}, args...)...))
	}
	for _, p := range strings.Fields(getenv(EnvIdentityProviders)) {
		switch {
		case !validProviderName(p):
			add(EnvIdentityProviders, "%.40q is not an identity provider name (1-32 letters, digits, '.', '_' or '-')", p)
		case p == "COGNITO":
			add(EnvIdentityProviders, "COGNITO is the user pool itself, not a federated provider: leave it out")
		case !slices.Contains(f.Providers, p):
			f.Providers = append(f.Providers, p)
		}
	}
	id := strings.TrimSpace(getenv(EnvIdentityPoolID))
	param := strings.TrimSpace(getenv(EnvIdentityPoolParameter))
	switch {
	case id != "" && param != "":
		add(EnvIdentityPoolID, "set it or %s, not both", EnvIdentityPoolParameter)
	case id != "" && !validIdentityPoolID(id):
		add(EnvIdentityPoolID, "%.60q is not an identity pool id (<region>:<uuid>)", id)
	case param != "" && !validParameterName(param):
		add(EnvIdentityPoolParameter, "%.60q is not an SSM parameter name (/path/name)", param)
	default:
		f.IdentityPoolID, f.IdentityPoolParameter = id, param
	}
	if b := strings.TrimSpace(getenv(EnvCredentialsBucket)); b != "" {
		if !validBucketName(b) || strings.Contains(b, "..") {
			add(EnvCredentialsBucket, "%.70q is not an S3 bucket name", b)
		} else {
			f.CredentialsBucket = b
		}
	}
	if f.HasIdentityPool() {
		key, err := LoginsKey(issuer)
		if err != nil {
			add(EnvIssuer, "the identity pool needs the user pool's issuer: %v", err)
		}
		f.LoginsKey = key
	}
	if len(problems) > 0 {
		return Federation{}, errors.Join(problems...)
	}
	return f, nil
}

// LoginsKey is the identity pool's provider name for the user pool whose
// issuer this is: cognito-idp.<region>.amazonaws.com/<pool id>, the form
// GetId's documentation gives and the template registers as the identity
// pool's ProviderName. The issuer's own host is kept when it is an AWS one
// (a China Region's amazonaws.com.cn), without the "issuer-" prefix of the
// pool's UPDATED issuer, since the identity pool names the pool the same
// way whatever its issuer configuration; any other host (a local Cognito)
// gets the amazonaws.com form for the pool id's Region.
func LoginsKey(issuer string) (string, error) {
	if issuer == "" {
		return "", errors.New("COGNITO_ISSUER is not set")
	}
	u, err := url.Parse(issuer)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL", issuer)
	}
	poolID := u.Path[strings.LastIndex(u.Path, "/")+1:]
	region, ok := poolRegion(poolID)
	if !ok {
		return "", fmt.Errorf("%q does not end with a user pool id (<region>_<id>)", issuer)
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "issuer-")
	if base := "cognito-idp." + region + ".amazonaws.com"; host != base && host != base+".cn" {
		host = base
	}
	return host + "/" + poolID, nil
}
