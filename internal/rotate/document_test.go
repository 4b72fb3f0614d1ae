package rotate

import (
	"strings"
	"testing"

	"github.com/example/cognito-sam-go/internal/secret/secrettest"
)

func TestDocumentRedacted(t *testing.T) {
	d, err := parseDocument(`{"client_id":"cid","client_secret":"the-client-secret-value","cookie_key":"the-cookie-key-value-0123456789abcdef","client_secret_id":"cid--1"}`)
	if err != nil {
		t.Fatal(err)
	}
	secrettest.AssertRedacted(t, d, "the-client-secret-value", "the-cookie-key-value")
	if !strings.Contains(d.String(), "cid--1") {
		t.Errorf("String() = %s: want the client secret's id, which is not secret", d)
	}
}

func TestParseDocumentErrorsNameNoValue(t *testing.T) {
	for _, s := range []string{`[]`, `{"client_id":"","client_secret":7}`, `{"client_secret":"leaky-value","client_secret_id":5}`, `null`} {
		_, err := parseDocument(s)
		if err == nil {
			t.Errorf("parseDocument(%s) = nil error", s)
			continue
		}
		if strings.Contains(err.Error(), "leaky-value") {
			t.Errorf("error shows a value: %v", err)
		}
	}
}
