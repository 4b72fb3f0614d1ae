package signin

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/example/cognito-sam-go/internal/apigw/apigwtest"
	"github.com/example/cognito-sam-go/internal/cognito"
	"github.com/example/cognito-sam-go/internal/cognito/cognitotest"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/logincookie"
	"github.com/example/cognito-sam-go/internal/page"
	"github.com/example/cognito-sam-go/internal/secret"
	"github.com/example/cognito-sam-go/internal/secret/secrettest"
	"github.com/example/cognito-sam-go/internal/session"
	"golang.org/x/oauth2"
)

const cookieKey = "cookie-key-0123456789abcdef0123456789"

type harness struct {
	t     testing.TB
	cog   *cognitotest.Server
	src   *secrettest.Source
	log   apigwtest.Log
	login *Server
	cb    *Server       // its clock is shifted by clock
	clock time.Duration // added to the callback's clock
	sent  string        // the login cookie the last callback carried
	// oneState: the last callback's query had exactly one state.
	oneState bool
	// lastResp is the last callback's answer.
	lastResp events.APIGatewayProxyResponse
}

func newHarness(t testing.TB) *harness {
	h := &harness{t: t, cog: cognitotest.New(t)}
	h.src = &secrettest.Source{Cur: secret.Value{ClientID: "client-id", ClientSecret: "first-secret", CookieKey: cookieKey}}
	cfg := &config.Config{CognitoDomain: h.cog.URL, Issuer: h.cog.Issuer, SecretName: "s", Scopes: config.DefaultScopes}
	client := cognito.New(cognito.Options{Domain: cfg.CognitoDomain, Issuer: cfg.Issuer, Scopes: cfg.Scopes})
	h.login = New(Options{Config: cfg, Secrets: h.src, Cognito: client, Logger: h.log.Logger()})
	h.cb = New(Options{Config: cfg, Secrets: h.src, Cognito: client, Logger: h.log.Logger(), Now: func() time.Time { return time.Now().Add(h.clock) }})
	return h
}

// attempt is one /login: what the browser holds afterwards.
type attempt struct {
	state, nonce, cookie, challenge, redirectURI string
}

func (h *harness) startLogin() attempt {
	h.t.Helper()
	return h.startLoginTo("")
}

// startLoginTo is /login?return_to=returnTo ("": none).
func (h *harness) startLoginTo(returnTo string) attempt {
	h.t.Helper()
	var q url.Values
	if returnTo != "" {
		q = url.Values{"return_to": {returnTo}}
	}
	resp, _ := h.login.Login(context.Background(), apigwtest.Request("/login", q, nil))
	if resp.StatusCode != 302 {
		h.t.Fatalf("/login status %d: %s", resp.StatusCode, resp.Body)
	}
	loc, _ := url.Parse(resp.Headers["Location"])
	aq := loc.Query()
	set := apigwtest.SetCookies(resp)
	return attempt{
		state: aq.Get("state"), nonce: aq.Get("nonce"), cookie: set[len(set)-1].Value,
		challenge: aq.Get("code_challenge"), redirectURI: aq.Get("redirect_uri"),
	}
}

func (h *harness) callback(ctx context.Context, query url.Values, cookie, accept string) events.APIGatewayProxyResponse {
	h.t.Helper()
	hdr := http.Header{}
	if accept != "" {
		hdr.Set("Accept", accept)
	}
	h.sent, h.oneState = "", len(query["state"]) == 1 && query.Get("state") != ""
	if cookie != "" {
		h.sent = logincookie.NameFor(query.Get("state"))
		hdr.Set("Cookie", "other=1; "+h.sent+"="+cookie)
	}
	resp, err := h.cb.Callback(ctx, apigwtest.Request("/callback", query, hdr))
	if err != nil {
		h.t.Fatalf("Handle returned an error (API Gateway would answer a bare 502): %v", err)
	}
	h.lastResp = resp
	return resp
}

// session opens the session the answer sets.
func (h *harness) session(t *testing.T, resp events.APIGatewayProxyResponse) session.Session {
	t.Helper()
	jar := map[string]string{}
	for _, c := range apigwtest.SetCookies(resp) {
		if strings.HasPrefix(c.Name, session.Prefix) {
			jar[c.Name] = c.Value
		}
	}
	sealer, err := session.NewSealer(secret.Value{ClientID: "client-id", CookieKey: cookieKey}.SealKeys())
	if err != nil {
		t.Fatal(err)
	}
	sess, err := sealer.Open(func(n string) (string, bool) { v, ok := jar[n]; return v, ok }, time.Now())
	if err != nil {
		t.Fatalf("no session set: %v (Set-Cookie %q)", err, apigwtest.Header(resp, "Set-Cookie"))
	}
	return sess
}

func ok(a attempt) url.Values {
	return url.Values{"code": {"the-code-1234"}, "state": {a.state}}
}

func assertNoStore(t *testing.T, resp events.APIGatewayProxyResponse) {
	t.Helper()
	for k, want := range map[string]string{"Cache-Control": "no-store", "Pragma": "no-cache", "Referrer-Policy": "no-referrer"} {
		if got := resp.Headers[k]; got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

// assertCookieCleared: the callback cleared the attempt cookie it was sent,
// and no other login cookie (the other tabs' attempts stay completable).
func (h *harness) assertCookieCleared(t *testing.T, resp events.APIGatewayProxyResponse) {
	t.Helper()
	cleared := false
	for _, c := range apigwtest.SetCookies(resp) {
		if !strings.HasPrefix(c.Name, logincookie.Name) {
			continue
		}
		if c.Name != h.sent {
			t.Errorf("the callback touched another attempt's cookie %s", c.Name)
		}
		cleared = cleared || (c.MaxAge < 0 && c.Value == "")
	}
	// Without one state in the query, the callback cannot tell whose cookie
	// it was sent, and leaves them all alone.
	if h.sent != "" && h.oneState && !cleared {
		t.Errorf("login cookie %s not cleared; Set-Cookie = %q", h.sent, apigwtest.Header(resp, "Set-Cookie"))
	}
}

func TestCallbackSuccessJSON(t *testing.T) {
	h := newHarness(t)
	a := h.startLogin()
	h.cog.HandleToken(h.cog.Tokens("client-id", a.nonce))
	resp := h.callback(context.Background(), ok(a), a.cookie, "application/json")
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d, want 200; body %s", resp.StatusCode, resp.Body)
	}
	assertNoStore(t, resp)
	h.assertCookieCleared(t, resp)
	var body map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"access_token", "id_token", "refresh_token", "token_type", "expires_in"} {
		if body[k] == nil || body[k] == "" {
			t.Errorf("response lacks %s: %s", k, resp.Body)
		}
	}
	if body["expires_in"] != float64(3600) || body["token_type"] != "Bearer" {
		t.Errorf("expires_in/token_type = %v/%v, want 3600/Bearer", body["expires_in"], body["token_type"])
	}

	reqs := h.cog.Requests()
	if len(reqs) != 1 {
		t.Fatalf("token requests = %d, want 1", len(reqs))
	}
	r := reqs[0]
	if !r.HasBasic || r.BasicUser != "client-id" || r.BasicPass != "first-secret" || r.Form.Get("client_secret") != "" {
		t.Errorf("client auth = basic %v %q; want client_secret_basic only", r.HasBasic, r.BasicUser)
	}
	if got := oauth2.S256ChallengeFromVerifier(r.Form.Get("code_verifier")); got != a.challenge {
		t.Errorf("verifier does not match the challenge /login sent")
	}
	if got := r.Form.Get("redirect_uri"); got != a.redirectURI {
		t.Errorf("redirect_uri = %q, /login sent %q: must be byte-identical", got, a.redirectURI)
	}
	if r.Form.Get("code") != "the-code-1234" || r.Form.Get("grant_type") != "authorization_code" {
		t.Errorf("form = %v", r.Form)
	}
}

// TestCallbackSuccessBrowser: a browser is sent (303) to the attempt's
// return_to with a session set and no token in any URL, so reload, Back and
// bookmarks of the page it lands on are safe.
func TestCallbackSuccessBrowser(t *testing.T) {
	for _, tt := range []struct{ returnTo, want string }{
		{"", "https://" + apigwtest.Domain + "/Prod/"},
		{"/app?tab=2", "https://" + apigwtest.Domain + "/Prod/app?tab=2"},
	} {
		h := newHarness(t)
		a := h.startLoginTo(tt.returnTo)
		h.cog.HandleToken(h.cog.Tokens("client-id", a.nonce))
		resp := h.callback(context.Background(), ok(a), a.cookie, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
		if resp.StatusCode != http.StatusSeeOther || resp.Headers["Location"] != tt.want {
			t.Fatalf("return_to %q: %d to %q, want 303 to %q; body %s", tt.returnTo, resp.StatusCode, resp.Headers["Location"], tt.want, resp.Body)
		}
		assertNoStore(t, resp)
		h.assertCookieCleared(t, resp)
		if resp.Body != "" || strings.Contains(resp.Headers["Location"], "ey") {
			t.Errorf("a token in the answer: %q %q", resp.Headers["Location"], resp.Body)
		}
		sess := h.session(t, resp)
		if sess.RefreshToken == "" || sess.AccessToken == "" || sess.IDToken == "" || sess.Email != "ada@example.com" {
			t.Errorf("session after sign-in: %+v", sess.Email)
		}
	}
}

func TestCallbackRejectsBeforeCallingCognito(t *testing.T) {
	foreignSealer, _ := logincookie.NewSealer(secret.Value{ClientID: "client-id", CookieKey: "another-deployment-key-0123456789abcdef"}.SealKeys())
	tests := []struct {
		name   string
		build  func(h *harness, a attempt) (url.Values, string)
		status int
		code   string
	}{
		{"cognito error", func(h *harness, a attempt) (url.Values, string) {
			return url.Values{"error": {"access_denied"}, "error_description": {"<script>x</script>"}, "state": {a.state}}, a.cookie
		}, 400, "access_denied"},
		{"cognito error with a code too", func(h *harness, a attempt) (url.Values, string) {
			return url.Values{"error": {"server_error"}, "code": {"c"}, "state": {a.state}}, a.cookie
		}, 502, "server_error"},
		{"cognito temporarily unavailable", func(h *harness, a attempt) (url.Values, string) {
			return url.Values{"error": {"temporarily_unavailable"}, "state": {a.state}}, a.cookie
		}, 502, "temporarily_unavailable"},
		{"unknown cognito error", func(h *harness, a attempt) (url.Values, string) {
			return url.Values{"error": {"weird<b>"}}, a.cookie
		}, 400, "invalid_request"},
		{"missing cookie", func(h *harness, a attempt) (url.Values, string) { return ok(a), "" }, 400, "invalid_state"},
		{"expired cookie", func(h *harness, a attempt) (url.Values, string) {
			h.clock = logincookie.MaxAge + time.Second
			return ok(a), a.cookie
		}, 400, "invalid_state"},
		{"tampered cookie", func(h *harness, a attempt) (url.Values, string) {
			b := []byte(a.cookie)
			b[len(b)/2] ^= 1
			return ok(a), string(b)
		}, 400, "invalid_state"},
		{"foreign cookie", func(h *harness, a attempt) (url.Values, string) {
			v, _ := foreignSealer.Seal(logincookie.State{State: a.state, Nonce: "n", Verifier: "v", Created: time.Now()})
			return ok(a), v
		}, 400, "invalid_state"},
		{"another attempt's cookie", func(h *harness, a attempt) (url.Values, string) {
			return ok(a), h.startLogin().cookie
		}, 400, "invalid_state"},
		{"state mismatch", func(h *harness, a attempt) (url.Values, string) {
			return url.Values{"code": {"c"}, "state": {a.state + "x"}}, a.cookie
		}, 400, "invalid_state"},
		{"missing state", func(h *harness, a attempt) (url.Values, string) {
			return url.Values{"code": {"c"}}, a.cookie
		}, 400, "invalid_state"},
		{"missing code", func(h *harness, a attempt) (url.Values, string) {
			return url.Values{"state": {a.state}}, a.cookie
		}, 400, "invalid_request"},
		{"code over 1 KiB", func(h *harness, a attempt) (url.Values, string) {
			return url.Values{"code": {strings.Repeat("c", MaxCodeLen+1)}, "state": {a.state}}, a.cookie
		}, 400, "invalid_request"},
		{"repeated code", func(h *harness, a attempt) (url.Values, string) {
			return url.Values{"code": {"a", "b"}, "state": {a.state}}, a.cookie
		}, 400, "invalid_request"},
		{"repeated state", func(h *harness, a attempt) (url.Values, string) {
			return url.Values{"code": {"a"}, "state": {a.state, a.state}}, a.cookie
		}, 400, "invalid_state"},
		{"secret unavailable", func(h *harness, a attempt) (url.Values, string) {
			h.src.Fail = true
			return ok(a), a.cookie
		}, 503, "temporarily_unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			a := h.startLogin()
			h.cog.HandleToken(h.cog.Tokens("client-id", a.nonce))
			q, cookie := tt.build(h, a)
			resp := h.callback(context.Background(), q, cookie, "application/json")
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d; body %s", resp.StatusCode, tt.status, resp.Body)
			}
			var body struct{ Error, ErrorDescription string }
			_ = json.Unmarshal([]byte(resp.Body), &body)
			if body.Error != tt.code {
				t.Errorf("error = %q, want %q", body.Error, tt.code)
			}
			if n := len(h.cog.Requests()); n != 0 {
				t.Errorf("token endpoint called %d times, want 0", n)
			}
			if strings.Contains(resp.Body, "<script") || strings.Contains(resp.Body, "weird") {
				t.Errorf("response reflects attacker input: %s", resp.Body)
			}
			assertNoStore(t, resp)
			h.assertCookieCleared(t, resp)
		})
	}
}

func TestCallbackTokenEndpointFailures(t *testing.T) {
	hang := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}
	tests := []struct {
		name      string
		handler   func(h *harness, a attempt) http.HandlerFunc
		rotate    bool
		deadline  time.Duration
		status    int
		calls     int
		refreshes int
	}{
		{"invalid_grant", func(h *harness, a attempt) http.HandlerFunc { return cognitotest.OAuthError(400, "invalid_grant") }, false, 0, 400, 1, 0},
		{"server error", func(h *harness, a attempt) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", 503) }
		}, false, 0, 502, 1, 0},
		{"unauthorized_client", func(h *harness, a attempt) http.HandlerFunc {
			return cognitotest.OAuthError(400, "unauthorized_client")
		}, false, 0, 502, 1, 0},
		{"timeout", func(h *harness, a attempt) http.HandlerFunc { return hang }, false, 800 * time.Millisecond, 504, 1, 0},
		{"invalid_client, secret unchanged", func(h *harness, a attempt) http.HandlerFunc { return cognitotest.OAuthError(400, "invalid_client") }, false, 0, 502, 1, 1},
		{"invalid_client, secret rotated", func(h *harness, a attempt) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				if u, p, _ := r.BasicAuth(); u == "client-id" && p == "second-secret" {
					h.cog.Tokens("client-id", a.nonce)(w, r)
					return
				}
				cognitotest.OAuthError(400, "invalid_client")(w, r)
			}
		}, true, 0, 200, 2, 1},
		{"invalid_client twice", func(h *harness, a attempt) http.HandlerFunc { return cognitotest.OAuthError(400, "invalid_client") }, true, 0, 502, 2, 1},
		{"no id_token", func(h *harness, a attempt) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				cognitotest.WriteJSON(w, 200, map[string]any{"access_token": "a", "token_type": "Bearer", "expires_in": 3600})
			}
		}, false, 0, 502, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			if tt.rotate {
				h.src.Next = secret.Value{ClientID: "client-id", ClientSecret: "second-secret", CookieKey: cookieKey}
			}
			a := h.startLogin()
			h.cog.HandleToken(tt.handler(h, a))
			ctx := context.Background()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			start := time.Now()
			resp := h.callback(ctx, ok(a), a.cookie, "")
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d; body %s", resp.StatusCode, tt.status, resp.Body)
			}
			if tt.deadline > 0 && time.Since(start) > tt.deadline {
				t.Errorf("answered after the Lambda deadline (%v > %v)", time.Since(start), tt.deadline)
			}
			reqs := h.cog.Requests()
			if len(reqs) != tt.calls {
				t.Errorf("token requests = %d, want %d", len(reqs), tt.calls)
			}
			for _, r := range reqs {
				if r.Form.Get("code") != "the-code-1234" {
					t.Errorf("code sent = %q", r.Form.Get("code"))
				}
			}
			if tt.rotate && len(reqs) == 2 && reqs[1].BasicPass != "second-secret" {
				t.Errorf("retry used secret %q, want the rotated one", reqs[1].BasicPass)
			}
			if h.src.Refreshes != tt.refreshes {
				t.Errorf("secret refreshes = %d, want %d", h.src.Refreshes, tt.refreshes)
			}
			if strings.Contains(resp.Body, "oops") || strings.Contains(resp.Body, "invalid_client") {
				t.Errorf("response leaks upstream detail: %s", resp.Body)
			}
			assertNoStore(t, resp)
		})
	}
}

func TestCallbackRejectsBadIDTokens(t *testing.T) {
	tests := []struct {
		name   string
		claims func(h *harness, a attempt) (nonce string, over cognitotest.Claims)
	}{
		{"wrong nonce", func(h *harness, a attempt) (string, cognitotest.Claims) { return "other-nonce", nil }},
		{"no nonce", func(h *harness, a attempt) (string, cognitotest.Claims) { return "", nil }},
		{"wrong audience", func(h *harness, a attempt) (string, cognitotest.Claims) {
			return a.nonce, cognitotest.Claims{"aud": "someone-else"}
		}},
		{"wrong issuer", func(h *harness, a attempt) (string, cognitotest.Claims) {
			return a.nonce, cognitotest.Claims{"iss": "https://cognito-idp.us-east-1.amazonaws.com/other"}
		}},
		{"expired", func(h *harness, a attempt) (string, cognitotest.Claims) {
			return a.nonce, cognitotest.Claims{"exp": time.Now().Add(-time.Minute).Unix(), "iat": time.Now().Add(-time.Hour).Unix()}
		}},
		{"token_use access", func(h *harness, a attempt) (string, cognitotest.Claims) {
			return a.nonce, cognitotest.Claims{"token_use": "access"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			a := h.startLogin()
			nonce, over := tt.claims(h, a)
			h.cog.HandleToken(func(w http.ResponseWriter, r *http.Request) {
				cognitotest.WriteJSON(w, 200, map[string]any{
					"id_token": h.cog.IDToken("client-id", nonce, over), "access_token": h.cog.AccessToken("client-id", "openid", nil),
					"refresh_token": "r", "token_type": "Bearer", "expires_in": 3600,
				})
			})
			resp := h.callback(context.Background(), ok(a), a.cookie, "")
			if resp.StatusCode != 502 {
				t.Errorf("status = %d, want 502; body %s", resp.StatusCode, resp.Body)
			}
			if strings.Contains(resp.Body, "access_token") {
				t.Error("tokens returned despite a bad ID token")
			}
		})
	}
}

func TestCallbackForgedSignature(t *testing.T) {
	h := newHarness(t)
	a := h.startLogin()
	h.cog.HandleToken(h.cog.Tokens("client-id", a.nonce))
	// Verify once so the genuine keys are cached, then sign with a new key
	// the issuer does not publish.
	if resp := h.callback(context.Background(), ok(a), a.cookie, ""); resp.StatusCode != 200 {
		t.Fatalf("genuine token: %d %s", resp.StatusCode, resp.Body)
	}
	forged := cognitotest.New(t)
	a2 := h.startLogin()
	h.cog.HandleToken(func(w http.ResponseWriter, r *http.Request) {
		cognitotest.WriteJSON(w, 200, map[string]any{
			"id_token":     forged.IDToken("client-id", a2.nonce, cognitotest.Claims{"iss": h.cog.Issuer}),
			"access_token": "a", "token_type": "Bearer", "expires_in": 3600,
		})
	})
	resp := h.callback(context.Background(), ok(a2), a2.cookie, "")
	if resp.StatusCode != 502 {
		t.Errorf("forged ID token: status = %d, want 502", resp.StatusCode)
	}
}

func TestCallbackHTMLErrorPage(t *testing.T) {
	h := newHarness(t)
	resp := h.callback(context.Background(), url.Values{"code": {"c"}, "state": {"s"}}, "", "text/html")
	if resp.StatusCode != 400 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	if !strings.HasPrefix(resp.Headers["Content-Type"], "text/html") || resp.Headers["Content-Security-Policy"] == "" {
		t.Errorf("headers = %v, want HTML with a CSP", resp.Headers)
	}
	if page.HasInlineScript(resp.Body) || !strings.Contains(resp.Body, `href="login"`) {
		t.Errorf("error page: script present or no link back to /login:\n%s", resp.Body)
	}
}

// TestNothingSecretIsLogged runs successful and failing callbacks and
// checks that no code, token, cookie value or secret reached the log.
func TestNothingSecretIsLogged(t *testing.T) {
	h := newHarness(t)
	var secrets []string
	for i, handler := range []string{"ok", "invalid_grant", "invalid_client", "bad state"} {
		a := h.startLogin()
		secrets = append(secrets, a.cookie, a.state, a.nonce)
		var idTok, accTok string
		h.cog.HandleToken(func(w http.ResponseWriter, r *http.Request) {
			switch handler {
			case "invalid_grant", "invalid_client":
				cognitotest.OAuthError(400, handler)(w, r)
			default:
				idTok, accTok = h.cog.IDToken("client-id", a.nonce, nil), h.cog.AccessToken("client-id", "openid", nil)
				cognitotest.WriteJSON(w, 200, map[string]any{"id_token": idTok, "access_token": accTok, "refresh_token": "refresh-secret-xyz", "token_type": "Bearer", "expires_in": 3600})
			}
		})
		code := "secret-code-" + string(rune('a'+i))
		q := url.Values{"code": {code}, "state": {a.state}}
		if handler == "bad state" {
			q.Set("state", "wrong")
		}
		h.callback(context.Background(), q, a.cookie, "")
		secrets = append(secrets, code)
		if idTok != "" {
			secrets = append(secrets, idTok, accTok, "refresh-secret-xyz")
		}
	}
	secrets = append(secrets, "first-secret", cookieKey)
	logged := h.log.String()
	if !strings.Contains(logged, "req-1") {
		t.Fatalf("log has no request id:\n%s", logged)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(logged, s) {
			t.Errorf("log contains a secret value %.12q...", s)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(logged), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("log line is not JSON: %s", line)
		}
	}
}

// FuzzCallbackQuery feeds arbitrary query values and cookies to the
// callback: it must always answer (never error or panic), never 200, and
// never reach the token endpoint without the genuine cookie and state.
func FuzzCallbackQuery(f *testing.F) {
	f.Add("code", "state", "", "cookie")
	f.Add("", "", "access_denied", "")
	f.Add(strings.Repeat("x", 2000), "s", "", "%%%")
	f.Add("c", "s\x00", "", "__Host-login=abc")
	h := newHarness(f)
	h.cog.HandleToken(h.cog.Tokens("client-id", "n"))
	f.Fuzz(func(t *testing.T, code, state, errParam, cookie string) {
		before := len(h.cog.Requests())
		q := url.Values{"code": {code}, "state": {state}}
		if errParam != "" {
			q.Set("error", errParam)
		}
		req := apigwtest.Request("/callback", q, http.Header{"Cookie": {cookie}})
		resp, err := h.cb.Callback(context.Background(), req)
		if err != nil {
			t.Fatalf("Handle error: %v", err)
		}
		if calls := len(h.cog.Requests()) - before; resp.StatusCode == 200 || calls != 0 {
			t.Fatalf("status %d, token calls %d for a forged request", resp.StatusCode, calls)
		}
	})
}

// TestCallbackKeySetTimeout: when the issuer's keys cannot be fetched before
// the deadline, the answer is the contract's 504, not a bare 502.
func TestCallbackKeySetTimeout(t *testing.T) {
	h := newHarness(t)
	a := h.startLogin()
	h.cog.HandleToken(h.cog.Tokens("client-id", a.nonce))
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	h.cog.HandleJWKS(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	resp := h.callback(ctx, ok(a), a.cookie, "")
	if resp.StatusCode != http.StatusGatewayTimeout {
		t.Errorf("status = %d, want 504; body %s", resp.StatusCode, resp.Body)
	}
	if n := len(h.cog.Requests()); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
}

// BenchmarkCallback measures one successful /callback against the fake
// Cognito over loopback: cookie, exchange, ID token verification (keys
// cached), JSON reply. Minting the fake's tokens is part of the figure.
func BenchmarkCallback(b *testing.B) {
	h := newHarness(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		a := h.startLogin()
		h.cog.HandleToken(h.cog.Tokens("client-id", a.nonce))
		b.StartTimer()
		if resp := h.callback(ctx, ok(a), a.cookie, "application/json"); resp.StatusCode != 200 {
			b.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
		}
	}
}

// TestCallbackReadsTheSecretOnce: one sign-in reads the secret once, for
// both the cookie key and the exchange; the only second read is the forced
// refresh after invalid_client.
func TestCallbackReadsTheSecretOnce(t *testing.T) {
	h := newHarness(t)
	a := h.startLogin()
	h.src.Gets = 0
	h.cog.HandleToken(h.cog.Tokens("client-id", a.nonce))
	if resp := h.callback(context.Background(), ok(a), a.cookie, "application/json"); resp.StatusCode != 200 {
		t.Fatalf("status = %d; body %s", resp.StatusCode, resp.Body)
	}
	if h.src.Gets != 1 || h.src.Refreshes != 0 {
		t.Errorf("secret reads: Get %d, Refresh %d; want 1 and 0", h.src.Gets, h.src.Refreshes)
	}
}
