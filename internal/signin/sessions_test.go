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
	"github.com/example/cognito-sam-go/internal/cognito/cognitotest"
	"github.com/example/cognito-sam-go/internal/config"
	"github.com/example/cognito-sam-go/internal/logincookie"
	"github.com/example/cognito-sam-go/internal/page"
	"github.com/example/cognito-sam-go/internal/session"
)

// browser is one browser's cookies for the API's site, and the sign-in
// harness it talks to.
type browser struct {
	t   *testing.T
	h   *harness
	jar map[string]string
}

func newBrowser(t *testing.T) *browser {
	return &browser{t: t, h: newHarness(t), jar: map[string]string{}}
}

// do sends req with the browser's cookies through handler and keeps the
// cookies the answer sets, as a browser would.
func (b *browser) do(handler func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error), req events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	b.t.Helper()
	var parts []string
	for k, v := range b.jar {
		parts = append(parts, k+"="+v)
	}
	if len(parts) > 0 {
		c := strings.Join(parts, "; ")
		req.Headers["Cookie"], req.MultiValueHeaders["Cookie"] = c, []string{c}
	}
	resp, err := handler(context.Background(), req)
	if err != nil {
		b.t.Fatalf("handler error (a bare 502): %v", err)
	}
	for _, c := range apigwtest.SetCookies(resp) {
		if c.MaxAge < 0 {
			delete(b.jar, c.Name)
		} else {
			b.jar[c.Name] = c.Value
		}
	}
	return resp
}

var html = http.Header{"Accept": {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}}

// login starts an attempt and returns the callback query Cognito would send
// back once the user signed in, and the attempt's nonce.
func (b *browser) login(returnTo string) (url.Values, string) {
	b.t.Helper()
	var q url.Values
	if returnTo != "" {
		q = url.Values{"return_to": {returnTo}}
	}
	resp := b.do(b.h.login.Login, apigwtest.Request("/login", q, html))
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("/login: %d %s", resp.StatusCode, resp.Body)
	}
	loc, _ := url.Parse(resp.Headers["Location"])
	return url.Values{"code": {"code-" + loc.Query().Get("state")[:8]}, "state": {loc.Query().Get("state")}}, loc.Query().Get("nonce")
}

// callback completes an attempt; Cognito answers with the attempt's nonce.
func (b *browser) callback(q url.Values, nonce string) events.APIGatewayProxyResponse {
	b.t.Helper()
	b.h.cog.HandleToken(b.h.cog.Tokens("client-id", nonce))
	return b.do(b.h.cb.Callback, apigwtest.Request("/callback", q, html))
}

func (b *browser) attempts() int {
	n := 0
	for k := range b.jar {
		if logincookie.IsAttempt(k) {
			n++
		}
	}
	return n
}

// TestSeveralTabs: attempts started in several tabs complete in any order,
// and a fourth evicts the oldest only.
func TestSeveralTabs(t *testing.T) {
	b := newBrowser(t)
	qa, na := b.login("/app")
	qb, nb := b.login("")
	qc, nc := b.login("/hello")
	if n := b.attempts(); n != logincookie.MaxAttempts {
		t.Fatalf("%d attempt cookies after three logins, want %d", n, logincookie.MaxAttempts)
	}
	for _, tt := range []struct {
		q     url.Values
		nonce string
		want  string
	}{{qc, nc, "/Prod/hello"}, {qa, na, "/Prod/app"}, {qb, nb, "/Prod/"}} {
		resp := b.callback(tt.q, tt.nonce)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Headers["Location"], tt.want) {
			t.Errorf("callback: %d to %q, want 303 to ...%s; %s", resp.StatusCode, resp.Headers["Location"], tt.want, resp.Body)
		}
	}
	if n := len(b.h.cog.Requests()); n != 3 {
		t.Errorf("token requests = %d, want 3", n)
	}
	if n := b.attempts(); n != 0 {
		t.Errorf("%d attempt cookies left after finishing all", n)
	}

	// A fourth attempt evicts the oldest of the three before it.
	b2 := newBrowser(t)
	q1, n1 := b2.login("")
	q2, n2 := b2.login("")
	q3, n3 := b2.login("")
	q4, n4 := b2.login("")
	if n := b2.attempts(); n != logincookie.MaxAttempts {
		t.Errorf("%d attempt cookies after four logins, want %d", n, logincookie.MaxAttempts)
	}
	if resp := b2.callback(q1, n1); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("the evicted attempt: %d, want 400", resp.StatusCode)
	}
	for _, a := range []struct {
		q url.Values
		n string
	}{{q4, n4}, {q2, n2}, {q3, n3}} {
		if resp := b2.callback(a.q, a.n); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("a recent attempt: %d, want 303; %s", resp.StatusCode, resp.Body)
		}
	}
}

// TestFinishedAttempt: Back or reload to a used callback URL.
func TestFinishedAttempt(t *testing.T) {
	b := newBrowser(t)
	q, n := b.login("")
	if resp := b.callback(q, n); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, resp.Body)
	}
	calls := len(b.h.cog.Requests())

	// Signed in: back to the home page, no call to Cognito.
	resp := b.callback(q, n)
	if resp.StatusCode != http.StatusSeeOther || resp.Headers["Location"] != "https://"+apigwtest.Domain+"/Prod/" {
		t.Errorf("reload when signed in: %d to %q, want 303 to the home page", resp.StatusCode, resp.Headers["Location"])
	}
	if got := len(b.h.cog.Requests()); got != calls {
		t.Errorf("the reload called the token endpoint")
	}

	// Signed out, other cookies there: a 400 that says the page was used.
	for k := range b.jar {
		delete(b.jar, k)
	}
	b.jar["unrelated"] = "1"
	resp = b.do(b.h.cb.Callback, apigwtest.Request("/callback", q, http.Header{"Accept": {"application/json"}}))
	var body map[string]string
	_ = json.Unmarshal([]byte(resp.Body), &body)
	if resp.StatusCode != 400 || !strings.Contains(body["error_description"], "already used or has expired") || strings.Contains(body["error_description"], "cookies are blocked") {
		t.Errorf("reload when signed out: %d %s", resp.StatusCode, resp.Body)
	}
	// No cookie at all: then cookies may be blocked.
	delete(b.jar, "unrelated")
	resp = b.do(b.h.cb.Callback, apigwtest.Request("/callback", q, http.Header{"Accept": {"application/json"}}))
	_ = json.Unmarshal([]byte(resp.Body), &body)
	if resp.StatusCode != 400 || !strings.Contains(body["error_description"], "cookies are blocked") {
		t.Errorf("no cookies at all: %d %s", resp.StatusCode, resp.Body)
	}
	if got := len(b.h.cog.Requests()); got != calls {
		t.Errorf("a finished attempt reached the token endpoint")
	}
}

func TestLoginRefusesBadReturnTo(t *testing.T) {
	b := newBrowser(t)
	for _, rt := range []string{"//evil.example.com", "https://evil.example.com/", "/%2F%2Fevil.example.com"} {
		resp := b.do(b.h.login.Login, apigwtest.Request("/login", url.Values{"return_to": {rt}}, nil))
		if resp.StatusCode != http.StatusBadRequest || resp.Headers["Location"] != "" || b.attempts() != 0 {
			t.Errorf("return_to %q: %d to %q, want 400 and no redirect", rt, resp.StatusCode, resp.Headers["Location"])
		}
	}
}

// signedIn returns a browser with a session.
func signedIn(t *testing.T) *browser {
	b := newBrowser(t)
	q, n := b.login("")
	if resp := b.callback(q, n); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, resp.Body)
	}
	return b
}

func post(path string, hdr http.Header) events.APIGatewayProxyRequest {
	return apigwtest.Post(path, "", hdr)
}

func TestTokenFromTheSession(t *testing.T) {
	b := signedIn(t)
	calls := len(b.h.cog.Requests())
	resp := b.do(b.h.cb.Token, post("/token", http.Header{"Sec-Fetch-Site": {"same-origin"}}))
	var got map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &got); resp.StatusCode != 200 || err != nil {
		t.Fatalf("/token: %d %s", resp.StatusCode, resp.Body)
	}
	if got["access_token"] == "" || got["id_token"] == "" || got["token_type"] != "Bearer" || got["expires_in"].(float64) < 3000 {
		t.Errorf("/token answer %v", got)
	}
	if _, ok := got["refresh_token"]; ok || strings.Contains(resp.Body, "refresh-token-value") {
		t.Error("/token gave out the refresh token")
	}
	if n := len(b.h.cog.Requests()); n != calls {
		t.Errorf("/token with a fresh access token called Cognito %d times", n-calls)
	}

	// Near expiry: one refresh, and the session keeps the rotated token.
	b.h.clock = 59*time.Minute + 30*time.Second
	b.h.cog.HandleToken(func(w http.ResponseWriter, r *http.Request) {
		cognitotest.WriteJSON(w, 200, map[string]any{
			"id_token": b.h.cog.IDToken("client-id", "", nil), "access_token": b.h.cog.AccessToken("client-id", "openid", nil),
			"refresh_token": "rotated-refresh-token", "token_type": "Bearer", "expires_in": 3600,
		})
	})
	resp = b.do(b.h.cb.Token, post("/token", nil))
	if resp.StatusCode != 200 || len(b.h.cog.Requests()) != calls+1 {
		t.Fatalf("/token near expiry: %d, %d token requests", resp.StatusCode, len(b.h.cog.Requests())-calls)
	}
	if r := b.h.cog.Requests()[calls]; r.Form.Get("grant_type") != "refresh_token" || r.Form.Get("refresh_token") != "refresh-token-value" {
		t.Errorf("refresh request %v", r.Form)
	}
	if sess := b.h.session(t, resp); sess.RefreshToken != "rotated-refresh-token" {
		t.Errorf("the session did not keep the rotated refresh token")
	}
	if strings.Contains(resp.Body, "rotated-refresh-token") {
		t.Error("/token gave out the rotated refresh token")
	}
}

func TestTokenLoginRequired(t *testing.T) {
	// No session.
	b := newBrowser(t)
	resp := b.do(b.h.cb.Token, post("/token", nil))
	if resp.StatusCode != 401 || !strings.Contains(resp.Body, `"login_required"`) {
		t.Errorf("no session: %d %s", resp.StatusCode, resp.Body)
	}
	cleared := 0
	for _, c := range apigwtest.SetCookies(resp) {
		if strings.HasPrefix(c.Name, session.Prefix) && c.MaxAge < 0 {
			cleared++
		}
	}
	if cleared != session.MaxChunks {
		t.Errorf("no session: %d session cookies cleared, want all %d", cleared, session.MaxChunks)
	}
	// A refresh token Cognito rejects: 401 and the session cleared.
	b = signedIn(t)
	b.h.clock = time.Hour
	b.h.cog.HandleToken(cognitotest.OAuthError(400, "invalid_grant"))
	resp = b.do(b.h.cb.Token, post("/token", nil))
	if resp.StatusCode != 401 || !strings.Contains(resp.Body, `"login_required"`) {
		t.Errorf("revoked: %d %s", resp.StatusCode, resp.Body)
	}
	for k := range b.jar {
		if strings.HasPrefix(k, session.Prefix) {
			t.Errorf("session cookie %s not cleared", k)
		}
	}
	// A tampered session: 401, cleared.
	b = signedIn(t)
	v := []byte(b.jar[session.ChunkName(0)])
	v[len(v)/2] ^= 1
	b.jar[session.ChunkName(0)] = string(v)
	if resp := b.do(b.h.cb.Token, post("/token", nil)); resp.StatusCode != 401 || len(b.jar) != 0 {
		t.Errorf("tampered: %d, cookies left %d", resp.StatusCode, len(b.jar))
	}
	// Cognito down: 502, and the session stays.
	b = signedIn(t)
	b.h.clock = time.Hour
	b.h.cog.HandleToken(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 500) })
	if resp := b.do(b.h.cb.Token, post("/token", nil)); resp.StatusCode != 502 || len(b.jar) == 0 {
		t.Errorf("Cognito down: %d, cookies %d", resp.StatusCode, len(b.jar))
	}
}

func TestTokenCrossSite(t *testing.T) {
	const app = "http://localhost:5173"
	b := signedIn(t)
	b.h.cb.cfg.Origins = config.Origins{app}
	for _, tt := range []struct {
		name   string
		hdr    http.Header
		status int
		cors   bool
	}{
		{"allowed origin, same-site", http.Header{"Origin": {app}, "Sec-Fetch-Site": {"same-site"}}, 200, true},
		{"allowed origin, cross-site", http.Header{"Origin": {app}, "Sec-Fetch-Site": {"cross-site"}}, 200, true},
		{"other origin", http.Header{"Origin": {"https://evil.example.com"}, "Sec-Fetch-Site": {"cross-site"}}, 403, false},
		{"look-alike port", http.Header{"Origin": {"http://localhost:5174"}, "Sec-Fetch-Site": {"same-site"}}, 403, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := b.do(b.h.cb.Token, post("/token", tt.hdr))
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, tt.status, resp.Body)
			}
			acao := apigwtest.Header(resp, "Access-Control-Allow-Origin")
			if tt.cors != (len(acao) == 1 && acao[0] == app) || (tt.cors && apigwtest.Header(resp, "Access-Control-Allow-Credentials")[0] != "true") {
				t.Errorf("CORS headers %v, want them: %v", acao, tt.cors)
			}
			if v := apigwtest.Header(resp, "Vary"); len(v) != 1 || v[0] != "Origin" {
				t.Errorf("Vary = %v", v)
			}
		})
	}
}

// TestLogoutRefusedKeepsTheSession: a same-site page that is not an
// allowed origin cannot sign the user out: 403, and the session stays.
func TestLogoutRefusedKeepsTheSession(t *testing.T) {
	b := signedIn(t)
	resp := b.do(b.h.cb.Logout, post("/logout", http.Header{"Origin": {"https://evil.abc123defg.execute-api.us-east-1.amazonaws.com"}, "Sec-Fetch-Site": {"same-site"}}))
	if resp.StatusCode != http.StatusForbidden || len(b.h.cog.RevokeRequests()) != 0 {
		t.Errorf("/logout from another page: %d, %d revocations", resp.StatusCode, len(b.h.cog.RevokeRequests()))
	}
	if !hasSessionCookie(b.jar) {
		t.Error("a refused /logout cleared the session")
	}
}

func hasSessionCookie(jar map[string]string) bool {
	for k := range jar {
		if strings.HasPrefix(k, session.Prefix) {
			return true
		}
	}
	return false
}

// TestExpiredAttemptWithASession: an attempt cookie that no longer opens
// (expired) counts as gone: a signed-in browser goes home.
func TestExpiredAttemptWithASession(t *testing.T) {
	b := signedIn(t)
	q, n := b.login("")
	b.h.clock = logincookie.MaxAge + time.Minute
	calls := len(b.h.cog.Requests())
	resp := b.callback(q, n)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Headers["Location"], "/Prod/") || len(b.h.cog.Requests()) != calls {
		t.Errorf("expired attempt, signed in: %d to %q; %s", resp.StatusCode, resp.Headers["Location"], resp.Body)
	}
}

// TestLoginAttemptBudget: a return_to whose cookie would be too long is a
// 400 before Cognito; long ones leave room for fewer parallel attempts,
// within the byte budget.
func TestLoginAttemptBudget(t *testing.T) {
	b := newBrowser(t)
	long := "/app?" + strings.Repeat("a=1&", 250) // 1005 bytes, ASCII
	for range 3 {
		b.login(long)
	}
	total := 0
	for k, v := range b.jar {
		if logincookie.IsAttempt(k) {
			total += len(k) + len(v)
		}
	}
	if total > logincookie.MaxAttemptBytes || b.attempts() == 0 {
		t.Errorf("%d attempts in %d bytes, budget %d", b.attempts(), total, logincookie.MaxAttemptBytes)
	}
	resp := b.do(b.h.login.Login, apigwtest.Request("/login", url.Values{"return_to": {"/" + strings.Repeat("é", 500)}}, nil))
	if resp.StatusCode != http.StatusBadRequest || resp.Headers["Location"] != "" {
		t.Errorf("a return_to too long once encoded: %d %q", resp.StatusCode, resp.Headers["Location"])
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	b := signedIn(t)
	b.h.cog.HandleRevoke(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	resp := b.do(b.h.cb.Logout, post("/logout", http.Header{"Sec-Fetch-Site": {"same-origin"}}))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Headers["Location"], b.h.cog.URL+"/logout?") {
		t.Fatalf("/logout: %d %s", resp.StatusCode, resp.Headers["Location"])
	}
	if r := b.h.cog.RevokeRequests(); len(r) != 1 || r[0].Form.Get("token") != "refresh-token-value" {
		t.Errorf("revocations: %v", r)
	}
	if len(b.jar) != 0 {
		t.Errorf("cookies left after sign-out: %v", len(b.jar))
	}
	if resp := b.do(b.h.cb.Token, post("/token", nil)); resp.StatusCode != 401 {
		t.Errorf("/token after sign-out: %d", resp.StatusCode)
	}
}

func TestHomePage(t *testing.T) {
	b := newBrowser(t)
	resp := b.do(b.h.cb.Home, apigwtest.Request("/", nil, html))
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, `id="sign-in"`) || !strings.Contains(resp.Body, `href="login"`) {
		t.Errorf("signed out: %d %.300s", resp.StatusCode, resp.Body)
	}
	b = signedIn(t)
	calls := len(b.h.cog.Requests())
	resp = b.do(b.h.cb.Home, apigwtest.Request("/", nil, html))
	if resp.StatusCode != 200 || page.HasInlineScript(resp.Body) {
		t.Fatalf("signed in: %d", resp.StatusCode)
	}
	for _, want := range []string{"ada@example.com", "curl -H &#39;Authorization: ey", "https://" + apigwtest.Domain + "/Prod/hello", `action="refresh"`, `action="logout"`} {
		if !strings.Contains(resp.Body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	if strings.Contains(resp.Body, "refresh-token-value") || strings.Contains(resp.Body, "refresh_token") {
		t.Error("the home page holds the refresh token")
	}
	if !strings.Contains(resp.Headers["Content-Security-Policy"], "form-action 'self' "+b.h.cog.URL) {
		t.Errorf("CSP %q", resp.Headers["Content-Security-Policy"])
	}
	if len(b.h.cog.Requests()) != calls {
		t.Error("the home page with a fresh session called Cognito")
	}
	// The Refresh button: the session is refreshed and the browser sent home.
	b.h.cog.HandleToken(b.h.cog.RefreshedTokens("client-id"))
	resp = b.do(b.h.cb.Refresh, post("/refresh", http.Header{"Accept": html["Accept"], "Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"same-origin"}}))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Headers["Location"], "/Prod/?refreshed=1") || len(b.h.cog.Requests()) != calls+1 {
		t.Errorf("refresh button: %d to %q; %s", resp.StatusCode, resp.Headers["Location"], resp.Body)
	}
	if resp := b.do(b.h.cb.Home, apigwtest.Request("/", url.Values{"refreshed": {"1"}}, html)); !strings.Contains(resp.Body, `id="refreshed"`) {
		t.Error("no refreshed note")
	}
}

// BenchmarkToken: /token with a valid session, which calls Cognito zero
// times.
func BenchmarkToken(b *testing.B) {
	h := newHarness(b)
	a := h.startLogin()
	h.cog.HandleToken(h.cog.Tokens("client-id", a.nonce))
	resp := h.callback(context.Background(), ok(a), a.cookie, html.Get("Accept"))
	if resp.StatusCode != http.StatusSeeOther {
		b.Fatal(resp.StatusCode)
	}
	br := &browser{h: h, jar: map[string]string{}}
	for _, c := range apigwtest.SetCookies(resp) {
		if c.MaxAge > 0 {
			br.jar[c.Name] = c.Value
		}
	}
	calls := len(br.h.cog.Requests())
	req := post("/token", http.Header{"Sec-Fetch-Site": {"same-origin"}})
	var parts []string
	for k, v := range br.jar {
		parts = append(parts, k+"="+v)
	}
	req.Headers["Cookie"], req.MultiValueHeaders["Cookie"] = strings.Join(parts, "; "), []string{strings.Join(parts, "; ")}
	b.ReportAllocs()
	for b.Loop() {
		if resp, _ := br.h.cb.Token(context.Background(), req); resp.StatusCode != 200 {
			b.Fatal(resp.StatusCode)
		}
	}
	b.ReportMetric(float64(len(br.h.cog.Requests())-calls), "cognito-calls")
}

// TestTamperedAttemptWithASession: a cookie that does not authenticate is
// not a finished attempt: 400 even when the browser is signed in.
func TestTamperedAttemptWithASession(t *testing.T) {
	b := signedIn(t)
	q, n := b.login("")
	name := logincookie.NameFor(q.Get("state"))
	v := []byte(b.jar[name])
	v[len(v)/2] ^= 1
	b.jar[name] = string(v)
	calls := len(b.h.cog.Requests())
	if resp := b.callback(q, n); resp.StatusCode != http.StatusBadRequest || len(b.h.cog.Requests()) != calls {
		t.Errorf("tampered attempt, signed in: %d %q", resp.StatusCode, resp.Headers["Location"])
	}
}
