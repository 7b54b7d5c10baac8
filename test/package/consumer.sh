#!/usr/bin/env bash
# The package as a consumer gets it (npm run test:package; .ci/run runs it after npm test).
#
#  1. `npm pack` the compiled package (lib/ must exist: the test:package task compiles first).
#  2. Install the tarball into a scratch project outside the clone, with cdk8s, cdk8s-plus-28,
#     constructs, @pulumi/pulumi and @pulumi/kubernetes (the peers) at the versions this
#     repository tests against, plus typescript and @types/node.
#  3. Compile a consumer program importing `spire-constructs` and `spire-constructs/pulumi` with
#     tsc (strict, skipLibCheck off) under moduleResolution node (module commonjs), node16 and
#     bundler (module esnext).
#  4. Run it: App.synth() of the README's smallest production stack, checking the kinds written.
#     Then the Pulumi entry point under Pulumi's mocks: a stack, identities and a policy register; the
#     policy accepts the Mesh of 'spire-constructs' (one copy of the library across both entries).
#  5. The installed bin: `spire-constructs check` passes on that output (exit 0, no ERROR finding),
#     exits 1 naming SPIRE-SRV1 on a copy with one server replica, exits 2 without a directory.
#  6. A `file:` dependency on a checkout with its own node_modules (a second cdk8s) fails at
#     construction with the two-copies message; `npm install --install-links` of it synthesizes.
#
# Everything is written to a temporary folder (removed on exit; KEEP_CONSUMER=1 keeps it).
# npm uses its own cache (~/.npm): nothing is cached inside the clone.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
FIXTURE="$ROOT/test/package/consumer"
WORK="$(cd "$(mktemp -d "${TMPDIR:-/tmp}/spire-constructs-consumer.XXXXXX")" && pwd -P)"
if [ "${KEEP_CONSUMER:-}" = "1" ]; then
  trap 'echo "(kept $WORK)"' EXIT
else
  trap 'rm -rf "$WORK"' EXIT
fi

fail() {
  echo "test:package FAILED: $*" >&2
  exit 1
}
step() { echo "== test:package: $*"; }
# Runs a command with its output in a log; on failure shows the log and fails with the message.
run() {
  local what="$1" log
  shift
  log="$WORK/log.txt"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    fail "$what (command: $*)"
  fi
}
npm_install() {
  run "npm install in $(basename "$PWD")" npm install --no-audit --no-fund --ignore-scripts --prefer-offline --loglevel=error "$@"
}
# The version of a package this repository's tests run against (its node_modules, from package-lock.json).
tested() {
  node -p "require('$ROOT/node_modules/$1/package.json').version" || fail "$1 is not installed in $ROOT/node_modules: run npm ci first"
}

[ -f "$ROOT/lib/bundle/index.js" ] && [ -f "$ROOT/lib/pulumi/index.d.ts" ] ||
  fail "lib/ is missing: run 'npx projen compile' first (tsc, then scripts/bundle.ts; 'npx projen test:package' compiles, then runs this script)"

PEERS=()
for p in cdk8s cdk8s-plus-28 constructs @pulumi/pulumi @pulumi/kubernetes; do
  PEERS+=("$p@$(tested "$p")")
done
TOOLS=("typescript@$(tested typescript)" "@types/node@$(tested @types/node)")

step "npm pack"
run "npm pack" npm pack --pack-destination "$WORK" --loglevel=error
TARBALL="$(ls "$WORK"/spire-constructs-*.tgz)"
CONTENTS="$(tar -tzf "$TARBALL")"
for f in package/lib/bundle/index.js package/lib/bundle/index.js.map package/lib/bundle/pulumi.js package/lib/bundle/pulumi.js.map \
  package/lib/bundle/cli.js package/lib/index.d.ts package/lib/pulumi/index.d.ts package/lib/cli/main.d.ts; do
  grep -qx "$f" <<<"$CONTENTS" || fail "the tarball has no $f"
done
# The JavaScript ships as one bundle per entry point (scripts/bundle.ts): tsc's one file per
# module stays out (a process would otherwise be able to load a second copy of a class from it).
if grep -E '^package/lib/.*\.js(\.map)?$' <<<"$CONTENTS" | grep -Ev '^package/lib/bundle/[a-z]+\.js(\.map)?$' | head -5 | grep .; then
  fail "the tarball ships JavaScript beside lib/bundle/ (above); .projenrc.ts (project.npmignore) keeps it out"
fi
# Source maps ship beside the bundles, with the TypeScript sources inside (node --enable-source-maps
# maps stack traces to the .ts lines); inline maps would make the file users load larger.
if tar -xzOf "$TARBALL" --wildcards 'package/lib/bundle/*.js' | grep -q 'sourceMappingURL=data:'; then
  fail "lib/bundle/ JavaScript in the tarball carries inline source maps; scripts/bundle.ts must write .js.map files"
fi
tar -xzOf "$TARBALL" package/lib/bundle/index.js.map | node -e '
  const m = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const i = m.sources.findIndex((s) => s.endsWith("src/stack/spire-stack.ts"));
  if (i < 0 || !/class SpireStack/.test(m.sourcesContent[i] ?? "")) process.exit(1);
' || fail "lib/bundle/index.js.map does not map to src/stack/spire-stack.ts with its source inside"
if grep -E '^package/(src|test|scripts|examples|e2e|\.ci)/' <<<"$CONTENTS" | head -5 | grep .; then
  fail "the tarball ships files that are not part of the package (above); exclude them in .projenrc.ts (project.npmignore)"
fi
echo "$(wc -l <<<"$CONTENTS") files in $(basename "$TARBALL")"

step "install the tarball with ${PEERS[*]}"
mkdir "$WORK/consumer"
cd "$WORK/consumer"
echo '{ "name": "consumer", "version": "1.0.0", "private": true }' >package.json
npm_install "$TARBALL" "${PEERS[@]}" "${TOOLS[@]}"
cp "$FIXTURE"/*.ts "$FIXTURE/tsconfig.json" .

for mode in "node commonjs" "node16 node16" "bundler esnext"; do
  set -- $mode
  step "tsc, moduleResolution $1, module $2 (strict, skipLibCheck false)"
  emit=(--noEmit)
  [ "$1" = node ] && emit=()
  run "the consumer program does not compile under moduleResolution $1 (module $2)" \
    ./node_modules/.bin/tsc -p tsconfig.json --moduleResolution "$1" --module "$2" "${emit[@]}"
done

step "run the consumer program (App.synth())"
run "the consumer program failed" node out/main.js "$WORK/dist"
cat "$WORK/log.txt"

step "run the consumer Pulumi program (under Pulumi's mocks)"
run "the consumer Pulumi program failed" node out/pulumi.js
cat "$WORK/log.txt"

step "spire-constructs check (installed bin)"
BIN="$WORK/consumer/node_modules/.bin/spire-constructs"
[ -x "$BIN" ] || fail "the package installed no executable bin at node_modules/.bin/spire-constructs"
set +e
"$BIN" check "$WORK/dist" >"$WORK/check.out" 2>"$WORK/check.err"
code=$?
set -e
cat "$WORK/check.out" "$WORK/check.err"
[ "$code" = 0 ] || fail "spire-constructs check exited $code on the smallest production stack (documented: 1 only on ERROR findings, which synth already refuses)"
grep -qE '^[0-9]+ finding\(s\): 0 ERROR, ' "$WORK/check.err" || fail "spire-constructs check printed no '<n> finding(s): 0 ERROR, …' summary"

mkdir "$WORK/one-replica"
sed 's/^  replicas: 3$/  replicas: 1/' "$WORK/dist/spire.k8s.yaml" >"$WORK/one-replica/spire.k8s.yaml"
cmp -s "$WORK/dist/spire.k8s.yaml" "$WORK/one-replica/spire.k8s.yaml" && fail "no 'replicas: 3' in the synthesized StatefulSet to change"
set +e
"$BIN" check "$WORK/one-replica" >"$WORK/check.out" 2>"$WORK/check.err"
code=$?
set -e
[ "$code" = 1 ] || fail "spire-constructs check exited $code on a server with one replica (documented: 1 on ERROR findings); output: $(cat "$WORK/check.out" "$WORK/check.err")"
grep -q 'SPIRE-SRV1' "$WORK/check.out" || fail "spire-constructs check did not name SPIRE-SRV1 for one server replica; output: $(cat "$WORK/check.out")"
echo "one server replica: exit 1, $(grep -c . "$WORK/check.out") finding line(s) naming SPIRE-SRV1"
set +e
"$BIN" check >/dev/null 2>&1
code=$?
set -e
[ "$code" = 2 ] || fail "spire-constructs check without a directory exited $code (documented: 2 on bad usage)"

step "file: dependency on a checkout with its own cdk8s"
# A checkout of spire-constructs: the package's files plus its own node_modules (a second copy
# of cdk8s, cdk8s-plus-28 and constructs, as `npm ci` in the checkout leaves them).
mkdir -p "$WORK/checkout/node_modules"
tar -xzf "$TARBALL" -C "$WORK/checkout" --strip-components=1
for p in cdk8s cdk8s-plus-28 constructs yaml; do
  cp -R "$WORK/consumer/node_modules/$p" "$WORK/checkout/node_modules/$p"
done
mkdir "$WORK/linked"
cd "$WORK/linked"
echo '{ "name": "linked", "version": "1.0.0", "private": true }' >package.json
npm_install "file:../checkout" "${PEERS[@]:0:3}"
[ -L node_modules/spire-constructs ] || fail "npm did not link the file: dependency (node_modules/spire-constructs is no symlink)"
cp "$WORK/consumer/out/stack.js" "$WORK/consumer/out/file-install.js" .
set +e
node file-install.js "$WORK/linked-dist" >"$WORK/linked.out" 2>&1
code=$?
set -e
cat "$WORK/linked.out"
[ "$code" != 0 ] || fail "with two copies of cdk8s (file: dependency) the stack synthesized; expected the two-copies error"
grep -q "^Two copies of cdk8s are loaded: 'spire/spire/Crds' (spire-constructs) is being added to the App, which was created with cdk8s .* at $WORK/linked/node_modules/cdk8s, while spire-constructs uses cdk8s .* at $WORK/checkout/node_modules/cdk8s\\..*npm dedupe" "$WORK/linked.out" ||
  fail "with two copies of cdk8s (file: dependency), building the stack did not fail at construction with the two-copies message (output above)"

step "the fix the message gives: npm install --install-links <checkout>"
mkdir "$WORK/installed-links"
cd "$WORK/installed-links"
echo '{ "name": "installed-links", "version": "1.0.0", "private": true }' >package.json
npm_install --install-links "file:../checkout" "${PEERS[@]:0:3}"
[ -L node_modules/spire-constructs ] && fail "npm --install-links linked the checkout instead of copying it"
cp "$WORK/consumer/out/stack.js" "$WORK/consumer/out/file-install.js" .
run "with --install-links (one copy of cdk8s), the stack did not synthesize" node file-install.js "$WORK/installed-links-dist"
[ -f "$WORK/installed-links-dist/spire.k8s.yaml" ] || fail "with --install-links, no spire.k8s.yaml was written"

step "passed"
