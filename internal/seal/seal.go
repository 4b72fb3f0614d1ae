// Package seal encrypts and authenticates the small values this app keeps
// in cookies (the login attempt, the session), so that only this
// deployment can read or make them: AES-256-GCM under a key derived with
// HKDF-SHA256 from the secret's cookie_key and a label naming the use, so
// one use's values never open as another's. The deployment's name (the app
// client id) is authenticated with every value, so two deployments that
// share a cookie_key still do not accept each other's values. A value
// sealed under the previous cookie key still opens, so the key can change
// without ending every session. A sealed value is
// base64url(nonce || ciphertext || tag).
//
// It does not decide what goes in a value, how long it lives, or what a
// caller does when one does not open.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
)

// MinKeyLen is the shortest cookie_key accepted, in bytes.
const MinKeyLen = 32

// ErrOpen is wrapped by every failure of Open: not base64url, too short,
// tampered, or sealed under another key, label, deployment or associated
// data.
var ErrOpen = errors.New("sealed value does not open")

// Keys is what a Box is derived from.
type Keys struct {
	// Current is the secret's cookie_key: values are sealed under it.
	Current string
	// Previous is the secret's previous_cookie_key, or empty: values sealed
	// under it still open.
	Previous string
	// Deployment names this deployment (the app client id, which only it
	// has): it is authenticated with every value, so a value another
	// deployment sealed under the same cookie key does not open.
	Deployment string
}

// Format prints the keys redacted for every fmt verb.
func (k Keys) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "seal.Keys{Deployment:%s, REDACTED}", k.Deployment)
}

// LogValue redacts the keys for log/slog.
func (k Keys) LogValue() slog.Value {
	return slog.StringValue("seal.Keys{Deployment:" + k.Deployment + ", REDACTED}")
}

// Box seals and opens values under the keys derived from Keys. It is safe
// for concurrent use, and keeps no key in a field fmt could print.
type Box struct {
	aeads []cipher.AEAD // the current key's first
	bind  []byte        // prefix of every value's additional data
}

// New derives the keys for label (e.g. "cognito-sam-go session v1") from
// k. Current, and Previous when set, must be at least MinKeyLen long;
// Deployment must not be empty.
func New(k Keys, label string) (*Box, error) {
	if k.Deployment == "" {
		return nil, errors.New("no deployment to bind sealed values to")
	}
	b := &Box{bind: binary.AppendUvarint(nil, uint64(len(k.Deployment)))}
	b.bind = append(b.bind, k.Deployment...)
	for i, key := range []string{k.Current, k.Previous} {
		if i > 0 && key == "" {
			break
		}
		aead, err := derive(key, label)
		if err != nil {
			return nil, err
		}
		b.aeads = append(b.aeads, aead)
	}
	return b, nil
}

func derive(cookieKey, label string) (cipher.AEAD, error) {
	if len(cookieKey) < MinKeyLen {
		return nil, fmt.Errorf("cookie key shorter than %d characters", MinKeyLen)
	}
	key, err := hkdf.Key(sha256.New, []byte(cookieKey), nil, label, 32)
	if err != nil {
		return nil, fmt.Errorf("derive key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// ad is the additional data authenticated with a value: the deployment,
// length-prefixed so that no deployment and aad pair reads as another,
// then the caller's aad.
func (b *Box) ad(aad []byte) []byte {
	return append(b.bind[:len(b.bind):len(b.bind)], aad...)
}

// Seal encrypts plain under the current key with a fresh random nonce; aad
// (for example the cookie's name) is authenticated too, with the
// deployment, so the value does not open under other aad or in another
// deployment.
func (b *Box) Seal(plain, aad []byte) (string, error) {
	aead := b.aeads[0]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, b.ad(aad))), nil
}

// Open authenticates and decrypts value, sealed under the current or the
// previous key. Every failure wraps ErrOpen; the reason is for the log
// only.
func (b *Box) Open(value string, aad []byte) ([]byte, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64url", ErrOpen)
	}
	ad := b.ad(aad)
	for _, aead := range b.aeads {
		ns := aead.NonceSize()
		if len(raw) < ns+aead.Overhead() {
			return nil, fmt.Errorf("%w: too short", ErrOpen)
		}
		if plain, err := aead.Open(nil, raw[:ns], raw[ns:], ad); err == nil {
			return plain, nil
		}
	}
	return nil, fmt.Errorf("%w: does not authenticate (tampered, or sealed with another key or for another deployment)", ErrOpen)
}
