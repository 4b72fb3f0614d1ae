package logincookie

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/example/cognito-sam-go/internal/seal"
)

const (
	key        = "0123456789abcdef0123456789abcdef"
	deployment = "client-id"
)

var t0 = time.Unix(1_700_000_000, 0).UTC()

func sample() State {
	return State{State: "st", Nonce: "no", Verifier: "ve", Created: t0}
}

func mustSealer(t testing.TB, k string) *Sealer {
	t.Helper()
	s, err := NewSealer(seal.Keys{Current: k, Deployment: deployment})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRoundTrip(t *testing.T) {
	s := mustSealer(t, key)
	v, err := s.Seal(sample())
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Open(v, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Created.Equal(t0) || got.State != "st" || got.Nonce != "no" || got.Verifier != "ve" {
		t.Errorf("Open = %+v, want %+v", got, sample())
	}
	if strings.Contains(v, "ve") && strings.Contains(v, "st") && len(v) < 20 {
		t.Errorf("value %q looks unencrypted", v)
	}
	if v2, _ := s.Seal(sample()); v2 == v {
		t.Error("two seals of the same state are equal: nonce reused")
	}
}

func TestOpenRejects(t *testing.T) {
	s := mustSealer(t, key)
	good, _ := s.Seal(sample())
	foreign, _ := mustSealer(t, "ffffffffffffffffffffffffffffffff").Seal(sample())
	flip := []byte(good)
	if flip[10] == 'A' {
		flip[10] = 'B'
	} else {
		flip[10] = 'A'
	}
	incomplete, _ := s.Seal(State{State: "st", Created: t0})
	tests := []struct {
		name  string
		value string
		now   time.Time
	}{
		{"empty", "", t0},
		{"garbage", "not-a-cookie!", t0},
		{"tampered", string(flip), t0},
		{"truncated", good[:len(good)-4], t0},
		{"too short", "AAAA", t0},
		{"foreign key", foreign, t0},
		{"expired", good, t0.Add(MaxAge + time.Second)},
		{"from the future", good, t0.Add(-2 * time.Minute)},
		{"incomplete", incomplete, t0},
		{"oversized", strings.Repeat("A", 5000), t0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Open(tt.value, tt.now)
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Open = %v, want ErrInvalid", err)
			}
		})
	}
	if _, err := s.Open(good, t0.Add(MaxAge)); err != nil {
		t.Errorf("Open at exactly MaxAge: %v", err)
	}
}

func TestNewSealerRejectsShortKey(t *testing.T) {
	if _, err := NewSealer(seal.Keys{Current: "short", Deployment: deployment}); err == nil {
		t.Error("NewSealer accepted a short key")
	}
}

func TestCookieAttributes(t *testing.T) {
	name := NameFor("some-state")
	c, err := http.ParseSetCookie(SetCookie(name, "v"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != name || !strings.HasPrefix(c.Name, "__Host-login-") || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
		t.Errorf("cookie = %+v; want __Host-login-<hash>, HttpOnly, Secure, SameSite=Lax, Path=/, no Domain", c)
	}
	if c.MaxAge <= 0 || c.MaxAge > 600 {
		t.Errorf("Max-Age = %d, want 1..600", c.MaxAge)
	}
	d, _ := http.ParseSetCookie(ClearCookie(name))
	if d.Name != name || d.MaxAge >= 0 || d.Value != "" || !d.Secure || d.Path != "/" {
		t.Errorf("clear cookie = %+v, want Max-Age<0, empty value", d)
	}
}

// FuzzOpen feeds arbitrary cookie values to Open: it must never panic and
// never yield a state this package did not seal. The seeds run with every go test.
func FuzzOpen(f *testing.F) {
	s := mustSealer(f, key)
	good, _ := s.Seal(sample())
	for _, seed := range []string{"", good, good[:20], "%%%", strings.Repeat("A", 64), "eyJhbGciOiJub25lIn0"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		st, err := s.Open(v, t0)
		if err == nil && (st.State != "st" || st.Nonce != "no" || st.Verifier != "ve") {
			t.Errorf("Open accepted a forged value: %q -> %+v", v, st)
		}
	})
}

func BenchmarkSealOpen(b *testing.B) {
	s := mustSealer(b, key)
	b.ReportAllocs()
	for b.Loop() {
		v, _ := s.Seal(sample())
		if _, err := s.Open(v, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNameFor: every attempt has its own cookie name, a valid cookie token
// that reveals nothing of the state, and only attempt names count as such.
func TestNameFor(t *testing.T) {
	a, b := NameFor("state-a"), NameFor("state-b")
	if a == b || a != NameFor("state-a") {
		t.Errorf("NameFor: %s, %s", a, b)
	}
	if strings.Contains(a, "state-a") {
		t.Errorf("the name %s shows the state", a)
	}
	if _, err := http.ParseSetCookie(SetCookie(a, "v")); err != nil {
		t.Errorf("%s is not a valid cookie name: %v", a, err)
	}
	for name, want := range map[string]bool{a: true, b: true, Name: false, Name + "-x": false, "__Host-session-0": false, "other": false} {
		if got := IsAttempt(name); got != want {
			t.Errorf("IsAttempt(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestKeyChangeAndDeployment: an attempt started before cookie_key changed
// still completes when the old key is previous_cookie_key, and not once it
// is removed; an attempt sealed for another client id with the same key
// does not open.
func TestKeyChangeAndDeployment(t *testing.T) {
	const newKey = "fedcba9876543210fedcba9876543210"
	open := func(k seal.Keys, v string) error {
		s, err := NewSealer(k)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Open(v, t0.Add(time.Minute))
		return err
	}
	old, err := mustSealer(t, key).Seal(sample())
	if err != nil {
		t.Fatal(err)
	}
	if err := open(seal.Keys{Current: newKey, Previous: key, Deployment: deployment}, old); err != nil {
		t.Errorf("attempt sealed under the previous key: %v, want it open", err)
	}
	if err := open(seal.Keys{Current: newKey, Deployment: deployment}, old); !errors.Is(err, ErrInvalid) {
		t.Errorf("attempt sealed under a removed key: %v, want ErrInvalid", err)
	}
	if err := open(seal.Keys{Current: key, Deployment: "another-client-id"}, old); !errors.Is(err, ErrInvalid) {
		t.Errorf("attempt sealed for another client id with the same key: %v, want ErrInvalid", err)
	}
	flipped := []byte(old)
	flipped[len(flipped)/2] ^= 1
	if err := open(seal.Keys{Current: newKey, Previous: key, Deployment: deployment}, string(flipped)); !errors.Is(err, ErrInvalid) {
		t.Errorf("tampered attempt under the previous key: %v, want ErrInvalid", err)
	}
}
