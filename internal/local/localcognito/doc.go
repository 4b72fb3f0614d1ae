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
// access tokens but no new refresh token, revocation that also disables the
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
// What it deliberately does not do, or does differently:
//   - No implicit grant (response_type=token), client credentials, MFA,
//     custom attributes, Lambda triggers or refresh token rotation. The only
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
