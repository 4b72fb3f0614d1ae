// Package session seals a signed-in browser's tokens into cookies that only
// this deployment can open: the refresh token, and the current access and
// ID tokens, so that a page load with a valid session needs no call to
// Cognito and no token reaches page scripts or URLs (a token-mediating
// backend, as in the IETF's OAuth 2.0 for Browser-Based Apps).
//
// The session is one value, encrypted and authenticated with AES-256-GCM
// under a key derived with HKDF-SHA256 from the secret's cookie_key (with
// another label than the login cookie's; previous_cookie_key still opens
// one, and the client id is authenticated with it), split over up to MaxChunks
// cookies named __Host-session-0, -1, ...: HttpOnly, Secure, SameSite=Lax,
// Path=/. Browsers drop a cookie over 4096 bytes, and API Gateway refuses
// more than 10,240 bytes of request headers, so the tokens are stored in
// binary (see encode) to keep the Cookie header small.
//
// The package does not decide what a route does with a session; package
// signin does.
package session

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/example/cognito-sam-go/internal/seal"
)

// Prefix is the name of the session's cookies without the chunk index.
const Prefix = "__Host-session-"

// chunkLen is the longest value one cookie holds, under the 4096 bytes a
// browser keeps for a cookie's name and value together.
const chunkLen = 3800

// MaxValueLen bounds a sealed session, in bytes of cookie values, so that
// with the login attempts' cookies (logincookie.MaxAttemptBytes) and the
// other request headers a signed-in browser stays under API Gateway's
// 10,240 bytes of headers: a browser over it would be refused on every
// route, sign-out included, until its cookies expired. A session with
// Cognito-sized tokens and 20 groups is about 5.6 KB.
const MaxValueLen = 6144

// MaxChunks is the most cookies a session spans.
const MaxChunks = (MaxValueLen + chunkLen - 1) / chunkLen

// MaxAge is how long a session lasts from sign-in: the app client's
// refresh-token validity (template.yaml, RefreshTokenValidity: 30 days).
// Cognito's refresh token expires then anyway.
const MaxAge = 30 * 24 * time.Hour

// hkdfInfo binds the derived key to this use and format version.
const hkdfInfo = "cognito-sam-go session v1"

// version is the first byte of the plaintext.
const version = 1

// ErrNone is returned by Open when the request carries no session.
var ErrNone = errors.New("no session")

// ErrInvalid is returned for a session that does not open: tampered,
// truncated, sealed with another key, expired, or of another version.
var ErrInvalid = errors.New("session invalid")

// Session is what a signed-in browser holds.
type Session struct {
	RefreshToken string
	AccessToken  string
	IDToken      string
	// Expiry is the access token's.
	Expiry time.Time
	// Subject, Username and Email come from the verified ID token.
	Subject, Username, Email string
	// Created is when the user signed in; the session ends MaxAge later.
	Created time.Time
}

// Format prints the session redacted for every fmt verb: it holds the
// tokens.
func (s Session) Format(f fmt.State, _ rune) { fmt.Fprint(f, "session.Session{REDACTED}") }

// LogValue redacts the session for log/slog.
func (s Session) LogValue() slog.Value { return slog.StringValue("session.Session{REDACTED}") }

// Sealer seals and opens sessions under one key. It is safe for concurrent
// use.
type Sealer struct {
	box *seal.Box
}

// NewSealer derives the session keys from k (the secret's SealKeys):
// sessions are sealed under the current cookie key, open under it or the
// previous one, and only in the deployment k names.
func NewSealer(k seal.Keys) (*Sealer, error) {
	box, err := seal.New(k, hkdfInfo)
	if err != nil {
		return nil, err
	}
	return &Sealer{box: box}, nil
}

// ChunkName is the name of the session's cookie number i.
func ChunkName(i int) string { return Prefix + strconv.Itoa(i) }

// Cookies returns the Set-Cookie values that store s: one per chunk, and a
// deletion for every other chunk the request still has (has reports
// whether the request carries a cookie).
//
// A session over MaxValueLen (tokens grown with many groups) is stored
// without its access and ID tokens and with a zero Expiry, so that its
// user gets fresh tokens from the refresh token on each use instead of a
// browser that API Gateway refuses. Only a refresh token too long to store
// alone is an error.
func (k *Sealer) Cookies(s Session, has func(name string) bool) ([]string, error) {
	value, err := k.seal(s)
	if err != nil {
		return nil, err
	}
	if len(value) > MaxValueLen {
		s.AccessToken, s.IDToken, s.Expiry = "", "", time.Time{}
		if value, err = k.seal(s); err != nil {
			return nil, err
		}
	}
	if len(value) > MaxValueLen {
		return nil, fmt.Errorf("session of %d bytes is over %d even without its access and ID tokens", len(value), MaxValueLen)
	}
	n := (len(value) + chunkLen - 1) / chunkLen
	if n > MaxChunks {
		return nil, fmt.Errorf("session of %d bytes needs %d cookies, more than %d", len(value), n, MaxChunks)
	}
	maxAge := int(time.Until(s.Created.Add(MaxAge)) / time.Second)
	if maxAge <= 0 {
		return nil, fmt.Errorf("%w: expired", ErrInvalid)
	}
	var out []string
	for i := range n {
		chunk := value[i*chunkLen : min(len(value), (i+1)*chunkLen)]
		out = append(out, cookie(ChunkName(i), chunk, maxAge))
	}
	for i := n; i < MaxChunks; i++ {
		if has(ChunkName(i)) {
			out = append(out, cookie(ChunkName(i), "", -1))
		}
	}
	return out, nil
}

func (k *Sealer) seal(s Session) (string, error) {
	return k.box.Seal(encode(s), []byte(Prefix))
}

// Clear returns the Set-Cookie values that delete every chunk the request
// has (has reports whether it carries a cookie).
func Clear(has func(name string) bool) []string {
	var out []string
	for i := range MaxChunks {
		if has(ChunkName(i)) {
			out = append(out, cookie(ChunkName(i), "", -1))
		}
	}
	return out
}

// ClearAll returns the Set-Cookie values that delete every chunk, whether
// or not the request has it: for an answer that ends a session the client
// may hold in a jar the request did not show.
func ClearAll() []string {
	var out []string
	for i := range MaxChunks {
		out = append(out, cookie(ChunkName(i), "", -1))
	}
	return out
}

// Present reports whether the request has any session cookie.
func Present(has func(name string) bool) bool {
	for i := range MaxChunks {
		if has(ChunkName(i)) {
			return true
		}
	}
	return false
}

func cookie(name, value string, maxAge int) string {
	return (&http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode,
	}).String()
}

// Open reassembles the session from the request's cookies (get returns a
// cookie's value) and opens it. It returns ErrNone when there is no
// session cookie, and an error wrapping ErrInvalid for one that does not
// open or has expired at now.
func (k *Sealer) Open(get func(name string) (string, bool), now time.Time) (Session, error) {
	var b strings.Builder
	for i := range MaxChunks {
		v, ok := get(ChunkName(i))
		if !ok || v == "" {
			break
		}
		b.WriteString(v)
	}
	if b.Len() == 0 {
		return Session{}, ErrNone
	}
	plain, err := k.box.Open(b.String(), []byte(Prefix))
	if err != nil {
		return Session{}, fmt.Errorf("%w: %w (or a chunk is missing)", ErrInvalid, err)
	}
	s, err := decode(plain)
	if err != nil {
		return Session{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	switch {
	case s.RefreshToken == "" || s.Created.IsZero():
		return Session{}, fmt.Errorf("%w: incomplete", ErrInvalid)
	case now.Sub(s.Created) > MaxAge:
		return Session{}, fmt.Errorf("%w: expired", ErrInvalid)
	}
	return s, nil
}

// encode writes the session in a compact binary form. Written here because
// no library does this: Cognito's tokens are JWTs and JWEs, dot-separated
// base64url segments, which JSON would store as text and the cookie's
// base64url would then grow by a third again. Each token's segments are
// stored decoded, so the sealed cookie is about as long as the tokens
// themselves. A token that is not canonical base64url segments is stored as
// text.
func encode(s Session) []byte {
	var b bytes.Buffer
	b.WriteByte(version)
	for _, t := range []string{s.RefreshToken, s.AccessToken, s.IDToken} {
		putToken(&b, t)
	}
	for _, v := range []string{s.Subject, s.Username, s.Email} {
		putBytes(&b, []byte(v))
	}
	exp := int64(0)
	if !s.Expiry.IsZero() {
		exp = s.Expiry.Unix()
	}
	b.Write(binary.AppendVarint(nil, exp))
	b.Write(binary.AppendVarint(nil, s.Created.Unix()))
	return b.Bytes()
}

func putBytes(b *bytes.Buffer, p []byte) {
	b.Write(binary.AppendUvarint(nil, uint64(len(p))))
	b.Write(p)
}

// putToken writes 0 and the text, or the number of segments and each one
// decoded.
func putToken(b *bytes.Buffer, t string) {
	segs := strings.Split(t, ".")
	decoded := make([][]byte, len(segs))
	for i, s := range segs {
		d, err := base64.RawURLEncoding.Strict().DecodeString(s)
		if err != nil || base64.RawURLEncoding.EncodeToString(d) != s || t == "" {
			b.WriteByte(0)
			putBytes(b, []byte(t))
			return
		}
		decoded[i] = d
	}
	b.WriteByte(byte(len(segs)))
	for _, d := range decoded {
		putBytes(b, d)
	}
}

// decode reads what encode wrote.
func decode(p []byte) (Session, error) {
	r := bytes.NewReader(p)
	if v, err := r.ReadByte(); err != nil || v != version {
		return Session{}, errors.New("unknown version")
	}
	var s Session
	for _, t := range []*string{&s.RefreshToken, &s.AccessToken, &s.IDToken} {
		v, err := getToken(r)
		if err != nil {
			return Session{}, err
		}
		*t = v
	}
	for _, f := range []*string{&s.Subject, &s.Username, &s.Email} {
		v, err := getBytes(r)
		if err != nil {
			return Session{}, err
		}
		*f = string(v)
	}
	exp, err1 := binary.ReadVarint(r)
	created, err2 := binary.ReadVarint(r)
	if err1 != nil || err2 != nil || r.Len() != 0 {
		return Session{}, errors.New("bad payload")
	}
	if exp != 0 {
		s.Expiry = time.Unix(exp, 0)
	}
	s.Created = time.Unix(created, 0)
	return s, nil
}

func getBytes(r *bytes.Reader) ([]byte, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil || n > uint64(r.Len()) {
		return nil, errors.New("bad payload")
	}
	p := make([]byte, n)
	_, _ = r.Read(p)
	return p, nil
}

func getToken(r *bytes.Reader) (string, error) {
	n, err := r.ReadByte()
	if err != nil {
		return "", errors.New("bad payload")
	}
	if n == 0 {
		p, err := getBytes(r)
		return string(p), err
	}
	segs := make([]string, n)
	for i := range segs {
		p, err := getBytes(r)
		if err != nil {
			return "", err
		}
		segs[i] = base64.RawURLEncoding.EncodeToString(p)
	}
	return strings.Join(segs, "."), nil
}
