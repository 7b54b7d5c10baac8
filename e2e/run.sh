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

exec unshare --net -- bash -c 'ip link set lo up && exec npx jest --config e2e/jest.config.json --runInBand --ci --forceExit "$@"' e2e "$@"
