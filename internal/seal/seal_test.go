package seal

import (
	"errors"
	"strings"
	"testing"
)

const (
	key    = "seal-test-cookie-key-0123456789abcdef"
	oldKey = "seal-test-previous-key-0123456789abcdef"
)

func keys(current, previous, deployment string) Keys {
	return Keys{Current: current, Previous: previous, Deployment: deployment}
}

func must(t *testing.T, k Keys, label string) *Box {
	t.Helper()
	b, err := New(k, label)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealOpen(t *testing.T) {
	b := must(t, keys(key, "", "client-a"), "use one")
	v, err := b.Seal([]byte("plain text"), []byte("name"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(v, "plain") {
		t.Error("value readable")
	}
	if got, err := b.Open(v, []byte("name")); err != nil || string(got) != "plain text" {
		t.Errorf("Open = %q, %v", got, err)
	}
	if v2, _ := b.Seal([]byte("plain text"), []byte("name")); v2 == v {
		t.Error("two seals of one value are equal: the nonce is not fresh")
	}
	other := must(t, keys(key, "", "client-a"), "use two")
	otherKey := must(t, keys("another-cookie-key-0123456789abcdefgh", "", "client-a"), "use one")
	otherDeployment := must(t, keys(key, "", "client-b"), "use one")
	// The deployment and the aad are one additional data, length-prefixed:
	// moving bytes from one to the other must not open.
	shifted := must(t, keys(key, "", "client-an"), "use one")
	flipped := []byte(v)
	flipped[len(flipped)/2] ^= 1
	for name, tt := range map[string]struct {
		b     *Box
		value string
		aad   string
	}{
		"other label": {other, v, "name"}, "other key": {otherKey, v, "name"}, "other aad": {b, v, "other"},
		"other deployment, same key": {otherDeployment, v, "name"}, "deployment and aad shifted": {shifted, v, "ame"},
		"tampered": {b, string(flipped), "name"}, "truncated": {b, v[:len(v)-4], "name"},
		"short": {b, "AAAA", "name"}, "not base64": {b, "!!", "name"}, "empty": {b, "", "name"},
	} {
		if _, err := tt.b.Open(tt.value, []byte(tt.aad)); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: Open = %v, want ErrOpen", name, err)
		}
	}
	for name, k := range map[string]Keys{
		"short key": keys("short", "", "client-a"), "short previous key": keys(key, "short", "client-a"),
		"no deployment": keys(key, "", ""),
	} {
		if _, err := New(k, "x"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestKeyChange: after cookie_key changes, with the old key as the
// previous one, a value sealed under the old key still opens and new
// values are sealed under the new key; once the previous key is removed,
// the old value no longer opens.
func TestKeyChange(t *testing.T) {
	before := must(t, keys(oldKey, "", "client-a"), "use")
	old, err := before.Seal([]byte("old"), []byte("name"))
	if err != nil {
		t.Fatal(err)
	}
	during := must(t, keys(key, oldKey, "client-a"), "use")
	if got, err := during.Open(old, []byte("name")); err != nil || string(got) != "old" {
		t.Errorf("value sealed under the previous key: Open = %q, %v; want it open", got, err)
	}
	fresh, err := during.Seal([]byte("new"), []byte("name"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := before.Open(fresh, []byte("name")); !errors.Is(err, ErrOpen) {
		t.Errorf("a new value opens under the previous key alone (%v): not sealed under the current key", err)
	}
	after := must(t, keys(key, "", "client-a"), "use")
	if got, err := after.Open(fresh, []byte("name")); err != nil || string(got) != "new" {
		t.Errorf("new value once the previous key is removed: Open = %q, %v", got, err)
	}
	if _, err := after.Open(old, []byte("name")); !errors.Is(err, ErrOpen) {
		t.Errorf("value sealed under a removed key: Open = %v, want ErrOpen", err)
	}
	otherDeployment := must(t, keys(key, oldKey, "client-b"), "use")
	if _, err := otherDeployment.Open(old, []byte("name")); !errors.Is(err, ErrOpen) {
		t.Errorf("another deployment opens a value under its previous key: %v", err)
	}
}
