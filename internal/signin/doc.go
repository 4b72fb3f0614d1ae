// Package signin is the browser-facing sign-in concern: the handlers of
// GET /login, GET /callback, GET / (the home page), POST /token, POST
// /refresh, POST /logout, GET /signed-out and POST /credentials, as
// methods of one Server, and what they share: the configuration, the
// cached client secret, the sealed session, the Cognito client, one error
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
//   - /token, /refresh, /logout and /credentials refuse a browser's
//     cross-site post unless it comes from ALLOWED_ORIGINS.
//   - /refresh and /logout use the refresh token in the body when there is
//     one, and otherwise the browser's sealed session cookie; /token and
//     /credentials read only the session, and no answer to a browser
//     session ever holds its refresh token.
//
// It does not verify access tokens: API Gateway's Cognito authorizer does,
// in front of the routes that need one (package routes).
package signin
