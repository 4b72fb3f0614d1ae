package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// report is what one run measured.
type report struct {
	opts  options
	rows  []row
	sizes map[string]int64           // linux/arm64, bytes
	init  map[string][]time.Duration // per binary, one per cold start
}

// inR formats d in round-trip times.
func (r *report) inR(d time.Duration) string {
	return fmt.Sprintf("%.2f R", float64(d)/float64(r.opts.RTT))
}

func (r *report) write(w io.Writer) {
	fmt.Fprintf(w, "R = %v; %d cold starts per route, %d warm invocations after each; median.\n", r.opts.RTT, r.opts.Cold, r.opts.Warm)
	fmt.Fprintf(w, "Machine: %s, %d CPUs, %s, %s/%s.\n\n", cpuModel(), runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintln(w, "| route | function | cold | warm | connections, cold: secrets manager / cognito domain / issuer | per warm |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- |")
	for _, row := range r.rows {
		n := int64(max(row.warmCount, 1))
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %.1f / %.1f / %.1f |\n", row.route.name, row.route.fn,
			r.inR(median(row.cold)), r.inR(median(row.warm)), typical(row.coldConns),
			float64(row.warmConns.sm)/float64(n), float64(row.warmConns.domain)/float64(n), float64(row.warmConns.issuer)/float64(n))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| function | size, linux/arm64 stripped | vs floor | init, median (min), process start to first /next | vs floor (median) |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- |")
	for _, fn := range []string{"login", "callback", "refresh", "logout", "hello", "floor-secret", "floor-hello"} {
		floor := floorOf(fn)
		size, ratio := "not built (-size=false)", ""
		if s, ok := r.sizes[fn]; ok {
			size = fmt.Sprintf("%.2f MB", float64(s)/1e6)
			ratio = fmt.Sprintf("%.2fx %s", float64(s)/float64(r.sizes[floor]), floor)
		}
		in, fl := median(r.init[fn]), median(r.init[floor])
		iratio := ""
		if fl > 0 {
			iratio = fmt.Sprintf("%.2fx", float64(in)/float64(fl))
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.1f ms (%.1f) | %s |\n", fn, size, ratio, ms(in), ms(slices.Min(append([]time.Duration{in}, r.init[fn]...))), iratio)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
