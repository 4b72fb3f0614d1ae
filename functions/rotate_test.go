package functions_test

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/example/cognito-sam-go/functions/internal/lambdatest"
	"github.com/example/cognito-sam-go/internal/apigw/apigwtest"
	"github.com/example/cognito-sam-go/internal/local/localcognito"
	"github.com/example/cognito-sam-go/internal/logincookie"
	"github.com/example/cognito-sam-go/internal/rotate"
	"github.com/example/cognito-sam-go/internal/rotate/rotatetest"
	"github.com/example/cognito-sam-go/internal/secret"
	"github.com/example/cognito-sam-go/internal/secret/mototest"
)

const (
	rotationClient   = "rotationappclient"
	originalSecret   = "the-secret-cognito-generated-with-the-client"
	rotationUser     = "demo@example.com"
	rotationPassword = "Demo-Passw0rd!x"
)

// TestRotationWhileSigningIn drives the BUILT rotation function through
// two rotations, step by step as Secrets Manager would, against
// moto_server and the local Cognito (its AWS JSON endpoint, with the real
// SDK client of the binary), while users sign in through the BUILT login
// and callback functions before and after every step:
//
//   - callback A warmed before the first rotation: it caches the original
//     secret, which is the previous one after the first rotation and is
//     deleted by the second (its forced refresh on invalid_client must
//     cover that);
//   - callback B warmed between the rotations: it caches the first
//     rotation's secret, the previous one after the second;
//   - callback C started cold in the middle of the second rotation.
//
// In the second rotation createSecret dies after adding the new client
// secret and before PutSecretValue (Secrets Manager's PutSecretValue is
// made to fail), and a fresh execution environment retries it. No sign-in
// may fail, and the app client never holds more than two secrets.
func TestRotationWhileSigningIn(t *testing.T) {
	moto := mototest.Start(t)
	mototest.UseEndpoint(t, moto)
	sm := mototest.Client(t)

	hs := httptest.NewUnstartedServer(nil)
	callbackURL := "https://" + apigwtest.Domain + "/" + apigwtest.Stage + "/callback"
	pool, err := localcognito.New(localcognito.Options{
		BaseURL: "http://" + hs.Listener.Addr().String(),
		Clients: []localcognito.Client{{ID: rotationClient, Secrets: []string{originalSecret},
			CallbackURLs: []string{callbackURL}, Scopes: []string{"openid", "email", "profile", "api/read"}}},
		Users: []localcognito.User{{Email: rotationUser, Password: rotationPassword}},
	})
	if err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = pool
	hs.Start()
	t.Cleanup(hs.Close)

	// As CloudFormation writes it: no client_secret_id.
	mototest.PutSecret(t, sm, secretName, `{"client_id":"`+rotationClient+`","client_secret":"`+originalSecret+`","cookie_key":"`+cookieKey+`"}`)
	rotatetest.EnableRotation(t, sm, secretName)

	// PutSecretValue fails while failPut is set: the rotation function's
	// Secrets Manager goes through this proxy, the others straight to moto.
	var failPut atomic.Bool
	motoURL, _ := url.Parse(moto)
	proxy := httputil.NewSingleHostReverseProxy(motoURL)
	smProxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") == "secretsmanager.PutSecretValue" && failPut.Load() {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"__type":"InvalidRequestException","message":"simulated crash before the put"}`)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(smProxy.Close)

	env := map[string]string{
		"COGNITO_DOMAIN": pool.Domain(), "COGNITO_ISSUER": pool.Issuer(), "CLIENT_SECRET_NAME": secretName,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": moto, "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_EC2_METADATA_DISABLED": "true",
	}
	rotateEnv := map[string]string{
		"USER_POOL_ID": pool.PoolID(), "COGNITO_DOMAIN": pool.Domain(),
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": smProxy.URL, "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": pool.Domain(),
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_EC2_METADATA_DISABLED": "true",
	}
	rotateBin := bins["rotate"]
	rotFn := lambdatest.Start(t, rotateBin, rotateEnv)
	rotations := []*lambdatest.Runtime{rotFn} // every environment that ran a step
	login := lambdatest.Start(t, bins["login"], env)
	b := newCognitoBrowser(t, pool)

	// The app client's secrets, checked after every step.
	checkSecrets := func(when string) []string {
		t.Helper()
		infos, err := pool.ClientSecrets(rotationClient)
		if err != nil {
			t.Fatal(err)
		}
		if len(infos) == 0 || len(infos) > 2 {
			t.Fatalf("%s: the app client holds %d secrets", when, len(infos))
		}
		var ids []string
		for _, in := range infos {
			ids = append(ids, in.ID)
		}
		return ids
	}
	type counts struct{ attempted, failed int }
	signInAll := func(c *counts, when string, fns map[string]*lambdatest.Runtime) {
		t.Helper()
		for name, fn := range fns {
			c.attempted++
			if why := signIn(t, login, fn, b); why != "" {
				c.failed++
				t.Errorf("%s: sign-in through callback %s failed: %s\n%s", when, name, why, lastLines(fn.Output(), 3))
			}
		}
	}
	step := func(fn *lambdatest.Runtime, token, s string) string {
		t.Helper()
		answer, funcErr := fn.InvokeJSON(rotate.Event{SecretID: secretName, ClientRequestToken: token, Step: s}, 30*time.Second)
		if funcErr {
			return string(answer)
		}
		return ""
	}

	callbackA := lambdatest.Start(t, bins["callback"], env)
	warm := map[string]*lambdatest.Runtime{"A": callbackA}
	var warmUp counts
	signInAll(&warmUp, "before the first rotation", warm)
	original := checkSecrets("before")

	// The first rotation.
	var r1 counts
	token1 := rotatetest.Token()
	for _, s := range rotatetest.Steps {
		signInAll(&r1, "before "+s, warm)
		if msg := step(rotFn, token1, s); msg != "" {
			t.Fatalf("rotation 1, %s failed: %s\n%s", s, msg, rotFn.Output())
		}
		checkSecrets("rotation 1, after " + s)
	}
	signInAll(&r1, "after the first rotation", warm)
	after1 := checkSecrets("after the first rotation")
	if len(after1) != 2 || after1[0] != original[0] {
		t.Errorf("after the first rotation the client holds %v, want the original %v and a new one", after1, original)
	}
	t.Logf("rotation 1 (no crash): %d sign-ins attempted, %d failed (callback A caching the original secret, now the previous one)", r1.attempted, r1.failed)

	callbackB := lambdatest.Start(t, bins["callback"], env)
	warm["B"] = callbackB
	signInAll(&warmUp, "between the rotations", map[string]*lambdatest.Runtime{"B": callbackB})
	// A forced refresh reads Secrets Manager at most once every
	// secret.DefaultRetryAfter; rotations are minutes or days apart, and
	// so is A's last read from the deletion of the secret it holds.
	time.Sleep(secret.DefaultRetryAfter)

	// The second rotation: it deletes the original (A still caches it),
	// and its createSecret dies once after adding the new secret.
	var r2 counts
	token2 := rotatetest.Token()
	for _, s := range rotatetest.Steps {
		signInAll(&r2, "before "+s, warm)
		if s == rotate.StepCreate {
			failPut.Store(true)
			if msg := step(rotFn, token2, s); msg == "" {
				t.Fatalf("createSecret did not fail with PutSecretValue failing")
			}
			failPut.Store(false)
			orphaned := checkSecrets("after the crashed createSecret")
			t.Logf("createSecret died before PutSecretValue: the client holds %v (the orphan is the second)", orphaned)
			signInAll(&r2, "after the crashed createSecret", warm)
			// Secrets Manager retries the step, here in a new execution
			// environment.
			retry := lambdatest.Start(t, rotateBin, rotateEnv)
			rotations = append(rotations, retry)
			if msg := step(retry, token2, s); msg != "" {
				t.Fatalf("createSecret (retry) failed: %s\n%s", msg, retry.Output())
			}
			if ids := checkSecrets("after the retried createSecret"); len(ids) != 2 || ids[0] != after1[1] || ids[1] == orphaned[1] {
				t.Errorf("after the retry the client holds %v, want %s (current) and a new one, not the orphan %s", ids, after1[1], orphaned[1])
			}
			// And once more: nothing changes.
			before := checkSecrets("before createSecret again")
			if msg := step(retry, token2, s); msg != "" || strings.Join(checkSecrets("createSecret again"), " ") != strings.Join(before, " ") {
				t.Errorf("createSecret run again: %q, secrets %v, were %v", msg, checkSecrets("again"), before)
			}
			warm["C"] = lambdatest.Start(t, bins["callback"], env) // cold, mid-rotation
			continue
		}
		if msg := step(rotFn, token2, s); msg != "" {
			t.Fatalf("rotation 2, %s failed: %s\n%s", s, msg, rotFn.Output())
		}
		checkSecrets("rotation 2, after " + s)
	}
	signInAll(&r2, "after the second rotation", warm)
	after2 := checkSecrets("after the second rotation")
	if len(after2) != 2 || after2[0] != after1[1] || after2[0] == original[0] {
		t.Errorf("after the second rotation the client holds %v, want the first rotation's %s and a new one (the original %s deleted)", after2, after1[1], original[0])
	}
	t.Logf("rotation 2 (createSecret crashed once, retried): %d sign-ins attempted, %d failed (A caching the deleted original, B the previous, C started mid-rotation)", r2.attempted, r2.failed)
	if out := callbackA.Output(); !strings.Contains(out, "client secret changed; retrying once") {
		t.Errorf("callback A never met its deleted secret (no retry on invalid_client), so the test proved less than it says:\n%s", out)
	}
	if warmUp.failed > 0 {
		t.Errorf("%d of %d warm-up sign-ins failed", warmUp.failed, warmUp.attempted)
	}

	// finishSecret retried after it completed: nothing to do.
	if msg := step(rotFn, token2, rotate.StepFinish); msg != "" {
		t.Errorf("finishSecret retried: %s", msg)
	}
	if v := rotatetest.VersionWith(t, sm, secretName, "AWSCURRENT"); v != token2 {
		t.Errorf("AWSCURRENT on %s, want %s", v, token2)
	}

	// The rotation function's logs: JSON, with the Lambda request id, and
	// no secret value.
	var cur map[string]any
	if err := json.Unmarshal([]byte(rotatetest.Value(t, sm, secretName, "AWSCURRENT")), &cur); err != nil {
		t.Fatal(err)
	}
	prev := rotatetest.Value(t, sm, secretName, "AWSPREVIOUS")
	for _, fn := range rotations {
		out := fn.Output()
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if !json.Valid([]byte(line)) {
				t.Errorf("the rotation function wrote a non-JSON line: %s", line)
			}
		}
		if !strings.Contains(out, `"aws_request_id":"req-`) || !strings.Contains(out, `"step":"createSecret"`) {
			t.Errorf("the rotation function's logs lack the request id or the step:\n%s", out)
		}
		for _, s := range []string{originalSecret, cookieKey, cur["client_secret"].(string), secretField(t, prev)} {
			if strings.Contains(out, s) {
				t.Errorf("the rotation function logged a secret value (%.6s...)", s)
			}
		}
	}
}

func secretField(t *testing.T, doc string) string {
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	return m["client_secret"].(string)
}

// cognitoBrowser is a user's browser at the local Cognito: it keeps the
// sign-in session cookie, so after the first sign-in /oauth2/authorize
// answers at once with a code, and it stops at the redirect to the API.
type cognitoBrowser struct {
	t    *testing.T
	hc   *http.Client
	pool *localcognito.Server
}

func newCognitoBrowser(t *testing.T, pool *localcognito.Server) *cognitoBrowser {
	jar, _ := cookiejar.New(nil)
	return &cognitoBrowser{t: t, pool: pool, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			if req.URL.Host == apigwtest.Domain {
				return http.ErrUseLastResponse
			}
			return nil
		}}}
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

// authorize follows the authorize URL to the redirect back to the API,
// signing in on the way when the sign-in page comes, and returns that
// redirect's query (code and state).
func (b *cognitoBrowser) authorize(authorizeURL string) (url.Values, error) {
	resp, err := b.hc.Get(authorizeURL)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK && strings.Contains(string(body), `id="signin-form"`) {
		form := url.Values{}
		for _, m := range hiddenField.FindAllStringSubmatch(string(body), -1) {
			form.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
		}
		form.Set("email", rotationUser)
		form.Set("password", rotationPassword)
		if resp, err = b.hc.PostForm(b.pool.Domain()+"/login", form); err != nil {
			return nil, err
		}
		resp.Body.Close()
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Host != apigwtest.Domain {
		return nil, fmt.Errorf("authorize ended with %d at %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query(), nil
}

// signIn is one whole sign-in: /login (built function), Cognito, /callback
// (the built function cb). It returns "" on success, else what went wrong.
func signIn(t *testing.T, login, cb *lambdatest.Runtime, b *cognitoBrowser) string {
	t.Helper()
	resp := login.Invoke(apigwtest.Request("/login", nil, nil), timeout)
	if resp.StatusCode != http.StatusFound {
		return fmt.Sprintf("/login: %d %s", resp.StatusCode, resp.Body)
	}
	cookies := apigwtest.SetCookies(resp)
	if len(cookies) != 1 {
		return "/login set no attempt cookie"
	}
	q, err := b.authorize(resp.Headers["Location"])
	if err != nil {
		return err.Error()
	}
	state := q.Get("state")
	resp = cb.Invoke(apigwtest.Request("/callback", url.Values{"code": {q.Get("code")}, "state": {state}},
		http.Header{"Cookie": {logincookie.NameFor(state) + "=" + cookies[0].Value}, "Accept": {"application/json"}}), timeout)
	var tok map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &tok); resp.StatusCode != http.StatusOK || err != nil || tok["id_token"] == nil {
		return fmt.Sprintf("/callback: %d %s", resp.StatusCode, resp.Body)
	}
	return ""
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestRotateBadConfigurationFailsAtStartUp: the rotation function started
// without its configuration exits before taking an event, naming every
// problem.
func TestRotateBadConfigurationFailsAtStartUp(t *testing.T) {
	bin, err := lambdatest.Build("..", "./functions/rotate", t.TempDir(), "rotate")
	if err != nil {
		t.Fatal(err)
	}
	r := lambdatest.Start(t, bin, map[string]string{"COGNITO_DOMAIN": "http://not-loopback.example.com"})
	if err := r.Exit(10 * time.Second); err == nil {
		t.Fatal("the rotation function exited 0 with a bad configuration")
	}
	for _, w := range []string{"USER_POOL_ID: is not set", "COGNITO_DOMAIN: must use https"} {
		if !strings.Contains(r.Output(), w) {
			t.Errorf("start-up log does not say %q:\n%s", w, r.Output())
		}
	}
}
