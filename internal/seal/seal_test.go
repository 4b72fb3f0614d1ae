package seal

import (
	"errors"
	"strings"
	"testing"
)

const key = "seal-test-cookie-key-0123456789abcdef"

func TestSealOpen(t *testing.T) {
	b, err := New(key, "use one")
	if err != nil {
		t.Fatal(err)
	}
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
	other, _ := New(key, "use two")
	otherKey, _ := New("another-cookie-key-0123456789abcdefgh", "use one")
	flipped := []byte(v)
	flipped[len(flipped)/2] ^= 1
	for name, tt := range map[string]struct {
		b     *Box
		value string
		aad   string
	}{
		"other label": {other, v, "name"}, "other key": {otherKey, v, "name"}, "other aad": {b, v, "other"},
		"tampered": {b, string(flipped), "name"}, "truncated": {b, v[:len(v)-4], "name"},
		"short": {b, "AAAA", "name"}, "not base64": {b, "!!", "name"}, "empty": {b, "", "name"},
	} {
		if _, err := tt.b.Open(tt.value, []byte(tt.aad)); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: Open = %v, want ErrOpen", name, err)
		}
	}
	if _, err := New("short", "x"); err == nil {
		t.Error("a short key was accepted")
	}
}
