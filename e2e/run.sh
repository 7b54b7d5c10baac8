#!/usr/bin/env bash
# npm run test:e2e: builds the real components once (cache outside the clone), then runs the
# end-to-end suite in a network namespace of its own where only loopback exists, so nothing the
# suite starts can reach, or be reached from, any other address.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/etcd ] || missing+=(etcd-server)
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql)
command -v unshare >/dev/null && command -v setpriv >/dev/null || missing+=(util-linux)
command -v ip >/dev/null || missing+=(iproute2)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing Debian packages: ${missing[*]} (apt-get install them as root)"; exit 1
  fi
fi
[ "$(id -u)" = 0 ] || { echo "the end-to-end suite needs root (mount namespaces, setpriv, PostgreSQL as its own user)"; exit 1; }

bash e2e/install/build-components.sh
# The suite's own test workload (Go, go-spiffe), built before the network goes away.
(cd e2e/workloads && GOFLAGS=-mod=readonly go build -o "${SPIRE_E2E_CACHE:-$HOME/.cache/spire-constructs-e2e}/workloads/spiffe-http" ./spiffe-http)
# Istio's sidecar authz/authn code run on the generated policy (Go, istio.io/istio at the version
# of e2e/components.json); the Go build cache istioctl's build filled makes this quick.
echo "[build $(date +%H:%M:%S)] e2e/istio-authz"
istio=$(python3 -c 'import json; print(json.load(open("e2e/components.json"))["istio"])')
grep -q "^require istio.io/istio v$istio\$\|^[[:space:]]istio.io/istio v$istio\$" e2e/istio-authz/go.mod ||
  { echo "e2e/istio-authz/go.mod must require istio.io/istio v$istio (e2e/components.json)"; exit 1; }
(cd e2e/istio-authz && GOFLAGS=-mod=readonly go build -trimpath -o "${SPIRE_E2E_CACHE:-$HOME/.cache/spire-constructs-e2e}/workloads/istio-authz" .)
# Cilium's policy parsing and policy repository run on the generated policies (Go,
# github.com/cilium/cilium at the version of e2e/components.json).
echo "[build $(date +%H:%M:%S)] e2e/cilium-policy"
cilium=$(python3 -c 'import json; print(json.load(open("e2e/components.json"))["cilium"])')
grep -q "^require github.com/cilium/cilium v$cilium\$\|^[[:space:]]github.com/cilium/cilium v$cilium\$" e2e/cilium-policy/go.mod ||
  { echo "e2e/cilium-policy/go.mod must require github.com/cilium/cilium v$cilium (e2e/components.json)"; exit 1; }
(cd e2e/cilium-policy && GOFLAGS=-mod=readonly go build -trimpath -o "${SPIRE_E2E_CACHE:-$HOME/.cache/spire-constructs-e2e}/workloads/cilium-policy" .)

exec unshare --net -- bash -c 'ip link set lo up && exec npx jest --config e2e/jest.config.json --runInBand --ci --forceExit "$@"' e2e "$@"
