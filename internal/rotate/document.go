package rotate

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
)

// Field names of the secret's JSON that the rotation reads or writes.
const (
	fieldClientID     = "client_id"
	fieldClientSecret = "client_secret"
	// fieldSecretID is the Cognito id of client_secret. The secret
	// CloudFormation creates has none; every version a rotation writes has.
	fieldSecretID = "client_secret_id"
)

// document is one version's SecretString: every field as received, so that
// the fields the rotation does not know (cookie_key, previous_cookie_key, any
// added later) are copied to the new version byte for byte, and the three
// it works with. It prints redacted.
type document struct {
	fields       map[string]json.RawMessage
	clientID     string
	clientSecret string
	secretID     string // empty when the version has no client_secret_id
}

// parseDocument decodes a SecretString. Its errors name fields, never
// values.
func parseDocument(s string) (document, error) {
	var d document
	if err := json.Unmarshal([]byte(s), &d.fields); err != nil || d.fields == nil {
		return document{}, errors.New("the secret string is not a JSON object")
	}
	str := func(name string, required bool) (string, error) {
		raw, ok := d.fields[name]
		if !ok {
			if required {
				return "", fmt.Errorf("%s is missing", name)
			}
			return "", nil
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", fmt.Errorf("%s is not a string", name)
		}
		if required && v == "" {
			return "", fmt.Errorf("%s is empty", name)
		}
		return v, nil
	}
	var errs []error
	var err error
	if d.clientID, err = str(fieldClientID, true); err != nil {
		errs = append(errs, err)
	}
	if d.clientSecret, err = str(fieldClientSecret, true); err != nil {
		errs = append(errs, err)
	}
	if d.secretID, err = str(fieldSecretID, false); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return document{}, errors.Join(errs...)
	}
	return d, nil
}

// withSecret returns the SecretString of a new version: d's fields, with
// client_secret and client_secret_id replaced.
func (d document) withSecret(value, id string) (string, error) {
	fields := maps.Clone(d.fields)
	for k, v := range map[string]string{fieldClientSecret: value, fieldSecretID: id} {
		b, err := json.Marshal(v)
		if err != nil {
			return "", err
		}
		fields[k] = b
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return "", errors.New("encode the new version")
	}
	return string(b), nil
}

func (d document) String() string {
	return "rotate.document{client_id:" + d.clientID + ", client_secret_id:" + d.secretID + ", REDACTED}"
}

// GoString redacts the document for %#v.
func (d document) GoString() string { return d.String() }

// LogValue redacts the document for log/slog.
func (d document) LogValue() slog.Value { return slog.StringValue(d.String()) }

// Format redacts the document for every fmt verb.
func (d document) Format(f fmt.State, _ rune) { fmt.Fprint(f, d.String()) }
