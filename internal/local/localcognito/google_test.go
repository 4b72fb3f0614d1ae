package localcognito

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// googleSignIn follows identity_provider=Google to the stand-in's page and
// signs in there; it returns the code.
func (p *testPool) googleSignIn(t *testing.T, b *browser, email, name string) string {
	t.Helper()
	q := authorizeQuery(testVerifier)
	q.Set("identity_provider", GoogleProvider)
	res := b.get(p.Domain() + "/oauth2/authorize?" + q.Encode())
	if res.status != http.StatusFound || res.location().Path != "/local-google/signin" {
		t.Fatalf("authorize with identity_provider=Google: %d to %q, want 302 to the stand-in", res.status, res.header.Get("Location"))
	}
	res = b.get(res.header.Get("Location"))
	if res.status != http.StatusOK || !strings.Contains(res.body, "Local stand-in for Google sign-in — not Google") {
		t.Fatalf("stand-in page: %d, not clearly marked: %s", res.status, res.body)
	}
	form := formFields(res.body)
	form.Set("email", email)
	form.Set("name", name)
	res = b.post(p.Domain()+"/local-google/signin", p.Domain(), form)
	if res.status != http.StatusFound || res.location().Query().Get("code") == "" {
		t.Fatalf("stand-in sign-in: %d %s", res.status, res.body)
	}
	return res.location().Query().Get("code")
}

func TestGoogleStandIn(t *testing.T) {
	pool := newTestPool(t, nil)

	// Off by default: identity_provider=Google is an error to the client.
	q := authorizeQuery(testVerifier)
	q.Set("identity_provider", GoogleProvider)
	res := newBrowser(t).get(pool.Domain() + "/oauth2/authorize?" + q.Encode())
	if res.status != http.StatusFound || res.location().Query().Get("error") != "invalid_request" {
		t.Errorf("Google not enabled: %d to %s, want an invalid_request redirect", res.status, res.header.Get("Location"))
	}
	if b := newBrowser(t).get(pool.Domain() + "/login?" + authorizeQuery(testVerifier).Encode()); strings.Contains(b.body, "Continue with Google") {
		t.Error("the sign-in page offers Google although it is not enabled")
	}

	pool.EnableGoogle()
	page := newBrowser(t).get(pool.Domain() + "/login?" + authorizeQuery(testVerifier).Encode())
	link := regexp.MustCompile(`href="([^"]*)" id="continue-with-google"`).FindStringSubmatch(page.body)
	if link == nil || !strings.Contains(link[1], "identity_provider=Google") {
		t.Fatalf("the sign-in page has no Continue with Google link: %s", page.body)
	}

	b := newBrowser(t)
	tokens := pool.redeem(t, pool.googleSignIn(t, b, "Grace@Example.com", "Grace Hopper"))
	id, access := claimsOf(t, tokens["id_token"].(string)), claimsOf(t, tokens["access_token"].(string))
	username, _ := id["cognito:username"].(string)
	if !regexp.MustCompile(`^google_1[0-9]{20}$`).MatchString(username) || access["username"] != username {
		t.Errorf("usernames: ID %v, access %v; want google_<21 digits> in both", id["cognito:username"], access["username"])
	}
	wantGroups := `["` + DefaultPoolID + `_Google"]`
	for name, c := range map[string]map[string]any{"ID": id, "access": access} {
		if g, _ := json.Marshal(c["cognito:groups"]); string(g) != wantGroups {
			t.Errorf("%s token cognito:groups = %s, want %s", name, g, wantGroups)
		}
	}
	if id["email"] != "Grace@Example.com" || id["name"] != "Grace Hopper" {
		t.Errorf("mapped attributes: email %v, name %v", id["email"], id["name"])
	}
	idents, _ := id["identities"].([]any)
	if len(idents) != 1 {
		t.Fatalf("identities = %v, want one", id["identities"])
	}
	ident := idents[0].(map[string]any)
	if ident["userId"] != strings.TrimPrefix(username, "google_") || ident["providerName"] != "Google" || ident["providerType"] != "Google" ||
		ident["issuer"] != nil || ident["primary"] != "true" || !regexp.MustCompile(`^[0-9]{13}$`).MatchString(ident["dateCreated"].(string)) {
		t.Errorf("identities[0] = %v", ident)
	}
	if _, ok := access["identities"]; ok {
		t.Error("the access token has identities; Cognito puts them in the ID token only")
	}

	// userInfo names the federated user as the tokens do, with its
	// identities as a JSON string, as Cognito returns every attribute.
	res = getUserInfo(t, pool, tokens["access_token"].(string))
	var info map[string]any
	if err := json.Unmarshal([]byte(res.body), &info); err != nil || res.status != http.StatusOK {
		t.Fatalf("userInfo: %d %s", res.status, res.body)
	}
	var infoIdents []map[string]any
	s, _ := info["identities"].(string)
	if err := json.Unmarshal([]byte(s), &infoIdents); err != nil || len(infoIdents) != 1 || infoIdents[0]["providerName"] != "Google" ||
		info["username"] != username || info["name"] != "Grace Hopper" {
		t.Errorf("userInfo of the Google user = %v", info)
	}

	// The same Google account is the same user; a password user of the same
	// email stays another user, and the Google user has no password.
	again := pool.redeem(t, pool.googleSignIn(t, newBrowser(t), "grace@example.com", ""))
	if claimsOf(t, again["id_token"].(string))["sub"] != id["sub"] {
		t.Error("signing in with the same Google account made another user")
	}
	if _, err := pool.AddUser(User{Email: "Grace@Example.com", Password: testPassword}); err != nil {
		t.Errorf("a password user with the Google user's email: %v", err)
	}
	if sub, _ := pool.UserSub("grace@example.com"); sub == id["sub"] {
		t.Error("the password user is the Google user")
	}
	if _, ok := pool.authenticate(username, ""); ok {
		t.Error("the Google user signs in with an empty password")
	}

	// A native user's tokens carry none of it.
	native := pool.redeem(t, pool.signIn(t, newBrowser(t), authorizeQuery(testVerifier)))
	if c := claimsOf(t, native["id_token"].(string)); c["identities"] != nil || c["cognito:groups"] != nil {
		t.Errorf("a password user's ID token has federated claims: %v", c)
	}
	if body := getUserInfo(t, pool, native["access_token"].(string)).body; strings.Contains(body, "identities") {
		t.Errorf("a password user's userInfo has identities: %s", body)
	}
}

func TestGoogleStandInRefusesCrossSitePosts(t *testing.T) {
	pool := newTestPool(t, nil)
	pool.EnableGoogle()
	form := authorizeQuery(testVerifier)
	form.Set("email", "mallory@example.com")
	if res := newBrowser(t).post(pool.Domain()+"/local-google/signin", "https://evil.example", form); res.status != http.StatusForbidden {
		t.Errorf("cross-site post to the stand-in: %d, want 403", res.status)
	}
}
