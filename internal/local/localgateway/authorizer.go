package localgateway

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// CognitoAuthorizer is an Amazon Cognito user pools (COGNITO_USER_POOLS)
// authorizer on a method, emulated as API Gateway applies it before the
// function is called.
//
// The token is the value of the Authorization header. API Gateway's
// documentation shows the raw token; clients that send "Bearer <token>"
// (AWS Amplify's documented usage) are accepted too, so the prefix is
// stripped when present.
//
// A token is accepted when its RS256 signature verifies against a key of
// Issuer + "/.well-known/jwks.json" chosen by the token's kid, its iss is
// Issuer, its exp has not passed, and:
//
//   - with Scopes (the method's AuthorizationScopes): it is an access token
//     (token_use "access") whose scope claim holds at least one of them;
//   - without Scopes: it is an ID token (token_use "id").
//
// Every refusal is 401 (UNAUTHORIZED), with the message "Unauthorized", or
// "The incoming token has expired" for an expired token; a method whose
// scopes the token lacks also gets 401 (API Gateway developer guide,
// "Integrate a REST API with an Amazon Cognito user pool"). When the keys
// cannot be fetched at all the answer is 500, as for an authorizer API
// Gateway cannot reach.
//
// The key set is fetched on first use and cached. An unknown kid triggers
// at most one refetch per minute (after a failed fetch, at most one every 5
// seconds until a fetch succeeds), so a stream of forged tokens cannot make
// a fetch per request.
//
// On success the claims reach the function as
// requestContext.authorizer.claims, every value a string, as API Gateway
// renders them: exp and iat as Java's Date.toString in UTC ("Mon Jun 15
// 05:56:21 UTC 2026"), other numbers in decimal ("1781499381"), booleans as
// "true"/"false", arrays as their elements joined with "," (cognito:groups
// ["admin","beta testers"] becomes "admin,beta testers": no brackets, no
// spaces added), objects as JSON; null claims are left out. AWS does not
// document how this authorizer flattens arrays; the comma form is the one
// reported from real REST APIs. (An HTTP API's JWT authorizer, payload 2.0,
// is different: "[admin beta testers]".)
type CognitoAuthorizer struct {
	// Issuer is the user pool's issuer,
	// https://cognito-idp.<region>.amazonaws.com/<userPoolId>, or a local
	// one. http is allowed, for local issuers.
	Issuer string
	// Scopes are the method's AuthorizationScopes. Non-empty means an
	// access token carrying any one of them is required.
	Scopes []string
	// HTTPClient fetches the key set. Nil means a client with a 5 second
	// timeout.
	HTTPClient *http.Client
	// Now is the clock for exp and for the refetch interval. Nil means
	// time.Now.
	Now func() time.Time
}

const (
	refetchInterval      = time.Minute
	failedFetchInterval  = 5 * time.Second
	jwksFetchTimeout     = 5 * time.Second
	maxJWKSBytes         = 1 << 20
	messageUnauthorized  = "Unauthorized"
	messageExpiredToken  = "The incoming token has expired"
	javaDateLayoutForUTC = "Mon Jan 02 15:04:05 MST 2006"
)

var (
	errUnknownKey = errors.New("no key with that kid")
	errNoKeys     = errors.New("key set unavailable")
)

// verifier applies one CognitoAuthorizer.
type verifier struct {
	issuer string
	scopes []string
	now    func() time.Time
	keys   *keySet
}

func newVerifier(a *CognitoAuthorizer, keySets map[string]*keySet) (*verifier, []error) {
	var errs []error
	u, err := url.Parse(a.Issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Errorf("authorizer issuer %q: want an absolute http(s) URL", a.Issuer))
	}
	for _, s := range a.Scopes {
		if s == "" || strings.ContainsAny(s, " \t\r\n") {
			errs = append(errs, fmt.Errorf("authorizer scope %q: want a non-empty name without spaces", s))
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	now := a.Now
	if now == nil {
		now = time.Now
	}
	ks := keySets[a.Issuer]
	if ks == nil {
		client := a.HTTPClient
		if client == nil {
			client = &http.Client{Timeout: jwksFetchTimeout}
		}
		ks = &keySet{
			url:    strings.TrimSuffix(a.Issuer, "/") + "/.well-known/jwks.json",
			client: client,
			now:    now,
		}
		keySets[a.Issuer] = ks
	}
	return &verifier{issuer: a.Issuer, scopes: append([]string(nil), a.Scopes...), now: now, keys: ks}, nil
}

// authorize checks the Authorization header values. On success it returns
// the stringified claims and kind 0; otherwise the gateway answer and its
// message.
func (v *verifier) authorize(ctx context.Context, header []string) (map[string]interface{}, responseKind, string) {
	if len(header) == 0 {
		return nil, unauthorized, messageUnauthorized
	}
	raw := header[len(header)-1]
	if len(raw) > 7 && strings.EqualFold(raw[:7], "bearer ") {
		raw = strings.TrimLeft(raw[7:], " ")
	}
	if raw == "" {
		return nil, unauthorized, messageUnauthorized
	}
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || len(jws.Signatures) != 1 || jws.Signatures[0].Header.KeyID == "" {
		return nil, unauthorized, messageUnauthorized
	}
	key, err := v.keys.key(ctx, jws.Signatures[0].Header.KeyID)
	if errors.Is(err, errNoKeys) {
		return nil, authorizerConfigurationError, ""
	}
	if err != nil {
		return nil, unauthorized, messageUnauthorized
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return nil, unauthorized, messageUnauthorized
	}
	claims, err := decodeClaims(payload)
	if err != nil {
		return nil, unauthorized, messageUnauthorized
	}
	if iss, _ := claims["iss"].(string); iss != v.issuer {
		return nil, unauthorized, messageUnauthorized
	}
	exp, ok := numericDate(claims["exp"])
	if !ok {
		return nil, unauthorized, messageUnauthorized
	}
	if !v.now().Before(exp) {
		return nil, unauthorized, messageExpiredToken
	}
	use, _ := claims["token_use"].(string)
	if len(v.scopes) == 0 {
		if use != "id" {
			return nil, unauthorized, messageUnauthorized
		}
	} else {
		scope, _ := claims["scope"].(string)
		if use != "access" || !anyScope(scope, v.scopes) {
			return nil, unauthorized, messageUnauthorized
		}
	}
	return stringifyClaims(claims), 0, ""
}

// decodeClaims decodes a JWT payload keeping numbers as written.
func decodeClaims(payload []byte) (map[string]interface{}, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var claims map[string]interface{}
	if err := dec.Decode(&claims); err != nil {
		return nil, err
	}
	if claims == nil {
		return nil, errors.New("claims are not an object")
	}
	return claims, nil
}

// numericDate reads a JWT NumericDate (seconds since the epoch).
func numericDate(v interface{}) (time.Time, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, false
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)), true
}

// anyScope reports whether the space-separated scope claim holds one of
// want.
func anyScope(scope string, want []string) bool {
	for _, have := range strings.Fields(scope) {
		for _, w := range want {
			if have == w {
				return true
			}
		}
	}
	return false
}

// stringifyClaims renders every claim as the string API Gateway passes in
// requestContext.authorizer.claims.
func stringifyClaims(claims map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(claims))
	for k, v := range claims {
		if k == "exp" || k == "iat" {
			if t, ok := numericDate(v); ok {
				out[k] = t.UTC().Format(javaDateLayoutForUTC)
				continue
			}
		}
		if s, ok := claimString(v); ok {
			out[k] = s
		}
	}
	return out
}

func claimString(v interface{}) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", false
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	case []interface{}:
		parts := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := claimString(e); ok {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ","), true
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return "", false
		}
		return string(b), true
	}
}

// keySet caches an issuer's RSA signing keys by kid. It is safe for
// concurrent use; one fetch runs at a time.
type keySet struct {
	url    string
	client *http.Client
	now    func() time.Time

	fetchMu sync.Mutex // held while fetching

	mu          sync.Mutex // guards the fields below
	keys        map[string]*rsa.PublicKey
	fetched     bool      // a fetch has succeeded
	lastAttempt time.Time // when the last fetch started
}

// key returns the key for kid, fetching the set when kid is unknown and a
// fetch is due. It fails with errNoKeys when no key set could ever be
// fetched, and with errUnknownKey when the set has no such key.
func (s *keySet) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	if k, _, _ := s.lookup(kid); k != nil {
		return k, nil
	}
	s.fetchMu.Lock()
	defer s.fetchMu.Unlock()
	k, fetched, due := s.lookup(kid)
	if k != nil {
		return k, nil
	}
	if due {
		keys, err := s.fetch(ctx)
		s.mu.Lock()
		if err == nil {
			s.keys, s.fetched = keys, true
		}
		fetched = s.fetched
		s.mu.Unlock()
		k, _, _ = s.lookup(kid)
	}
	switch {
	case k != nil:
		return k, nil
	case !fetched:
		return nil, errNoKeys
	default:
		return nil, errUnknownKey
	}
}

// lookup returns the cached key for kid, whether a fetch ever succeeded,
// and whether a new fetch is allowed now.
func (s *keySet) lookup(kid string) (*rsa.PublicKey, bool, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	interval := refetchInterval
	if !s.fetched {
		interval = failedFetchInterval
	}
	due := s.lastAttempt.IsZero() || s.now().Sub(s.lastAttempt) >= interval
	return s.keys[kid], s.fetched, due
}

// fetch downloads and parses the key set. Keys that are not RSA signing
// keys with a kid are skipped.
func (s *keySet) fetch(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	s.mu.Lock()
	s.lastAttempt = s.now()
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), jwksFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch keys: %w", err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch keys: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch keys: status %d", resp.StatusCode)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJWKSBytes)).Decode(&set); err != nil {
		return nil, fmt.Errorf("decode keys: %w", err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, raw := range set.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil {
			continue
		}
		pub, ok := k.Key.(*rsa.PublicKey)
		if !ok || k.KeyID == "" || (k.Use != "" && k.Use != "sig") || (k.Algorithm != "" && k.Algorithm != string(jose.RS256)) {
			continue
		}
		keys[k.KeyID] = pub
	}
	return keys, nil
}
