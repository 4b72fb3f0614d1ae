// Package cognito is the client side of Amazon Cognito's OAuth 2.0 and
// OpenID Connect endpoints for a confidential app client: it builds the
// authorize URL (state, nonce, PKCE S256), exchanges an authorization code
// at /oauth2/token exactly once, and verifies the ID token.
//
// The protocol work is done by golang.org/x/oauth2 (authorize URL, PKCE,
// token request) and github.com/coreos/go-oidc/v3 (ID token verification).
// What this package adds is what those libraries leave to the caller:
//
//   - The token request uses client_secret_basic only
//     (oauth2.AuthStyleInHeader). The library's default auto-detection
//     retries a failed request with the other style, sending the
//     single-use code twice.
//   - The token request never follows redirects, which would resend the
//     code, and its deadline comes from the caller's context.
//   - Failures are sorted into the errors a caller must tell apart
//     (ErrInvalidClient, ErrInvalidGrant, ErrTimeout, ...).
//   - The signing keys are fetched with a rate limit: go-oidc's
//     RemoteKeySet refetches on every unknown key id, so forged tokens
//     would cost a key-set fetch each.
//   - Cognito's token_use claim is checked.
//
// It does not store tokens or decide HTTP status codes.
package cognito
