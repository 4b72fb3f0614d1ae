# Builds the Lambda functions as static linux/arm64 `bootstrap` binaries for
# the provided.al2023 runtime.
#
# `sam build` (Metadata BuildMethod: makefile, CodeUri: .) copies the
# repository to a scratch directory and runs `make build-<LogicalId>` there
# with ARTIFACTS_DIR set, so every path below is relative to the repository
# root and the build uses the root go.mod. `make bin` builds the same binaries
# into bin/<name>/bootstrap and prints their sizes in bytes (used by CI).
#
# -buildvcs=false: sam build's copy has no .git, so without it binaries built
# here and by sam build would differ.

GOBUILD := GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -buildvcs=false -ldflags "-s -w"
FUNCTIONS := login callback hello refresh logout

.PHONY: build-LoginFunction build-CallbackFunction build-HelloFunction build-RefreshFunction build-LogoutFunction bin clean FORCE

check-artifacts-dir = $(if $(ARTIFACTS_DIR),,$(error ARTIFACTS_DIR is not set; run these targets through `sam build`))

build-LoginFunction:
	$(check-artifacts-dir)
	$(GOBUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/login

build-CallbackFunction:
	$(check-artifacts-dir)
	$(GOBUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/callback

build-HelloFunction:
	$(check-artifacts-dir)
	$(GOBUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/hello

build-RefreshFunction:
	$(check-artifacts-dir)
	$(GOBUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/refresh

build-LogoutFunction:
	$(check-artifacts-dir)
	$(GOBUILD) -o $(ARTIFACTS_DIR)/bootstrap ./functions/logout

bin: $(foreach f,$(FUNCTIONS),bin/$(f)/bootstrap)
	@stat -c '%s %n' $^

# Always rebuilt (go's own cache keeps that cheap).
bin/%/bootstrap: FORCE
	$(GOBUILD) -o $@ ./functions/$*

FORCE:

clean:
	rm -rf bin
