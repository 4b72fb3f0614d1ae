// Package webapp serves the sample single-page app a front-end developer
// copies: GET /app (index.html) and its two files under /app/ (app.js, an ES
// module, and app.css), embedded in the binary. The app is plain
// JavaScript with no framework and no build step; it signs in through the
// API's /login, gets an access token from POST /token, calls GET /hello
// with it and signs out with a form post to /logout.
//
// The same files are served two ways: as the Lambda handlers of routes.App
// and routes.AppAsset (Handler.HandlerFor, for routes.Handler), and as a
// plain net/http handler (Handler.Site) that the local run puts on a second
// origin, to show the app calling the API across origins.
//
// Every answer is Cache-Control: no-store and X-Content-Type-Options:
// nosniff. The page runs under a strict Content-Security-Policy: script and
// style from its own origin only, no inline script or style, fetches and
// form posts only to its own origin, the API and (for the redirect after
// signing out) the Cognito domain, and no framing.
//
// The package holds no token and no secret and reads no configuration: the
// caller passes Options. The token work is the API's: /token turns the
// browser's HttpOnly session cookie into an access token, and the app keeps
// that token in memory only.
package webapp
