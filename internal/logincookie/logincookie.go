// Package logincookie seals the state of one sign-in attempt (state, nonce,
// PKCE verifier, creation time) into a single cookie that only this
// deployment can open, and opens it again on the callback.
//
// The cookie is encrypted and authenticated with AES-256-GCM under a key
// derived with HKDF-SHA256 from the secret's cookie_key (or, to open, its
// previous_cookie_key), with the client id authenticated, so the browser can
// neither read the verifier nor change the state. A cookie sealed by another
// deployment (another cookie_key or client id), altered, truncated or older
// than MaxAge does not open. The package does not decide what to do when it fails: the
// callback answers 400.
package logincookie

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/example/cognito-sam-go/internal/seal"
)

// Name is the prefix of every attempt's cookie name, and the name bound
// into every sealed value. The __Host- prefix makes browsers accept the
// cookie only with Secure, Path=/ and no Domain, so a sibling subdomain
// cannot plant one.
const Name = "__Host-login"

// MaxAttempts is how many sign-in attempts a browser keeps completable at
// once (several tabs); /login evicts older ones so the Cookie header stays
// small.
const MaxAttempts = 3

// MaxAttemptBytes bounds the attempts' cookies a browser keeps together
// (names and values), so that with a session (session.MaxValueLen) it stays
// under API Gateway's 10,240 bytes of request headers. A typical attempt is
// about 360 bytes, so MaxAttempts fit with return_to values of up to about
// 600 bytes each; attempts with longer ones leave room for fewer.
const MaxAttemptBytes = 3072

// NameFor is the cookie name of the attempt with this state: each attempt
// has its own cookie, so attempts started in several tabs do not overwrite
// each other, and the callback finds its own from the state Cognito sends
// back. The name is a hash of the state, so it reveals nothing of it.
func NameFor(state string) string {
	sum := sha256.Sum256([]byte("cognito-sam-go login cookie name\x00" + state))
	return Name + "-" + base64.RawURLEncoding.EncodeToString(sum[:12])
}

// IsAttempt reports whether a cookie name is an attempt's.
func IsAttempt(name string) bool {
	return strings.HasPrefix(name, Name+"-") && len(name) == len(NameFor(""))
}

// MaxAge is how long a sign-in attempt may take, from /login to /callback.
const MaxAge = 10 * time.Minute

// clockSkew is how far in the future a creation time may be (several
// Lambda instances' clocks).
const clockSkew = time.Minute

// hkdfInfo binds the derived key to this use and format version.
const hkdfInfo = "cognito-sam-go login cookie v1"

// ErrInvalid is returned for every cookie that does not open: missing,
// malformed, tampered, sealed with another key, expired or from the future.
// The reason is in the wrapped message, for the log only.
var ErrInvalid = errors.New("login cookie invalid")

// ErrExpired is wrapped, with ErrInvalid, by Open's error for a cookie that
// was genuine but is older than MaxAge: the attempt is over, not forged.
var ErrExpired = errors.New("login cookie expired")

// State is what one sign-in attempt must remember between /login and
// /callback.
type State struct {
	State    string    `json:"s"`
	Nonce    string    `json:"n"`
	Verifier string    `json:"v"`
	Created  time.Time `json:"t"`
	// ReturnTo is the absolute URL the browser lands on after signing in,
	// validated by /login.
	ReturnTo string `json:"r,omitempty"`
}

// Format prints the state redacted for every fmt verb: state, nonce and
// verifier are what an attacker needs to finish someone else's sign-in.
func (st State) Format(f fmt.State, _ rune) { fmt.Fprint(f, "logincookie.State{REDACTED}") }

// LogValue redacts the state for log/slog.
func (st State) LogValue() slog.Value { return slog.StringValue("logincookie.State{REDACTED}") }

// Sealer seals and opens login cookies under one key. It is safe for
// concurrent use.
type Sealer struct {
	box *seal.Box
}

// NewSealer derives the sealing keys from k (the secret's SealKeys): login
// cookies are sealed under the current cookie key, open under it or the
// previous one, and only in the deployment k names.
func NewSealer(k seal.Keys) (*Sealer, error) {
	box, err := seal.New(k, hkdfInfo)
	if err != nil {
		return nil, err
	}
	return &Sealer{box: box}, nil
}

// ErrTooLong is returned by Seal for a state whose cookie would exceed
// maxValueLen (a return_to near its limit, once percent-encoded).
var ErrTooLong = errors.New("login cookie too long")

// Seal returns the cookie value for st. Name is authenticated with it, so
// a value sealed for another use (the session) does not open as a login
// cookie; what ties a value to its own attempt's cookie name is the state
// it carries, which the callback compares with the query's.
func (s *Sealer) Seal(st State) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "&" in a return_to stays one byte, not six
	if err := enc.Encode(st); err != nil {
		return "", err
	}
	v, err := s.box.Seal(bytes.TrimSuffix(b.Bytes(), []byte("\n")), []byte(Name))
	if err != nil {
		return "", err
	}
	if len(v) > maxValueLen {
		return "", fmt.Errorf("%w: %d bytes, over %d", ErrTooLong, len(v), maxValueLen)
	}
	return v, nil
}

// maxValueLen bounds what Open decodes: about 300 bytes, plus a return_to
// of at most 1 KiB.
const maxValueLen = 2048

// Open authenticates and decrypts a cookie value and checks its age against
// now. Every failure wraps ErrInvalid.
func (s *Sealer) Open(value string, now time.Time) (State, error) {
	if value == "" {
		return State{}, fmt.Errorf("%w: empty", ErrInvalid)
	}
	if len(value) > maxValueLen {
		return State{}, fmt.Errorf("%w: %d bytes, longer than %d", ErrInvalid, len(value), maxValueLen)
	}
	plain, err := s.box.Open(value, []byte(Name))
	if err != nil {
		return State{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	var st State
	if err := json.Unmarshal(plain, &st); err != nil {
		return State{}, fmt.Errorf("%w: bad payload", ErrInvalid)
	}
	switch {
	case st.State == "" || st.Nonce == "" || st.Verifier == "" || st.Created.IsZero():
		return State{}, fmt.Errorf("%w: incomplete", ErrInvalid)
	case now.Sub(st.Created) > MaxAge:
		return State{}, fmt.Errorf("%w: %w %s ago", ErrInvalid, ErrExpired, now.Sub(st.Created.Add(MaxAge)).Round(time.Second))
	case st.Created.Sub(now) > clockSkew:
		return State{}, fmt.Errorf("%w: created in the future", ErrInvalid)
	}
	return st, nil
}

// SetCookie is the Set-Cookie header value that stores value under name
// (NameFor the attempt's state) for MaxAge:
// HttpOnly (no script reads it), Secure and __Host- (https only, this host
// only), SameSite=Lax (sent on Cognito's top-level redirect back, which is
// cross-site; Strict would not be, RFC 9700 §4.5.3).
func SetCookie(name, value string) string {
	return (&http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: int(MaxAge / time.Second),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode,
	}).String()
}

// ClearCookie is the Set-Cookie header value that deletes the cookie name.
func ClearCookie(name string) string {
	return (&http.Cookie{
		Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode,
	}).String()
}
