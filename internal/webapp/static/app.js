// Sample single-page app for the Cognito sign-in API: plain JavaScript, one
// ES module, no framework, no build step. Copy it and adapt it.
//
// What it calls (all on the API, whose base URL index.html provides):
//   POST <api>token   the API's session cookie (HttpOnly: this script cannot
//                     read it) buys a short-lived access token
//   GET  <api>hello   the protected route, called with that access token
//   GET  <api>login   the Sign in link (a navigation, not a fetch)
//   POST <api>logout  the Sign out form in index.html (a navigation too)
//
// Rules it keeps:
//   - The access token lives in a variable only: never localStorage,
//     sessionStorage, a cookie or a URL. A reload simply asks /token again.
//   - It never sees the refresh token: the API keeps that in its session
//     cookie and refreshes on our behalf.
//   - The page is built with textContent, never innerHTML, so nothing the
//     API or a token contains can turn into markup.

const ui = {
  status: byId('status'),
  signedOut: byId('signed-out'),
  signedIn: byId('signed-in'),
  signin: byId('signin'),
  who: byId('who'),
  expires: byId('expires'),
  callHello: byId('call-hello'),
  helloResult: byId('hello-result'),
};

// The API's base URL, from <html data-api="…">. "" means this page is served
// by the API itself at <base>/app: every URL below is then relative, and
// "token" next to <base>/app is <base>/token. Otherwise it is an absolute URL
// ending in "/", for a page served from another origin (a dev server); that
// origin must be in the API's ALLOWED_ORIGINS.
let api = '';

let accessToken = null; // in memory only
let refreshTimer = 0;

function start() {
  try {
    api = apiBase(document.documentElement.dataset.api ?? '');
  } catch (err) {
    setStatus(`This page is misconfigured: ${err.message}`, true);
    return;
  }
  ui.signin.href = loginURL();
  ui.callHello.addEventListener('click', callHello);
  updateToken();
}

// apiBase checks the configured base URL: "" or an http(s) URL, with a
// trailing "/" so that api + 'token' is a URL under it.
function apiBase(raw) {
  if (raw === '') return '';
  const url = new URL(raw); // throws on a malformed value
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`data-api must be an http(s) URL, not ${url.protocol}`);
  }
  return url.href.endsWith('/') ? url.href : url.href + '/';
}

// loginURL is where the Sign in link goes. return_to tells the API where to
// send the browser once signed in: a path (resolved against the API's base)
// when the API serves this page, or an absolute URL, which the API accepts
// only for an origin in its ALLOWED_ORIGINS.
function loginURL() {
  if (api === '') return 'login?return_to=/app';
  return api + 'login?return_to=' + encodeURIComponent(location.origin + '/app');
}

// updateToken asks /token for an access token and shows the view that goes
// with the answer. It resolves to true when signed in.
async function updateToken() {
  clearTimeout(refreshTimer);
  let token;
  try {
    token = await requestToken();
  } catch (err) {
    setStatus(`Could not get an access token: ${describe(err)}`, true);
    return false;
  }
  if (token === null) {
    showSignedOut();
    return false;
  }
  accessToken = token.access_token;
  showSignedIn(token);
  // Ask again a minute before the token expires: /token hands out the token
  // it holds while that has more than a minute to live, and refreshes it
  // otherwise. The floor keeps a very short lifetime from looping.
  const seconds = Math.max(Number(token.expires_in) - 60, 10);
  refreshTimer = setTimeout(updateToken, seconds * 1000);
  return true;
}

// requestToken resolves to /token's JSON answer
// {access_token, id_token, token_type, expires_in}, or to null when the
// browser has no session (401 login_required). Anything else throws.
async function requestToken() {
  const res = await fetch(api + 'token', {
    method: 'POST',
    credentials: 'include', // send the session cookie, also cross-origin
    headers: { Accept: 'application/json' },
  });
  const body = await readJSON(res);
  if (res.status === 401) return null;
  if (!res.ok || typeof body?.access_token !== 'string') throw new APIError(res, body);
  return body;
}

// callHello calls the protected route and shows its answer. A 401 means the
// token expired or was revoked since /token handed it out: get a new one,
// once, and try once more.
async function callHello() {
  ui.callHello.disabled = true;
  ui.helloResult.textContent = '';
  setStatus('Calling /hello…');
  try {
    let res = await getHello();
    if (res.status === 401) {
      if (!(await updateToken())) return; // signed out, or an error shown
      res = await getHello();
    }
    const body = await readJSON(res);
    ui.helloResult.textContent = body === null ? '' : JSON.stringify(body, null, 2);
    if (res.ok) {
      setStatus(`GET /hello answered ${res.status}.`);
    } else {
      setStatus(`GET /hello failed: ${new APIError(res, body).message}`, true);
    }
  } catch (err) {
    setStatus(`Could not call /hello: ${describe(err)}`, true);
  } finally {
    ui.callHello.disabled = false;
  }
}

function getHello() {
  return fetch(api + 'hello', {
    headers: {
      // The raw access token, without "Bearer ": that is what API Gateway's
      // Cognito user pools authorizer reads.
      Authorization: accessToken,
      Accept: 'application/json',
    },
    credentials: 'omit', // the token is the credential; no cookie needed
  });
}

function showSignedIn(token) {
  const claims = displayClaims(token.id_token);
  ui.who.textContent = claims.email || claims['cognito:username'] || claims.username || claims.sub || 'an unnamed user';
  const expiry = new Date(Date.now() + Number(token.expires_in) * 1000);
  ui.expires.textContent = `The access token expires at ${expiry.toLocaleTimeString()}.`;
  ui.signedOut.hidden = true;
  ui.signedIn.hidden = false;
  setStatus('Signed in.');
}

function showSignedOut() {
  accessToken = null;
  ui.who.textContent = '';
  ui.expires.textContent = '';
  ui.helloResult.textContent = '';
  ui.signedIn.hidden = true;
  ui.signedOut.hidden = false;
  setStatus('Signed out.');
}

// displayClaims decodes a JWT's payload (base64url JSON) FOR DISPLAY ONLY:
// it checks no signature. The API verified the ID token when it got it from
// Cognito; never base a security decision on what the browser decodes.
function displayClaims(jwt) {
  try {
    const part = String(jwt).split('.')[1];
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) ?? {};
  } catch {
    return {};
  }
}

// readJSON returns the answer's JSON body, or null when it has none.
async function readJSON(res) {
  try {
    return JSON.parse(await res.text());
  } catch {
    return null;
  }
}

// APIError is an answer the app did not expect, with the API's
// {"error","error_description"} when it sent one.
class APIError extends Error {
  constructor(res, body) {
    super(`${res.status} ${body?.error_description || body?.error || res.statusText || 'unexpected answer'}`);
    this.status = res.status;
  }
}

// describe turns an error into text for the status line. fetch rejects with
// a TypeError when there is no answer at all, or when CORS hides it.
function describe(err) {
  if (err instanceof TypeError) return 'the API could not be reached (offline, or the answer was refused by CORS).';
  return err.message;
}

function setStatus(text, isError = false) {
  ui.status.textContent = text;
  ui.status.classList.toggle('error', isError);
}

function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html lacks #${id}`);
  return el;
}

// Module scripts run once the document is parsed, so the elements exist.
start();
