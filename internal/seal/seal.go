// Package seal encrypts and authenticates the small values this app keeps
// in cookies (the login attempt, the session), so that only this
// deployment can read or make them: AES-256-GCM under a key derived with
// HKDF-SHA256 from the secret's cookie_key and a label naming the use, so
// one use's values never open as another's. A sealed value is
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
	"errors"
	"fmt"
)

// MinKeyLen is the shortest cookie_key accepted, in bytes.
const MinKeyLen = 32

// ErrOpen is wrapped by every failure of Open: not base64url, too short,
// tampered, or sealed under another key, label or associated data.
var ErrOpen = errors.New("sealed value does not open")

// Box seals and opens values under one derived key. It is safe for
// concurrent use, and keeps no key in a field fmt could print.
type Box struct {
	aead cipher.AEAD
}

// New derives the key for label (e.g. "cognito-sam-go session v1") from
// cookieKey, the secret's cookie_key.
func New(cookieKey, label string) (*Box, error) {
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
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plain with a fresh random nonce; aad (for example the
// cookie's name) is authenticated too, so the value does not open under
// other aad.
func (b *Box) Seal(plain, aad []byte) (string, error) {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plain)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b.aead.Seal(nonce, nonce, plain, aad)), nil
}

// Open authenticates and decrypts value. Every failure wraps ErrOpen; the
// reason is for the log only.
func (b *Box) Open(value string, aad []byte) ([]byte, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64url", ErrOpen)
	}
	ns := b.aead.NonceSize()
	if len(raw) < ns+b.aead.Overhead() {
		return nil, fmt.Errorf("%w: too short", ErrOpen)
	}
	plain, err := b.aead.Open(nil, raw[:ns], raw[ns:], aad)
	if err != nil {
		return nil, fmt.Errorf("%w: does not authenticate (tampered, or sealed with another key)", ErrOpen)
	}
	return plain, nil
}
