package signin

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/example/cognito-sam-go/internal/logincookie"
	"github.com/example/cognito-sam-go/internal/secret"
	"github.com/example/cognito-sam-go/internal/session"
)

// TestSealersFollowTheSecret: the Server's sealers are derived anew when
// cookie_key, previous_cookie_key or the client id changes, so a change of
// cookie_key with the old key as previous keeps login attempts and
// sessions open, removing the previous key closes them, and a changed
// client id does not open what the old one sealed.
func TestSealersFollowTheSecret(t *testing.T) {
	const oldKey, newKey = "cookie-key-old-0123456789abcdef0123", "cookie-key-new-0123456789abcdef0123"
	s := New(Options{})
	now := time.Now()
	seal := func(v secret.Value) (string, map[string]string) {
		t.Helper()
		login, sess, err := s.sealers(v)
		if err != nil {
			t.Fatal(err)
		}
		attempt, err := login.Seal(logincookie.State{State: "s", Nonce: "n", Verifier: "v", Created: now})
		if err != nil {
			t.Fatal(err)
		}
		set, err := sess.Cookies(session.Session{RefreshToken: "rt", Created: now}, func(string) bool { return false })
		if err != nil {
			t.Fatal(err)
		}
		jar := map[string]string{}
		for _, c := range set {
			name, rest, _ := strings.Cut(c, "=")
			value, _, _ := strings.Cut(rest, ";")
			jar[name] = value
		}
		return attempt, jar
	}
	// opens reports whether the attempt and the session open with the
	// sealers of v: both or neither, else the test fails.
	opens := func(v secret.Value, attempt string, jar map[string]string) bool {
		t.Helper()
		login, sess, err := s.sealers(v)
		if err != nil {
			t.Fatal(err)
		}
		_, lerr := login.Open(attempt, now)
		_, serr := sess.Open(func(n string) (string, bool) { x, ok := jar[n]; return x, ok }, now)
		if (lerr == nil) != (serr == nil) {
			t.Fatalf("login cookie opens: %v, session opens: %v; want the same", lerr, serr)
		}
		if lerr != nil && !errors.Is(lerr, logincookie.ErrInvalid) {
			t.Fatalf("login cookie: %v", lerr)
		}
		return lerr == nil
	}
	before := secret.Value{ClientID: "client-a", ClientSecret: "x", CookieKey: oldKey}
	attempt, jar := seal(before)
	during := secret.Value{ClientID: "client-a", ClientSecret: "x", CookieKey: newKey, PreviousCookieKey: oldKey}
	if !opens(during, attempt, jar) {
		t.Error("cookies sealed before cookie_key changed do not open with the old key as previous_cookie_key")
	}
	after := secret.Value{ClientID: "client-a", ClientSecret: "x", CookieKey: newKey}
	if opens(after, attempt, jar) {
		t.Error("cookies sealed under a removed previous_cookie_key still open")
	}
	newAttempt, newJar := seal(after)
	otherClient := secret.Value{ClientID: "client-b", ClientSecret: "x", CookieKey: newKey}
	if opens(otherClient, newAttempt, newJar) {
		t.Error("cookies sealed for client-a open for client-b with the same cookie_key")
	}
	if !opens(after, newAttempt, newJar) {
		t.Error("cookies do not open with the sealers that sealed them")
	}
}
