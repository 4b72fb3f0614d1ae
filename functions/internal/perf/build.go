package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// releaseFlags are the Makefile's GOBUILD flags after `go build`
// (perf_test checks that they still are).
var releaseFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w"}

// functionPkgs are the binaries measured: the functions and the floors.
var functionPkgs = map[string]string{
	"login":        "./functions/login",
	"callback":     "./functions/callback",
	"refresh":      "./functions/refresh",
	"logout":       "./functions/logout",
	"hello":        "./functions/hello",
	"floor-secret": "./functions/internal/perf/floor/secret",
	"floor-hello":  "./functions/internal/perf/floor/hello",
}

// floorOf is the floor each function is held against.
func floorOf(fn string) string {
	if fn == "hello" || fn == "floor-hello" {
		return "floor-hello"
	}
	return "floor-secret"
}

type builds struct {
	host  map[string]string // binaries for this machine
	sizes map[string]int64  // linux/arm64 sizes in bytes; empty without -size
}

func buildAll(o options, dir string) (*builds, error) {
	b := &builds{host: map[string]string{}, sizes: map[string]int64{}}
	for _, name := range sortedKeys(functionPkgs) {
		pkg := functionPkgs[name]
		bin := filepath.Join(dir, runtime.GOOS+"-"+runtime.GOARCH, name)
		if err := goBuild(o.Dir, pkg, bin, runtime.GOOS, runtime.GOARCH); err != nil {
			return nil, err
		}
		b.host[name] = bin
		if o.Size {
			arm := filepath.Join(dir, "linux-arm64", name)
			if err := goBuild(o.Dir, pkg, arm, "linux", "arm64"); err != nil {
				return nil, err
			}
			fi, err := os.Stat(arm)
			if err != nil {
				return nil, err
			}
			b.sizes[name] = fi.Size()
		}
	}
	return b, nil
}

func goBuild(dir, pkg, out, goos, goarch string) error {
	cmd := exec.Command("go", append(append([]string{"build"}, releaseFlags...), "-o", out, pkg)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s (%s/%s): %v\n%s", pkg, goos, goarch, err, out)
	}
	return nil
}
