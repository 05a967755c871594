# The two commands of the README's Quick start. Each installs what it needs first.
# onnxruntime-node's install script fetches CUDA libraries; its CPU build ships inside the package.
export ONNXRUNTIME_NODE_INSTALL := skip

.PHONY: demo test install

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# The web app (/app) is built, not committed: again whenever its sources change.
web/dist/index.html: node_modules/.installed $(shell find web/src web/scripts -type f 2>/dev/null)
	npm run build:web

# The CLI's compiled JavaScript: bin/vlm-loop.mjs runs it when it is newer than every source file (else
# the sources through tsx), which starts several times faster (bench/results/cli.md).
dist/.built: node_modules/.installed $(shell find src -name '*.ts')
	npm run build

install: node_modules/.installed web/dist/index.html dist/.built

## Start the whole system on an embedded PostgreSQL with a demo project.
demo: install
	node bin/vlm-loop.mjs demo

## Run every test: type-check, lint and format check, OpenAPI lint, import rules (npm run lint:deps),
## TypeScript tests, trainer tests.
test: install
	npm test
