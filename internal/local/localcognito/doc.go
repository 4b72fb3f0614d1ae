// Package localcognito is a local stand-in for an Amazon Cognito user pool
// and its domain: an http.Handler that serves the pool's OAuth 2.0 and OpenID
// Connect endpoints and a small sign-in page, all from memory, for offline
// development and for tests.
//
// It speaks Cognito's protocol, so the application's real code runs against
// it unchanged: point COGNITO_DOMAIN at [Server.Domain] and COGNITO_ISSUER at
// [Server.Issuer]. The endpoints, relative to the domain, are
//
//	GET  /oauth2/authorize       authorization request (code flow only)
//	GET  /login, POST /login     the sign-in page
//	GET  /signup, POST /signup   the sign-up page
//	POST /oauth2/token           authorization_code and refresh_token grants
//	POST /oauth2/revoke          refresh-token revocation
//	GET  /logout                 ends the sign-in session
//	GET  /oauth2/userInfo        user attributes for an access token
//	POST /                       the user pools API (AWS JSON 1.1, X-Amz-Target):
//	                             AddUserPoolClientSecret, ListUserPoolClientSecrets,
//	                             DeleteUserPoolClientSecret
//
// and, relative to the issuer,
//
//	GET  <issuer>/.well-known/openid-configuration
//	GET  <issuer>/.well-known/jwks.json
//
// What it mimics: the checks and error codes of each endpoint as Cognito
// documents them (unknown client and unregistered redirect_uri are an error
// page, never a redirect; other authorization errors are redirected to the
// client; the token endpoint answers 400 with {"error": ...}), exact matching
// of callback and sign-out URLs, PKCE with S256 only, single-use
// authorization codes that live 5 minutes and are bound to their client,
// redirect_uri and code challenge, refresh tokens that return new ID and
// access tokens and, with refresh-token rotation (on by default, as in
// template.yaml; see [RefreshTokenRotation]), a new refresh token, the old
// one working for a grace period after its first use and every token
// keeping the sign-in's expiry, revocation that also disables the
// access tokens issued from the refresh token (their origin_jti), a sign-in
// session cookie ([SessionCookieName], one hour) that lets a second
// authorization request (or /login) skip the sign-in page until /logout, a
// redirect_uri at the token endpoint that differs from the authorization
// request's (unauthorized_client, error_description invalid_redirect), a
// userInfo answer with email_verified as the string "true", and ID and
// access tokens with the claims Cognito puts in them (RS256, signed by a
// [tokensign.Signer]; the ID token has aud, cognito:username, nonce and
// at_hash, the access token client_id, scope, username and version 2 but no
// aud). An ID token is issued only for the openid scope.
//
// Users sign in with their email address, as in a pool whose username
// attribute is email (case-insensitive). Their sub is a random UUID and, as in
// such a pool, their username (cognito:username in the ID token, username in
// the access token) is the same UUID.
//
// An app client holds at most two secrets, as in Cognito since 2026: each
// has an id (<client id>--<epoch milliseconds>) and a creation time, any of
// them authenticates the client at the token and revocation endpoints, and
// the AWS SDK's client-secret actions manage them when
// AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER points at [Server.Domain]
// (custom values of 24-64 characters of [\w+], never echoed; generated
// ones echoed once; the last secret cannot be deleted). Request signatures
// are not checked.
//
// What it deliberately does not do, or does differently:
//   - Revoking one refresh token of a rotated sign-in ends the whole
//     sign-in: every refresh token issued for it, and its access tokens.
//     Cognito documents revocation of "the refresh token and the access
//     tokens issued from it" and says nothing of rotated siblings; ending
//     them all is the conservative reading (a sign-out ends the sign-in in
//     every tab). A token rotated out longer than the grace period ago is
//     unknown, and revoking it changes nothing.
//   - No implicit grant (response_type=token), client credentials, MFA,
//     custom attributes or Lambda triggers. The only
//     federation is [Server.EnableGoogle]'s: a local stand-in for Google's
//     sign-in page (it says plainly that it is not Google), whose users get
//     what Cognito gives federated users (a google_<id> username, the group
//     <pool id>_Google, the identities claim); there are no other groups.
//   - Sign-up signs the user in at once: no confirmation code is sent and the
//     email address counts as verified.
//   - The sign-in page has a Cancel link that returns error=access_denied to
//     the client. Cognito's managed login has no such button; it is here so
//     that the failure path can be tried locally.
//   - Refresh tokens are opaque random strings, not Cognito's encrypted JWTs.
//   - The discovery document advertises response_types_supported ["code"]
//     (Cognito lists "token" too), and userInfo answers 403
//     insufficient_scope to an access token without the openid scope.
//   - Reusing an authorization code revokes the refresh token (and so the
//     access tokens) issued for it, as RFC 6749 section 4.1.2 recommends.
//   - Everything lives in memory and disappears with the process; sizes are
//     bounded (see [MaxPendingCodes]) and expired entries are swept.
//
// Security: the package is for development only and says so on every page.
// Still, it never logs codes, tokens, cookies, passwords or client secrets;
// codes, tokens and session ids carry 256 random bits and are stored only as
// SHA-256 digests; passwords and secrets are compared in constant time, and a
// wrong password and an unknown user get the same answer. Pages are
// html/template with a strict Content-Security-Policy (no scripts at all),
// and the sign-in and sign-up forms reject cross-site posts.
package localcognito
