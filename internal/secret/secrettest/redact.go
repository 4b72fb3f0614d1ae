package secrettest

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// AssertRedacted formats v every way a value reaches a log line or an error
// message (fmt's %v, %+v, %#v, %s, %d, %x, %q, fmt.Sprint and Sprintln, v
// nested in a struct, a slice and a map, and log/slog's JSON and text
// handlers) and fails t when any rendering contains one of secrets.
func AssertRedacted(t testing.TB, v any, secrets ...string) {
	t.Helper()
	renderings := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		renderings[verb] = fmt.Sprintf(verb, v)
	}
	renderings["Sprint"] = fmt.Sprint(v)
	renderings["Sprintln"] = fmt.Sprintln(v)
	renderings["nested %+v"] = fmt.Sprintf("%+v", struct{ Field any }{v})
	renderings["nested %#v"] = fmt.Sprintf("%#v", struct{ Field any }{v})
	renderings["slice %v"] = fmt.Sprintf("%v", []any{v})
	renderings["map %v"] = fmt.Sprintf("%v", map[string]any{"k": v})
	for name, h := range map[string]func(*bytes.Buffer) slog.Handler{
		"slog JSON": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		"slog text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		var b bytes.Buffer
		log := slog.New(h(&b))
		log.Info("value", "v", v)
		log.Info("attr", slog.Any("v", v))
		log.With("v", v).Info("with")
		log.Info("group", slog.Group("g", slog.Any("v", v)))
		renderings[name] = b.String()
	}
	for how, out := range renderings {
		for _, s := range secrets {
			if s != "" && strings.Contains(out, s) {
				t.Errorf("%T formatted with %s shows a secret (%.6s...): %s", v, how, s, out)
			}
		}
	}
}
