package secret

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// ErrUnavailable is wrapped by every error of Get and Refresh: the secret
// could not be read and no good value is held. Handlers answer 503.
var ErrUnavailable = errors.New("client secret unavailable")

// Getter is the one call Cache needs; *secretsmanager.Client satisfies it.
type Getter interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

var _ Getter = (*secretsmanager.Client)(nil)

// Defaults of CacheOptions.
const (
	DefaultTTL          = 5 * time.Minute
	DefaultRetryAfter   = 2 * time.Second
	DefaultFetchTimeout = 5 * time.Second
)

// CacheOptions tune a Cache; the zero value gives the defaults.
type CacheOptions struct {
	// TTL is how long a fetched value is served before it is fetched again.
	TTL time.Duration
	// RetryAfter is how long a failed fetch is remembered: requests in that
	// window get the failure without calling Secrets Manager again. It also
	// bounds how often a forced refresh may call Secrets Manager.
	RetryAfter time.Duration
	// FetchTimeout bounds one GetSecretValue call (SDK retries included).
	FetchTimeout time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Cache serves the secret from memory and fetches it from Secrets Manager
// when it is missing or older than the TTL. It is safe for concurrent use,
// and never runs more than one GetSecretValue at a time.
//
// Once a value is held, Get never waits for Secrets Manager (stale while
// revalidate): a value older than the TTL is served at once, and one
// refresh runs in the background, with its own FetchTimeout and a context
// the request's end does not cancel. Until it completes, requests keep
// getting the held value; after it, the new one. When it fails, the held
// value goes on being served and the next Get after RetryAfter starts
// another. A secret deleted, emptied or made unparseable in Secrets Manager
// is such a failure: an environment that holds a good value keeps serving
// it (so a bad put cannot take the functions down); revoking a leaked
// client secret is done at the app client, where Cognito then refuses it.
//
// Only the first fetch (nothing held) is waited for, each caller as long as
// its context allows and the fetch at most FetchTimeout; a failure is
// remembered for RetryAfter, so a later request retries within seconds.
// Refresh, the forced re-read after invalid_client, also waits, and so does
// RefreshIfStale for a value past the TTL.
//
// Lambda may freeze the environment while a background refresh is in
// flight (the invocation that started it has answered). The goroutine and
// its FetchTimeout timer stop with the process. Go's timers run on the
// monotonic clock, which on Linux advances while a process is stopped: a
// process SIGSTOPped for 6 s, 0.5 s into a 2 s context deadline, saw the
// timer fire and its in-flight HTTP request fail with "context deadline
// exceeded" at once on SIGCONT. So on thaw the refresh completes, or fails
// because its deadline passed or its connection died; either way the
// request that thawed the environment is served the held value without
// waiting, and after a failure the next Get past RetryAfter tries again.
type Cache struct {
	client Getter
	id     string
	opts   CacheOptions

	mu        sync.Mutex
	val       Value
	has       bool
	fetchedAt time.Time     // last successful fetch
	failedAt  time.Time     // last failed fetch
	failErr   error         // its error; nil after a success
	inflight  chan struct{} // closed when the running fetch ends; nil when none
}

// NewCache returns a Cache for the secret id (name or ARN).
func NewCache(client Getter, id string, opts CacheOptions) *Cache {
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = DefaultRetryAfter
	}
	if opts.FetchTimeout <= 0 {
		opts.FetchTimeout = DefaultFetchTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Cache{client: client, id: id, opts: opts}
}

// Format prints the cache without the value it holds, for every fmt verb.
func (c *Cache) Format(f fmt.State, _ rune) { fmt.Fprintf(f, "secret.Cache{id:%s, REDACTED}", c.id) }

// LogValue redacts the cache for log/slog.
func (c *Cache) LogValue() slog.Value {
	return slog.StringValue("secret.Cache{id:" + c.id + ", REDACTED}")
}

// Get returns the secret. A held value is returned at once, and when it is
// older than the TTL a background refresh is started (unless one runs, or
// one failed less than RetryAfter ago). With nothing held, Get waits for
// the fetch, starting one unless one runs or one failed less than
// RetryAfter ago, whose failure it then returns.
func (c *Cache) Get(ctx context.Context) (Value, error) {
	c.mu.Lock()
	now := c.opts.Now()
	if c.has {
		if now.Sub(c.fetchedAt) >= c.opts.TTL && c.inflight == nil && !c.failedSince(now) {
			c.start(ctx)
		}
		v := c.val
		c.mu.Unlock()
		return v, nil
	}
	if c.inflight == nil && c.failedSince(now) {
		err := c.failErr
		c.mu.Unlock()
		return Value{}, err
	}
	done := c.start(ctx)
	c.mu.Unlock()
	return c.wait(ctx, done)
}

// Refresh reads the secret afresh because stale, the value the caller used,
// was rejected (Cognito answered invalid_client), and waits for it. If the
// cache already holds a different value, that is returned without calling
// Secrets Manager; if a fetch ended less than RetryAfter ago, the current
// value is returned, so a flood of rejected requests cannot become a flood
// of GetSecretValue calls. A fetch already running (a background refresh,
// necessarily started after stale was fetched) is waited for rather than a
// second one started. The caller compares the result with stale to decide
// whether to retry.
func (c *Cache) Refresh(ctx context.Context, stale Value) (Value, error) {
	c.mu.Lock()
	now := c.opts.Now()
	changed := c.has && c.val != stale
	recent := c.inflight == nil && (c.has && now.Sub(c.fetchedAt) < c.opts.RetryAfter || c.failedSince(now))
	if changed || recent {
		c.mu.Unlock()
		return c.current()
	}
	done := c.start(ctx)
	c.mu.Unlock()
	return c.wait(ctx, done)
}

// RefreshIfStale is for a caller whose use of used failed in a way a newer
// secret might mend: a cookie that does not open under used's keys may
// have been sealed under a cookie_key changed since, by an environment
// that read the secret later. If the cache holds another value already,
// that is returned. If used is older than the TTL (the environment was
// idle through the change, and Get served it while reading again in the
// background), that read, or a new one, is waited for. A value within its
// TTL is returned as it is, and a read that failed less than RetryAfter
// ago is not retried: a stream of forged cookies costs no GetSecretValue.
func (c *Cache) RefreshIfStale(ctx context.Context, used Value) (Value, error) {
	c.mu.Lock()
	now := c.opts.Now()
	fresh := c.has && c.inflight == nil && now.Sub(c.fetchedAt) < c.opts.TTL
	if c.has && c.val != used || fresh || c.inflight == nil && c.failedSince(now) {
		c.mu.Unlock()
		return c.current()
	}
	done := c.start(ctx)
	c.mu.Unlock()
	return c.wait(ctx, done)
}

// failedSince reports whether the latest fetch failed less than RetryAfter
// before now. c.mu must be held.
func (c *Cache) failedSince(now time.Time) bool {
	return c.failErr != nil && now.Sub(c.failedAt) < c.opts.RetryAfter
}

// start returns the channel closed when the running fetch ends, starting
// one if none runs. The fetch runs in its own goroutine under a context
// detached from ctx (its values kept, its cancellation not), bounded by
// FetchTimeout: the request that started it may end, or give up waiting,
// without cancelling or failing it for anyone else. c.mu must be held.
func (c *Cache) start(ctx context.Context) chan struct{} {
	if c.inflight == nil {
		c.inflight = make(chan struct{})
		go c.run(context.WithoutCancel(ctx), c.inflight)
	}
	return c.inflight
}

// wait waits for the fetch done reports, as long as ctx allows.
func (c *Cache) wait(ctx context.Context, done <-chan struct{}) (Value, error) {
	if err := waitFor(ctx, done); err != nil {
		return c.fallback(err)
	}
	return c.current()
}

// run performs one fetch and records its outcome before releasing the
// waiters, even if the client panics.
func (c *Cache) run(ctx context.Context, done chan struct{}) {
	var (
		v   Value
		err = fmt.Errorf("%w: fetch did not complete", ErrUnavailable)
	)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: get secret value panicked: %v", ErrUnavailable, r)
		}
		c.mu.Lock()
		if err != nil {
			c.failedAt, c.failErr = c.opts.Now(), err
		} else {
			c.val, c.has, c.fetchedAt, c.failErr = v, true, c.opts.Now(), nil
		}
		c.inflight = nil
		c.mu.Unlock()
		close(done)
	}()
	fctx, cancel := context.WithTimeout(ctx, c.opts.FetchTimeout)
	defer cancel()
	v, err = c.get(fctx)
}

func (c *Cache) get(ctx context.Context) (Value, error) {
	// AWSCURRENT is Secrets Manager's default; named, because moto_server
	// 5.2 answers a request without a stage with the version that was
	// current before the last UpdateSecretVersionStage (a rotation's
	// finishSecret), not with AWSCURRENT.
	out, err := c.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(c.id), VersionStage: aws.String("AWSCURRENT")})
	if err != nil {
		return Value{}, fmt.Errorf("%w: get secret value: %w", ErrUnavailable, err)
	}
	if out.SecretString == nil {
		return Value{}, fmt.Errorf("%w: secret has no SecretString", ErrUnavailable)
	}
	v, err := Parse(*out.SecretString)
	if err != nil {
		return Value{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return v, nil
}

// current returns the held value (the last good one, even if the latest
// fetch failed), or the latest failure when none was ever fetched.
func (c *Cache) current() (Value, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.has {
		return c.val, nil
	}
	if c.failErr != nil {
		return Value{}, c.failErr
	}
	return Value{}, fmt.Errorf("%w: no value fetched", ErrUnavailable)
}

// fallback answers a caller whose context ended while waiting for a fetch.
func (c *Cache) fallback(err error) (Value, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.has {
		return c.val, nil
	}
	return Value{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
}

func waitFor(ctx context.Context, ch <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Static is a secret source with a fixed value, for local runs and tests.
// It prints redacted, like Value.
type Static struct{ Value }

// Get returns the value.
func (s Static) Get(context.Context) (Value, error) { return s.Value, nil }

// Refresh returns the value: a fixed secret cannot change.
func (s Static) Refresh(context.Context, Value) (Value, error) { return s.Value, nil }

// RefreshIfStale returns the value.
func (s Static) RefreshIfStale(context.Context, Value) (Value, error) { return s.Value, nil }
