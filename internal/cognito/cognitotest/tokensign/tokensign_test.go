package tokensign

import (
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func TestSignVerifiesAgainstJWKS(t *testing.T) {
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := s.Sign(map[string]any{"sub": "abc", "token_use": "id"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Headers[0].KeyID; got != s.KeyID() {
		t.Errorf("kid = %q, want %q", got, s.KeyID())
	}
	set := s.JWKS()
	keys := set.Key(s.KeyID())
	if len(keys) != 1 {
		t.Fatalf("JWKS has %d keys for kid, want 1", len(keys))
	}
	var claims map[string]any
	if err := tok.Claims(keys[0].Key, &claims); err != nil {
		t.Fatalf("verify with published key: %v", err)
	}
	if claims["sub"] != "abc" {
		t.Errorf("sub = %v, want abc", claims["sub"])
	}
	other, _ := New()
	if err := tok.Claims(other.JWKS().Keys[0].Key, &claims); err == nil {
		t.Error("token verified with a foreign key")
	}
}
