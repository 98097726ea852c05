# stepwise: build, run and test. `make help` lists the targets.

GO           ?= go
BIN          := bin
SHARED       ?= ../shared
SM           := statemachines/contact-form.asl.json
MOCKS        := statemachines/contact-form.mocks.json
# Test case of $(MOCKS) : execution input in events/.
RUN_CASES    := ValidForm:process-valid \
                InvalidForm:process-invalid \
                SesFailsThenRecovers:process-valid \
                DynamoFailsForGood:process-valid \
                DuplicateDelivery:process-valid
LAMBDA_FLAGS := GOOS=linux GOARCH=arm64 CGO_ENABLED=0
ARTIFACTS_DIR ?= .aws-sam/build/manual

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_%-]+:.*## / {printf "  %-22s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build every package and bin/stepwise.
	$(GO) build ./...
	$(GO) build -o $(BIN)/stepwise ./cmd/stepwise

$(BIN)/stepwise: FORCE
	$(GO) build -o $@ ./cmd/stepwise

DATA ?= .stepwise
ADDR ?= 127.0.0.1:8080

.PHONY: run
run: $(BIN)/stepwise ## Run stepwise serve on the embedded store (DATA=.stepwise ADDR=127.0.0.1:8080): API, contact form, worker, console.
	$(BIN)/stepwise serve --data $(DATA) --addr $(ADDR)

.PHONY: run-mocks
run-mocks: $(BIN)/stepwise ## Run the contact-form workflow once per mocked test case with stepwise run (no server).
	@for c in $(RUN_CASES); do \
	  tc=$${c%%:*}; ev=events/$${c#*:}.json; \
	  echo "== $$tc  (input $$ev)"; \
	  $(BIN)/stepwise run --name contact-form --mock-config $(MOCKS) --test-case $$tc $(SM) $$ev || true; \
	  echo; \
	done

.PHONY: test
test: ## Run all tests, starting the local AWS-compatible servers (scripts/test.sh).
	scripts/test.sh

.PHONY: test-short
test-short: ## Fast loop: go test -short ./... (no servers needed).
	$(GO) test -short ./...

.PHONY: test-race
test-race: ## go test -race ./... (AWS tests skip unless AWS_ENDPOINT_URL_* are set).
	$(GO) test -race ./...

.PHONY: bench
bench: ## Run each benchmark once.
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...

.PHONY: lint
lint: ## gofmt -l and go vet.
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

.PHONY: conformance
conformance: $(BIN)/stepwise ## Run the shared ASL conformance corpus against bin/stepwise.
	python3 $(SHARED)/conformance/run --cmd scripts/conformance-adapter.sh $(SHARED)/conformance/cases

.PHONY: localaws-start localaws-stop
localaws-start: ## Start DynamoDB Local, moto (SQS) and aws-ses-v2-local; then eval "$(scripts/localaws.sh env)".
	scripts/localaws.sh start
localaws-stop: ## Stop the servers localaws-start started.
	scripts/localaws.sh stop

# SAM (template.yaml, BuildMethod: makefile) calls build-<LogicalId> with
# ARTIFACTS_DIR set; each writes one bootstrap for provided.al2023 on arm64.
# The definitions are embedded in the binaries (package statemachines); the
# copies in statemachines/ show what is deployed.
.PHONY: build-ApiFunction build-WorkerFunction build-ProcessFunction
build-ApiFunction: ## SAM: build functions/api into $(ARTIFACTS_DIR)/bootstrap (+ statemachines/).
	$(LAMBDA_FLAGS) $(GO) build -tags lambda.norpc -o $(ARTIFACTS_DIR)/bootstrap ./functions/api
	mkdir -p $(ARTIFACTS_DIR)/statemachines && cp statemachines/*.asl.json $(ARTIFACTS_DIR)/statemachines/
build-WorkerFunction: ## SAM: build functions/worker into $(ARTIFACTS_DIR)/bootstrap (+ statemachines/).
	$(LAMBDA_FLAGS) $(GO) build -tags lambda.norpc -o $(ARTIFACTS_DIR)/bootstrap ./functions/worker
	mkdir -p $(ARTIFACTS_DIR)/statemachines && cp statemachines/*.asl.json $(ARTIFACTS_DIR)/statemachines/
build-ProcessFunction: ## SAM: build functions/process into $(ARTIFACTS_DIR)/bootstrap.
	$(LAMBDA_FLAGS) $(GO) build -tags lambda.norpc -o $(ARTIFACTS_DIR)/bootstrap ./functions/process

.PHONY: FORCE
FORCE:
