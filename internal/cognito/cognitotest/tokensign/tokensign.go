// Package tokensign mints RS256 JSON Web Tokens and publishes the matching
// JSON Web Key Set, the way a Cognito user pool signs its ID and access
// tokens.
//
// It exists for the local Cognito emulator and for tests that need tokens a
// real verifier accepts. It is not used by the deployed functions, which only
// verify tokens. Signing is done by github.com/go-jose/go-jose/v4; this
// package only holds a key and its key id together.
package tokensign

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Signer signs tokens with one RSA key. It is safe for concurrent use.
type Signer struct {
	key    *rsa.PrivateKey
	keyID  string
	signer jose.Signer
}

// New returns a Signer with a fresh 2048-bit RSA key and a random key id.
func New() (*Signer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate RSA key: %w", err)
	}
	id := make([]byte, 12)
	if _, err := rand.Read(id); err != nil {
		return nil, fmt.Errorf("generate key id: %w", err)
	}
	return NewWithKey(key, base64.RawURLEncoding.EncodeToString(id))
}

// NewWithKey returns a Signer for an existing key, published under keyID.
func NewWithKey(key *rsa.PrivateKey, keyID string) (*Signer, error) {
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", keyID)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, opts)
	if err != nil {
		return nil, fmt.Errorf("new signer: %w", err)
	}
	return &Signer{key: key, keyID: keyID, signer: s}, nil
}

// KeyID is the "kid" header of every token the Signer makes.
func (s *Signer) KeyID() string { return s.keyID }

// Sign serializes claims (a map or a struct with json tags) and returns the
// compact RS256 JWT.
func (s *Signer) Sign(claims any) (string, error) {
	tok, err := jwt.Signed(s.signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return tok, nil
}

// JWKS returns the public key set a verifier fetches, as Cognito serves it
// at <issuer>/.well-known/jwks.json.
func (s *Signer) JWKS() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key:       &s.key.PublicKey,
		KeyID:     s.keyID,
		Algorithm: string(jose.RS256),
		Use:       "sig",
	}}}
}
