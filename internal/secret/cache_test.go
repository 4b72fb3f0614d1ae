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
	}
	if got := f.calls.Load(); got != 1 {
		t.Errorf("calls within TTL = %d, want 1", got)
	}
	f.set(secretJSON("id", "s2"), nil)
	clk.add(5*time.Minute + time.Second)
	v, err := c.Get(ctx)
	if err != nil || v.ClientSecret != "s2" {
		t.Fatalf("Get after TTL = %v, %v; want s2", v.ClientSecret, err)
	}
	if got := f.calls.Load(); got != 2 {
		t.Errorf("calls after TTL = %d, want 2", got)
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
	}
	if got := f.calls.Load(); got != 2 {
		t.Errorf("calls = %d, want 2 (one failed refresh, then RetryAfter applies)", got)
	}
	clk.add(3 * time.Second)
	f.set(secretJSON("id", "s3"), nil)
	if v, _ := c.Get(ctx); v.ClientSecret != "s3" {
		t.Errorf("after RetryAfter Get = %v, want s3", v.ClientSecret)
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
