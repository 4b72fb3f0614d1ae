package awsjson

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestService(t *testing.T) {
	var logs bytes.Buffer
	s := Service{Prefix: "Svc.", Name: "local thing", Log: slog.New(slog.NewTextHandler(&logs, nil)), Actions: map[string]Action{
		"Echo": func(_ context.Context, body json.RawMessage) (any, *Error) {
			in, err := Decode[struct{ Word string }](body)
			if err != nil {
				return nil, err
			}
			if in.Word == "" {
				return nil, BadRequest("InvalidParameterException", "Word is required")
			}
			return map[string]string{"Word": in.Word}, nil
		},
	}}
	for _, tt := range []struct {
		name, method, target, ctype, body string
		status                            int
		typ, answer                       string
	}{
		{"ok", "POST", "Svc.Echo", ContentType, `{"Word":"secret-word"}`, 200, "", `{"Word":"secret-word"}`},
		{"action's error", "POST", "Svc.Echo", ContentType, `{}`, 400, "InvalidParameterException", ""},
		{"unknown action", "POST", "Svc.Nope", ContentType, `{}`, 400, "UnknownOperationException", ""},
		{"foreign target", "POST", "Other.Echo", ContentType, `{}`, 400, "UnknownOperationException", ""},
		{"no target", "POST", "", ContentType, `{}`, 400, "UnknownOperationException", ""},
		{"content type", "POST", "Svc.Echo", "application/json", `{"Word":"x"}`, 400, "SerializationException", ""},
		{"not JSON", "POST", "Svc.Echo", ContentType, `{`, 400, "SerializationException", ""},
		{"wrong shape", "POST", "Svc.Echo", ContentType, `{"Word":1}`, 400, "SerializationException", ""},
		{"GET", "GET", "Svc.Echo", ContentType, ``, 404, "UnknownOperationException", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "/", strings.NewReader(tt.body))
			req.Header.Set("X-Amz-Target", tt.target)
			req.Header.Set("Content-Type", tt.ctype)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != tt.status || rec.Header().Get("Content-Type") != ContentType {
				t.Fatalf("status %d, Content-Type %q; want %d, %s", rec.Code, rec.Header().Get("Content-Type"), tt.status, ContentType)
			}
			if tt.typ != "" {
				var e map[string]string
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e["__type"] != tt.typ || e["message"] == "" || rec.Header().Get("X-Amzn-ErrorType") != tt.typ {
					t.Errorf("error answer %s (X-Amzn-ErrorType %q), want __type %s and a message", rec.Body, rec.Header().Get("X-Amzn-ErrorType"), tt.typ)
				}
			} else if got := strings.TrimSpace(rec.Body.String()); got != tt.answer {
				t.Errorf("answer %s, want %s", got, tt.answer)
			}
		})
	}
	if !strings.Contains(logs.String(), "action=Echo") {
		t.Errorf("no log line names the action:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "secret-word") {
		t.Errorf("a request or answer body reached the log:\n%s", logs.String())
	}
}
