package cognito

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
)

// Refetch limits of KeySet.
const (
	// DefaultRefetchInterval is the least time between two key-set fetches
	// caused by tokens with an unknown key id.
	DefaultRefetchInterval = time.Minute
	// keysMaxAge is how long fetched keys are used before they are fetched
	// again at the next verification, so a removed key stops verifying.
	keysMaxAge = time.Hour
	// failedRetry is how soon a failed fetch may be tried again.
	failedRetry  = 5 * time.Second
	maxJWKSBytes = 1 << 20
)

// KeySet verifies JWS signatures with the issuer's published keys. It fetches
// <issuer>/.well-known/jwks.json on first use, when the keys are older than
// an hour, and when a token names an unknown key id, but at most once per
// RefetchInterval for unknown key ids. It is safe for concurrent use; one
// fetch runs at a time.
//
// Written here because go-oidc's RemoteKeySet refetches on every unknown key
// id without a limit; verification itself is go-jose's.
type KeySet struct {
	url             string
	client          *http.Client
	now             func() time.Time
	refetchInterval time.Duration

	mu          sync.Mutex
	keys        []jose.JSONWebKey
	fetchedAt   time.Time
	lastAttempt time.Time
	lastFailed  bool
	fetches     int
	inflight    chan struct{} // closed when the running fetch ends; nil when none
}

var _ oidc.KeySet = (*KeySet)(nil)

// NewKeySet returns a KeySet for the JWKS at jwksURL. client and now may be
// nil; interval <= 0 means DefaultRefetchInterval.
func NewKeySet(jwksURL string, client *http.Client, now func() time.Time, interval time.Duration) *KeySet {
	if client == nil {
		client = http.DefaultClient
	}
	if now == nil {
		now = time.Now
	}
	if interval <= 0 {
		interval = DefaultRefetchInterval
	}
	return &KeySet{url: jwksURL, client: client, now: now, refetchInterval: interval}
}

// Fetches reports how many key-set fetches were attempted (for tests and
// metrics).
func (k *KeySet) Fetches() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.fetches
}

// VerifySignature implements oidc.KeySet: it returns the payload of a JWS
// signed with RS256 by one of the issuer's keys.
func (k *KeySet) VerifySignature(ctx context.Context, token string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, fmt.Errorf("parse token: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("token must have exactly one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	keys, err := k.keysFor(ctx, kid)
	if err != nil {
		return nil, err
	}
	for _, key := range keys {
		if key.KeyID != kid {
			continue
		}
		if payload, err := jws.Verify(key.Key); err == nil {
			return payload, nil
		}
	}
	return nil, errors.New("signature not made by any of the issuer's keys")
}

// errNoKeys means no key of the issuer is held and none may be fetched yet.
var errNoKeys = errors.New("the issuer's signing keys are unavailable")

// keysFor returns the current keys, fetching first when they lack kid or
// are stale and the rate limit allows: after a success, an unknown kid may
// fetch once per refetchInterval; while there are no keys, the last fetch
// failed, or the keys are stale, once per failedRetry.
//
// One fetch runs at a time, in its own goroutine bounded by fetchTimeout,
// so a caller that gives up (its deadline passes) neither cancels the
// fetch for the others nor makes it count as the endpoint failing. Every
// caller waits only as long as its own context allows.
func (k *KeySet) keysFor(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
	if keys, ok := k.known(kid); ok {
		return keys, nil
	}
	k.mu.Lock()
	done := k.inflight
	if done == nil {
		now := k.now()
		interval := k.refetchInterval
		if k.lastFailed || len(k.keys) == 0 || now.Sub(k.fetchedAt) >= keysMaxAge {
			interval = failedRetry
		}
		if !k.lastAttempt.IsZero() && now.Sub(k.lastAttempt) < interval {
			keys := k.keys
			k.mu.Unlock()
			if len(keys) == 0 {
				return nil, errNoKeys
			}
			return keys, nil
		}
		done = make(chan struct{})
		k.inflight, k.lastAttempt = done, now
		k.fetches++
		go k.run(done)
	}
	k.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.keys) == 0 {
		return nil, errNoKeys
	}
	return k.keys, nil
}

// fetchTimeout bounds one key-set fetch.
const fetchTimeout = 5 * time.Second

// run fetches, stores the result and then releases the waiters, in that
// order, even on panic.
func (k *KeySet) run(done chan struct{}) {
	var (
		fetched []jose.JSONWebKey
		err     = errors.New("fetch did not complete")
	)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("fetch keys panicked: %v", r)
		}
		k.mu.Lock()
		k.lastFailed = err != nil
		if err == nil {
			k.keys, k.fetchedAt = fetched, k.now()
		}
		k.inflight = nil
		k.mu.Unlock()
		close(done)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	fetched, err = k.fetch(ctx)
}

// known returns the cached keys when they are fresh and include kid.
func (k *KeySet) known(kid string) ([]jose.JSONWebKey, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.now().Sub(k.fetchedAt) >= keysMaxAge {
		return nil, false
	}
	for _, key := range k.keys {
		if key.KeyID == kid {
			return k.keys, true
		}
	}
	return nil, false
}

func (k *KeySet) fetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch keys: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch keys: HTTP %d", resp.StatusCode)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJWKSBytes)).Decode(&set); err != nil {
		return nil, fmt.Errorf("decode keys: %w", err)
	}
	var keys []jose.JSONWebKey
	for _, key := range set.Keys {
		if key.Use != "" && key.Use != "sig" || !key.IsPublic() || !key.Valid() {
			continue
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, errors.New("key set has no public signing keys")
	}
	return keys, nil
}
