package secret

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

const goodKey = "0123456789abcdef0123456789abcdef"

func secretJSON(id, sec string) string {
	return fmt.Sprintf(`{"client_id":%q,"client_secret":%q,"cookie_key":%q}`, id, sec, goodKey)
}

// fakeGetter serves a settable SecretString or error and counts calls.
type fakeGetter struct {
	mu    sync.Mutex
	value string
	err   error
	delay time.Duration
	calls atomic.Int32
}

func (f *fakeGetter) set(value string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.value, f.err = value, err
}

func (f *fakeGetter) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.calls.Add(1)
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	v := f.value
	return &secretsmanager.GetSecretValueOutput{SecretString: &v}, nil
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }
func newClock() *clock               { return &clock{t: time.Unix(1_700_000_000, 0)} }
func opts(c *clock) CacheOptions {
	return CacheOptions{TTL: 5 * time.Minute, RetryAfter: 2 * time.Second, Now: c.now}
}

func TestCacheServesWithinTTLAndRefetchesAfter(t *testing.T) {
	f := &fakeGetter{value: secretJSON("id", "s1")}
	clk := newClock()
	c := NewCache(f, "name", opts(clk))
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		v, err := c.Get(ctx)
		if err != nil || v.ClientSecret != "s1" {
			t.Fatalf("Get = %v, %v; want s1", v.ClientSecret, err)
		}
		waitIdle(c) // a fetch started within the TTL is counted
	}
	if got := f.calls.Load(); got != 1 {
		t.Errorf("calls within TTL = %d, want 1", got)
	}
	f.set(secretJSON("id", "s2"), nil)
	clk.add(5*time.Minute + time.Second)
	v, err := c.Get(ctx)
	if err != nil || v.ClientSecret != "s1" {
		t.Fatalf("Get after TTL = %v, %v; want s1 at once, refreshed in the background", v.ClientSecret, err)
	}
	waitIdle(c)
	if v, err := c.Get(ctx); err != nil || v.ClientSecret != "s2" {
		t.Fatalf("Get after the refresh = %v, %v; want s2", v.ClientSecret, err)
	}
	if got := f.calls.Load(); got != 2 {
		t.Errorf("calls after TTL = %d, want 2", got)
	}
}

// busy reports whether c has a fetch running (or just started).
func busy(c *Cache) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inflight != nil
}

// waitIdle waits for the fetch c runs, if any, to end.
func waitIdle(c *Cache) {
	c.mu.Lock()
	done := c.inflight
	c.mu.Unlock()
	if done != nil {
		<-done
	}
}

func TestCacheServesLastGoodValueWhenRefreshFails(t *testing.T) {
	f := &fakeGetter{value: secretJSON("id", "s1")}
	clk := newClock()
	c := NewCache(f, "name", opts(clk))
	ctx := context.Background()
	if _, err := c.Get(ctx); err != nil {
		t.Fatal(err)
	}
	f.set("", errors.New("throttled"))
	clk.add(6 * time.Minute)
	for i := 0; i < 3; i++ {
		v, err := c.Get(ctx)
		if err != nil || v.ClientSecret != "s1" {
			t.Fatalf("Get with failing refresh = %v, %v; want last good s1", v.ClientSecret, err)
		}
		waitIdle(c)
	}
	if got := f.calls.Load(); got != 2 {
		t.Errorf("calls = %d, want 2 (one failed refresh, then RetryAfter applies)", got)
	}
	clk.add(3 * time.Second)
	f.set(secretJSON("id", "s3"), nil)
	if v, _ := c.Get(ctx); v.ClientSecret != "s1" {
		t.Errorf("after RetryAfter Get = %v, want s1 while the refresh runs", v.ClientSecret)
	}
	waitIdle(c)
	if v, _ := c.Get(ctx); v.ClientSecret != "s3" {
		t.Errorf("after the retried refresh Get = %v, want s3", v.ClientSecret)
	}
}

func TestCacheFailedFirstFetchIsRetriedWithinSeconds(t *testing.T) {
	f := &fakeGetter{err: errors.New("AccessDeniedException")}
	clk := newClock()
	c := NewCache(f, "name", opts(clk))
	ctx := context.Background()
	_, err := c.Get(ctx)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Get error = %v, want ErrUnavailable", err)
	}
	if _, err := c.Get(ctx); err == nil {
		t.Fatal("second Get within RetryAfter succeeded")
	}
	if got := f.calls.Load(); got != 1 {
		t.Errorf("calls within RetryAfter = %d, want 1", got)
	}
	f.set(secretJSON("id", "s1"), nil)
	clk.add(2 * time.Second)
	v, err := c.Get(ctx)
	if err != nil || v.ClientSecret != "s1" {
		t.Fatalf("Get after RetryAfter = %v, %v; want s1 (a failure must not be cached for the TTL)", v.ClientSecret, err)
	}
}

func TestCacheOneFetchAtATime(t *testing.T) {
	f := &fakeGetter{value: secretJSON("id", "s1"), delay: 50 * time.Millisecond}
	c := NewCache(f, "name", CacheOptions{})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := c.Get(context.Background()); err != nil || v.ClientSecret != "s1" {
				t.Errorf("Get = %v, %v", v.ClientSecret, err)
			}
		}()
	}
	wg.Wait()
	if got := f.calls.Load(); got != 1 {
		t.Errorf("GetSecretValue calls for 20 concurrent Gets = %d, want 1", got)
	}
}

func TestCacheRefresh(t *testing.T) {
	f := &fakeGetter{value: secretJSON("id", "old")}
	clk := newClock()
	c := NewCache(f, "name", opts(clk))
	ctx := context.Background()
	old, _ := c.Get(ctx)

	// Within RetryAfter of the last fetch: no call, the same value back.
	f.set(secretJSON("id", "new"), nil)
	if v, err := c.Refresh(ctx, old); err != nil || v != old {
		t.Fatalf("Refresh right after a fetch = %v, %v; want the cached value", v.ClientSecret, err)
	}
	if got := f.calls.Load(); got != 1 {
		t.Errorf("calls = %d, want 1", got)
	}
	clk.add(3 * time.Second)
	v, err := c.Refresh(ctx, old)
	if err != nil || v.ClientSecret != "new" {
		t.Fatalf("Refresh = %v, %v; want new", v.ClientSecret, err)
	}
	// A caller still holding the old value gets the new one without a call.
	v, err = c.Refresh(ctx, old)
	if err != nil || v.ClientSecret != "new" || f.calls.Load() != 2 {
		t.Errorf("Refresh with stale value = %v, %v, calls %d; want new, 2 calls", v.ClientSecret, err, f.calls.Load())
	}
	if v, _ := c.Get(ctx); v.ClientSecret != "new" {
		t.Errorf("Get after Refresh = %v, want new", v.ClientSecret)
	}
}

func TestCacheRejectsMalformedSecret(t *testing.T) {
	tests := map[string]string{
		"not json":      "client_id=x",
		"empty secret":  `{"client_id":"a","client_secret":"","cookie_key":"` + goodKey + `"}`,
		"short cookie":  `{"client_id":"a","client_secret":"b","cookie_key":"short"}`,
		"missing field": `{"client_id":"a","cookie_key":"` + goodKey + `"}`,
	}
	for name, s := range tests {
		t.Run(name, func(t *testing.T) {
			c := NewCache(&fakeGetter{value: s}, "name", CacheOptions{})
			_, err := c.Get(context.Background())
			if !errors.Is(err, ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
			if strings.Contains(err.Error(), "short") && name != "short cookie" {
				t.Errorf("error leaks a value: %v", err)
			}
		})
	}
}

func TestValueRedacted(t *testing.T) {
	v := Value{ClientID: "cid", ClientSecret: "topsecret", CookieKey: goodKey}
	for _, s := range []string{fmt.Sprint(v), fmt.Sprintf("%v %+v %#v %s", v, v, v, v)} {
		if strings.Contains(s, "topsecret") || strings.Contains(s, goodKey) {
			t.Errorf("formatted value leaks the secret: %s", s)
		}
	}
}

// TestCacheCallerHonoursItsDeadline: the caller that starts a slow fetch
// gets its answer at its own deadline, and the fetch still completes for
// the next caller.
func TestCacheCallerHonoursItsDeadline(t *testing.T) {
	f := &fakeGetter{value: secretJSON("id", "s1"), delay: 500 * time.Millisecond}
	c := NewCache(f, "name", CacheOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.Get(ctx); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Get past its deadline = %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 300*time.Millisecond {
		t.Errorf("Get returned after %v, past its 50ms deadline", d)
	}
	v, err := c.Get(context.Background())
	if err != nil || v.ClientSecret != "s1" {
		t.Errorf("next Get = %v, %v; want the fetch started earlier to have completed", v.ClientSecret, err)
	}
	if got := f.calls.Load(); got != 1 {
		t.Errorf("calls = %d, want 1", got)
	}
}

type panicGetter struct{ fakeGetter }

func (p *panicGetter) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, o ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if p.calls.Add(1) == 1 {
		panic("boom")
	}
	v := secretJSON("id", "s1")
	return &secretsmanager.GetSecretValueOutput{SecretString: &v}, nil
}

// TestCacheSurvivesAPanickingClient: a panic in the client is a failed
// fetch, not a cache stuck with a fetch that never ends.
func TestCacheSurvivesAPanickingClient(t *testing.T) {
	p := &panicGetter{}
	clk := newClock()
	c := NewCache(p, "name", opts(clk))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := c.Get(ctx); !errors.Is(err, ErrUnavailable) || ctx.Err() != nil {
		t.Fatalf("Get with a panicking client = %v (ctx %v), want ErrUnavailable at once", err, ctx.Err())
	}
	clk.add(3 * time.Second)
	if v, err := c.Get(ctx); err != nil || v.ClientSecret != "s1" {
		t.Errorf("Get after the panic = %v, %v; want s1", v.ClientSecret, err)
	}
}

// stuckGetter is a Secrets Manager that answers only when the test says
// so: each call reports its context on calls, then returns the next
// answer sent on answers, or its context's error when that ends first.
type stuckGetter struct {
	calls   chan context.Context
	answers chan answer
	n       atomic.Int32
}

type answer struct {
	value string
	err   error
}

func newStuckGetter() *stuckGetter {
	return &stuckGetter{calls: make(chan context.Context, 100), answers: make(chan answer, 100)}
}

func (g *stuckGetter) GetSecretValue(ctx context.Context, _ *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	g.n.Add(1)
	g.calls <- ctx
	var a answer
	select {
	case a = <-g.answers: // an answer sent in advance wins over a deadline
	default:
		select {
		case a = <-g.answers:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if a.err != nil {
		return nil, a.err
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: &a.value}, nil
}

// errBlocked is getSoon's answer for a Get that did not return.
var errBlocked = errors.New("Get is waiting for a hanging Secrets Manager although a value is held")

// getSoon calls c.Get and gives up on it, failing t, if it has not
// returned after 10 s, far longer than anything but a Get stuck behind a
// hanging fetch takes. No test relies on how fast it returns. Safe to call
// from any goroutine: the caller decides whether to stop.
func getSoon(t *testing.T, c *Cache, ctx context.Context) (Value, error) {
	t.Helper()
	type result struct {
		v   Value
		err error
	}
	ch := make(chan result, 1)
	go func() { v, err := c.Get(ctx); ch <- result{v, err} }()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-time.After(10 * time.Second):
		t.Error(errBlocked)
		return Value{}, errBlocked
	}
}

// warmStuck returns a Cache over a stuckGetter whose FetchTimeout is an
// hour (a Get that waits for the fetch would hang), holding s1.
func warmStuck(t *testing.T) (*Cache, *stuckGetter, *clock) {
	t.Helper()
	g := newStuckGetter()
	clk := newClock()
	o := opts(clk)
	o.FetchTimeout = time.Hour
	c := NewCache(g, "name", o)
	g.answers <- answer{value: secretJSON("id", "s1")}
	if v, err := c.Get(context.Background()); err != nil || v.ClientSecret != "s1" {
		t.Fatalf("first Get = %v, %v; want s1", v.ClientSecret, err)
	}
	<-g.calls
	return c, g, clk
}

// TestCacheServesHeldValueWhileSecretsManagerHangs: past the TTL, Get
// answers from memory while the refresh hangs, however many Gets come and
// however long it hangs, with one GetSecretValue in flight; once it
// answers, Get returns the new value.
func TestCacheServesHeldValueWhileSecretsManagerHangs(t *testing.T) {
	c, g, clk := warmStuck(t)
	clk.add(5*time.Minute + time.Second)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := getSoon(t, c, context.Background()); err != nil || v.ClientSecret != "s1" {
				t.Errorf("Get while the refresh hangs = %v, %v; want the held s1", v.ClientSecret, err)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	<-g.calls // the background refresh did start
	clk.add(10 * time.Minute)
	if v, err := getSoon(t, c, context.Background()); err != nil || v.ClientSecret != "s1" {
		t.Fatalf("Get long after the TTL = %v, %v; want s1", v.ClientSecret, err)
	}
	if n := g.n.Load(); n != 2 {
		t.Errorf("GetSecretValue calls = %d, want 2: the first fetch and one refresh in flight", n)
	}
	g.answers <- answer{value: secretJSON("id", "s2")}
	waitIdle(c)
	if v, err := getSoon(t, c, context.Background()); err != nil || v.ClientSecret != "s2" {
		t.Errorf("Get after the refresh answered = %v, %v; want s2", v.ClientSecret, err)
	}
	if n := g.n.Load(); n != 2 {
		t.Errorf("GetSecretValue calls = %d, want 2: a fresh value needs no fetch", n)
	}
}

// TestCacheBackgroundFailureKeepsValueAndRetries: a failed background
// refresh (throttled, deleted, unparseable) keeps the held value served,
// starts no fetch within RetryAfter, and is tried again after it.
func TestCacheBackgroundFailureKeepsValueAndRetries(t *testing.T) {
	for name, bad := range map[string]answer{
		"error":       {err: errors.New("ResourceNotFoundException: secret deleted")},
		"unparseable": {value: `{"client_id":"id"}`},
	} {
		t.Run(name, func(t *testing.T) {
			c, g, clk := warmStuck(t)
			clk.add(5*time.Minute + time.Second)
			g.answers <- bad
			if v, err := getSoon(t, c, context.Background()); err != nil || v.ClientSecret != "s1" {
				t.Fatalf("Get = %v, %v; want s1", v.ClientSecret, err)
			}
			<-g.calls
			waitIdle(c)
			clk.add(time.Second)
			if v, err := getSoon(t, c, context.Background()); err != nil || v.ClientSecret != "s1" {
				t.Fatalf("Get after the failed refresh = %v, %v; want the held s1", v.ClientSecret, err)
			}
			if busy(c) {
				t.Fatal("Get started a fetch within RetryAfter of the failed one")
			}
			clk.add(time.Second)
			g.answers <- answer{value: secretJSON("id", "s3")}
			if v, err := getSoon(t, c, context.Background()); err != nil || v.ClientSecret != "s1" {
				t.Fatalf("Get at RetryAfter = %v, %v; want s1 while the retry runs", v.ClientSecret, err)
			}
			<-g.calls
			waitIdle(c)
			if v, _ := getSoon(t, c, context.Background()); v.ClientSecret != "s3" {
				t.Errorf("Get after the retry = %v, want s3", v.ClientSecret)
			}
		})
	}
}

// TestCacheBackgroundRefreshOutlivesTheRequest: the request that starts a
// background refresh ends (its context cancelled, as when its invocation
// answers), and the refresh goes on under its own context.
func TestCacheBackgroundRefreshOutlivesTheRequest(t *testing.T) {
	c, g, clk := warmStuck(t)
	clk.add(5*time.Minute + time.Second)
	type key struct{}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "request"))
	if v, err := getSoon(t, c, ctx); err != nil || v.ClientSecret != "s1" {
		t.Fatalf("Get = %v, %v; want s1", v.ClientSecret, err)
	}
	cancel()
	fctx := <-g.calls
	if fctx.Err() != nil {
		t.Errorf("the refresh's context ended with the request: %v", fctx.Err())
	}
	if _, ok := fctx.Deadline(); !ok {
		t.Error("the refresh has no deadline: FetchTimeout does not bound it")
	}
	if fctx.Value(key{}) != "request" {
		t.Error("the refresh lost the request context's values")
	}
	g.answers <- answer{value: secretJSON("id", "s2")}
	waitIdle(c)
	if v, _ := getSoon(t, c, context.Background()); v.ClientSecret != "s2" {
		t.Errorf("Get = %v, want s2", v.ClientSecret)
	}
}

// TestCacheRefreshAfterThaw: a background refresh whose FetchTimeout
// passed while Lambda had the environment frozen ends with its deadline
// exceeded on thaw (see the Cache comment for the experiment); the held
// value is served meanwhile and afterwards, and the next Get past
// RetryAfter tries again.
func TestCacheRefreshAfterThaw(t *testing.T) {
	g := newStuckGetter()
	clk := newClock()
	o := opts(clk)
	o.FetchTimeout = time.Millisecond // the freeze outlasts it
	c := NewCache(g, "name", o)
	g.answers <- answer{value: secretJSON("id", "s1")}
	if _, err := c.Get(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-g.calls
	clk.add(5*time.Minute + time.Second)
	if v, err := getSoon(t, c, context.Background()); err != nil || v.ClientSecret != "s1" {
		t.Fatalf("Get = %v, %v; want s1", v.ClientSecret, err)
	}
	fctx := <-g.calls
	waitIdle(c) // frozen and thawed: the deadline has passed
	if !errors.Is(fctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("refresh context = %v, want its deadline exceeded", fctx.Err())
	}
	c.mu.Lock()
	failed := c.failErr
	c.mu.Unlock()
	if !errors.Is(failed, context.DeadlineExceeded) || !errors.Is(failed, ErrUnavailable) {
		t.Errorf("recorded failure = %v, want ErrUnavailable wrapping the deadline", failed)
	}
	if v, err := getSoon(t, c, context.Background()); err != nil || v.ClientSecret != "s1" || busy(c) {
		t.Fatalf("Get right after = %v, %v, fetching %v; want s1 and no new fetch within RetryAfter", v.ClientSecret, err, busy(c))
	}
	clk.add(2 * time.Second)
	g.answers <- answer{value: secretJSON("id", "s2")}
	if _, err := getSoon(t, c, context.Background()); err != nil {
		t.Fatal(err)
	}
	<-g.calls
	waitIdle(c)
	if v, _ := getSoon(t, c, context.Background()); v.ClientSecret != "s2" {
		t.Errorf("Get after the retry = %v, want s2", v.ClientSecret)
	}
}

// TestCacheRefreshJoinsHangingFetch: the forced refresh after
// invalid_client waits for the background refresh already in flight
// instead of starting a second GetSecretValue, and gets its value; a
// forced refresh whose request ends first gets the held value.
func TestCacheRefreshJoinsHangingFetch(t *testing.T) {
	c, g, clk := warmStuck(t)
	old := Value{ClientID: "id", ClientSecret: "s1", CookieKey: goodKey}
	clk.add(5*time.Minute + time.Second)
	if _, err := getSoon(t, c, context.Background()); err != nil {
		t.Fatal(err)
	}
	<-g.calls

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if v, err := c.Refresh(ctx, old); err != nil || v != old {
		t.Errorf("Refresh with an ended context = %v, %v; want the held value", v.ClientSecret, err)
	}
	got := make(chan Value, 1)
	go func() { v, _ := c.Refresh(context.Background(), old); got <- v }()
	g.answers <- answer{value: secretJSON("id", "s2")}
	if v := <-got; v.ClientSecret != "s2" {
		t.Errorf("Refresh = %v, want s2 from the fetch in flight", v.ClientSecret)
	}
	if n := g.n.Load(); n != 2 {
		t.Errorf("GetSecretValue calls = %d, want 2: Refresh started a second fetch", n)
	}
}

// TestCacheFirstFetchWaits: with nothing held, Get waits for the fetch.
func TestCacheFirstFetchWaits(t *testing.T) {
	g := newStuckGetter()
	c := NewCache(g, "name", CacheOptions{})
	got := make(chan Value, 1)
	go func() { v, _ := c.Get(context.Background()); got <- v }()
	<-g.calls
	select {
	case v := <-got:
		t.Fatalf("first Get returned %v before Secrets Manager answered", v)
	default:
	}
	g.answers <- answer{value: secretJSON("id", "s1")}
	if v := <-got; v.ClientSecret != "s1" {
		t.Errorf("first Get = %v, want s1", v.ClientSecret)
	}
}

// TestParsePreviousCookieKey: previous_cookie_key is optional, follows
// cookie_key's length rule, must differ from it, and errors name the field
// without its value; fields Parse does not know are ignored.
func TestParsePreviousCookieKey(t *testing.T) {
	const prev = "previous-0123456789abcdef0123456789"
	base := `"client_id":"a","client_secret":"b","cookie_key":"` + goodKey + `"`
	for name, tt := range map[string]struct {
		json    string
		want    string // PreviousCookieKey; "" with ok
		problem string // in the error, when not ok
	}{
		"absent":  {json: "{" + base + "}"},
		"empty":   {json: "{" + base + `,"previous_cookie_key":""}`},
		"set":     {json: "{" + base + `,"previous_cookie_key":"` + prev + `"}`, want: prev},
		"short":   {json: "{" + base + `,"previous_cookie_key":"shortkey-x"}`, problem: "previous_cookie_key is shorter than 32"},
		"same":    {json: "{" + base + `,"previous_cookie_key":"` + goodKey + `"}`, problem: "previous_cookie_key is the same as cookie_key"},
		"unknown": {json: "{" + base + `,"client_secret_id":"abc","rotated_at":1700000000,"nested":{"x":[1]}}`},
	} {
		t.Run(name, func(t *testing.T) {
			v, err := Parse(tt.json)
			if tt.problem == "" {
				if err != nil || v.PreviousCookieKey != tt.want || v.CookieKey != goodKey {
					t.Fatalf("Parse = %v, %v; want previous %q", v, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.problem) {
				t.Fatalf("Parse error = %v; want %q", err, tt.problem)
			}
			if strings.Contains(err.Error(), "shortkey-x") || strings.Contains(err.Error(), goodKey) {
				t.Errorf("error shows a key: %v", err)
			}
		})
	}
	v, _ := Parse("{" + base + `,"previous_cookie_key":"` + prev + `"}`)
	if k := v.SealKeys(); k.Current != goodKey || k.Previous != prev || k.Deployment != "a" {
		t.Errorf("SealKeys = current %t, previous %t, deployment %q; want cookie_key, previous_cookie_key, client_id",
			k.Current == goodKey, k.Previous == prev, k.Deployment)
	}
}

// TestCacheRefreshIfStale: within the TTL the held value is returned with
// no fetch (a forged cookie costs nothing); past it, the read is waited
// for, joining the background one Get started; a read that failed less
// than RetryAfter ago is not retried; a value newer than the one used is
// returned at once.
func TestCacheRefreshIfStale(t *testing.T) {
	c, g, clk := warmStuck(t)
	s1 := Value{ClientID: "id", ClientSecret: "s1", CookieKey: goodKey}
	for range 3 {
		if v, err := c.RefreshIfStale(context.Background(), s1); err != nil || v != s1 {
			t.Fatalf("RefreshIfStale within the TTL = %v, %v; want s1", v.ClientSecret, err)
		}
	}
	if n := g.n.Load(); n != 1 {
		t.Fatalf("GetSecretValue calls = %d, want 1: a value within its TTL needs no fetch", n)
	}

	// Past the TTL: Get serves s1 and reads in the background;
	// RefreshIfStale waits for that read rather than starting another.
	clk.add(5*time.Minute + time.Second)
	if v, err := getSoon(t, c, context.Background()); err != nil || v != s1 {
		t.Fatalf("Get past the TTL = %v, %v", v.ClientSecret, err)
	}
	<-g.calls
	got := make(chan Value, 1)
	go func() {
		v, err := c.RefreshIfStale(context.Background(), s1)
		if err != nil {
			t.Errorf("RefreshIfStale past the TTL: %v", err)
		}
		got <- v
	}()
	// Give the caller the time to reach the read (not a timing
	// assertion: a slow scheduler only makes this check weaker): it must
	// wait for the read in flight, not start a second one.
	time.Sleep(20 * time.Millisecond)
	select {
	case <-g.calls:
		t.Fatal("RefreshIfStale started a second read beside the one in flight")
	case v := <-got:
		t.Fatalf("RefreshIfStale returned %v before the read in flight answered", v.ClientSecret)
	default:
	}
	g.answers <- answer{value: secretJSON("id", "s2")}
	var s2 Value
	select {
	case s2 = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("RefreshIfStale did not return once the read answered")
	}
	if s2.ClientSecret != "s2" {
		t.Fatalf("RefreshIfStale past the TTL = %v, want s2 from the read in flight", s2.ClientSecret)
	}
	if n := g.n.Load(); n != 2 {
		t.Errorf("GetSecretValue calls = %d, want 2", n)
	}
	// Someone else's use of s1 fails too: s2 is there already.
	if v, err := c.RefreshIfStale(context.Background(), s1); err != nil || v != s2 {
		t.Errorf("RefreshIfStale of the old value = %v, %v; want s2 without a fetch", v.ClientSecret, err)
	}

	// Past the TTL with no read running: one starts and is waited for; if
	// it fails, the held value is returned and none is tried again within
	// RetryAfter.
	clk.add(5*time.Minute + time.Second)
	go func() {
		v, err := c.RefreshIfStale(context.Background(), s2)
		if err != nil {
			t.Errorf("RefreshIfStale after a failed read: %v, want the held value", err)
		}
		got <- v
	}()
	<-g.calls
	g.answers <- answer{err: errors.New("ThrottlingException: slow down")}
	if v := <-got; v != s2 {
		t.Errorf("RefreshIfStale after a failed read = %v, want the held s2", v.ClientSecret)
	}
	if v, err := c.RefreshIfStale(context.Background(), s2); err != nil || v != s2 {
		t.Errorf("RefreshIfStale right after a failure = %v, %v; want s2", v.ClientSecret, err)
	}
	if n := g.n.Load(); n != 3 {
		t.Errorf("GetSecretValue calls = %d, want 3: no retry within RetryAfter", n)
	}
}
