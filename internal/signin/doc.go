// Package signin is the browser-facing sign-in concern: the handlers of
// GET /login, GET /callback, POST /refresh, POST /logout and GET
// /signed-out, as methods of one Server, and what they share: the
// configuration, the cached client secret, the Cognito client, one error
// path, the time budget of a call to Cognito, and the token reply.
//
// A Server is built once per execution environment (Load in a Lambda main,
// New in tests and in the local run) and is safe for concurrent use. Every
// handler answers with a response and a nil error: errors become the
// contract's status codes and fixed messages in one place (Server.serve,
// apigw.ErrorResponse), and internal detail reaches the log only. Codes,
// tokens, cookies and secrets are never logged.
//
// The rules the handlers enforce, in the runtime contract's order:
//
//   - /login seals state, nonce and PKCE verifier into one cookie and sends
//     the browser to Cognito's authorize endpoint.
//   - /callback never calls Cognito unless the cookie opens and state
//     matches; it sends the code once (again only after invalid_client with
//     a changed secret) and verifies the ID token before answering.
//   - /refresh and /logout refuse a browser's cross-site post, and read the
//     refresh token from the body, never from a cookie.
//
// It does not verify access tokens: API Gateway's Cognito authorizer does,
// in front of the routes that need one (package routes).
package signin
