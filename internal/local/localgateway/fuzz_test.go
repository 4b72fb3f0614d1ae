package localgateway

import (
	"context"
	"crypto/rsa"
	"testing"
	"time"

	"github.com/example/cognito-sam-go/internal/cognito/cognitotest/tokensign"
)

func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{"", "a=1&a=2", "code=a%2Fb;state=x", "%zz=%", "&&;=", "q=x+y%20z&flag", "a=1&b&a"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		single, multi := parseQuery(raw)
		if (single == nil) != (multi == nil) {
			t.Fatalf("single nil = %v, multi nil = %v", single == nil, multi == nil)
		}
		if len(single) != len(multi) {
			t.Fatalf("%d single names, %d multi names", len(single), len(multi))
		}
		for k, vs := range multi {
			if len(vs) == 0 {
				t.Fatalf("%q has no values", k)
			}
			if single[k] != vs[len(vs)-1] {
				t.Fatalf("single[%q] = %q, want the last of %q", k, single[k], vs)
			}
		}
	})
}

// FuzzAuthorize feeds arbitrary Authorization headers to an authorizer
// whose keys are already cached (no network): it must never panic, and
// whatever it accepts has verified claims.
func FuzzAuthorize(f *testing.F) {
	signer, err := tokensign.New()
	if err != nil {
		f.Fatal(err)
	}
	const iss = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_fuzz"
	now := time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)
	valid, err := signer.Sign(map[string]any{
		"iss": iss, "token_use": "access", "scope": "api/read", "exp": now.Add(time.Hour).Unix(), "sub": "s",
	})
	if err != nil {
		f.Fatal(err)
	}
	ks := &keySet{
		now:         func() time.Time { return now },
		keys:        map[string]*rsa.PublicKey{signer.KeyID(): signer.JWKS().Keys[0].Key.(*rsa.PublicKey)},
		fetched:     true,
		lastAttempt: now,
	}
	v := &verifier{issuer: iss, scopes: []string{"api/read"}, now: ks.now, keys: ks}
	for _, seed := range []string{valid, "Bearer " + valid, "", "Bearer", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", valid[:len(valid)-2]} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		claims, kind, msg := v.authorize(context.Background(), []string{header})
		if kind != 0 {
			if claims != nil || msg == "" {
				t.Fatalf("refusal with claims %v, message %q", claims, msg)
			}
			return
		}
		if claims["iss"] != iss || claims["token_use"] != "access" {
			t.Fatalf("accepted claims %v", claims)
		}
	})
}
