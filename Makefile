# Builds the Lambda functions as static linux/arm64 `bootstrap` binaries for
# the provided.al2023 runtime.
#
# `sam build` (Metadata BuildMethod: makefile, CodeUri: .) runs
# `make build-<LogicalId>` with ARTIFACTS_DIR set. samconfig.toml sets
# build_in_source, so it runs here in the repository; without it SAM copies
# the repository to a scratch folder first. Either way every path below is
# relative to the repository root and the build uses the root go.mod. One
# pattern rule serves every function: build-LoginFunction builds
# ./functions/login (the stem, lower case). `make bin` builds the same
# binaries into bin/<name>/bootstrap and prints their sizes in bytes (used
# by CI). A function is a directory functions/<name> with a main.go;
# nothing here lists them by hand.
#
# -buildvcs=false: a scratch copy (sam build without build_in_source) has no
# .git, and binaries should not differ with how they were built.

GOBUILD := GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -buildvcs=false -ldflags "-s -w"
FUNCTIONS := $(patsubst functions/%/main.go,%,$(wildcard functions/*/main.go))

# Pattern targets (build-%Function) cannot be .PHONY; they depend on FORCE.
.PHONY: bin clean FORCE

check-artifacts-dir = $(if $(ARTIFACTS_DIR),,$(error ARTIFACTS_DIR is not set; run these targets through `sam build`))

# lower-case: "Login" -> "login".
lower-case = $(shell printf '%s' '$(1)' | tr '[:upper:]' '[:lower:]')

build-%Function: function = $(call lower-case,$*)
build-%Function: FORCE
	$(check-artifacts-dir)
	$(if $(filter $(function),$(FUNCTIONS)),,$(error no functions/$(function)/main.go for $@))
	$(GOBUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(function)

bin: $(foreach f,$(FUNCTIONS),bin/$(f)/bootstrap)
	@stat -c '%s %n' $^

# Always rebuilt (go's own cache keeps that cheap).
bin/%/bootstrap: FORCE
	$(GOBUILD) -o $@ ./functions/$*

FORCE:

clean:
	rm -rf bin
