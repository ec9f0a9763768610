#!/usr/bin/env bash
# Builds the real control plane the tests run against (kube-apiserver,
# kube-controller-manager, kubectl, etcd, helm) from the Go module proxy into a cache
# folder outside the clone, keyed by the pinned versions:
#   ${RUNBOOK_TUI_CACHE:-~/.cache/runbook-tui}/controlplane-<id>/bin
# A warm cache is a no-op (a stamp file holding the hash of go.mod/go.sum/this script).
# Prints the bin folder on its last line. Cold build: see README (tens of minutes on 2 cores).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
. "$here/versions.sh"

cache_root="${RUNBOOK_TUI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/runbook-tui}"
out="$cache_root/controlplane-$CONTROLPLANE_ID"
bin="$out/bin"
stamp="$out/.built"
want="$(cat "$here/go.mod" "$here/go.sum" "$here/versions.sh" "$0" | sha256sum | cut -d' ' -f1)"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "controlplane: Go is not installed; the tests build the real Kubernetes control plane from Go modules." >&2
  echo "Install Go >= 1.26 (https://go.dev/doc/install, or your distribution's golang package) and run again." >&2
  exit 1
fi
go_minor="$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')"
if [[ "$go_minor" =~ ^[0-9]+$ ]] && (( go_minor < 26 )); then
  echo "controlplane: Go $(go env GOVERSION) is too old; Kubernetes ${KUBE_VERSION} needs Go >= 1.26." >&2
  exit 1
fi
for v in "$KUBE_VERSION" "$ETCD_VERSION" "$HELM_VERSION"; do
  grep -qE " $v( |$)" "$here/go.mod" || { echo "controlplane: versions.sh says $v but go.mod does not pin it" >&2; exit 1; }
done

mkdir -p "$bin"
tmp="$(mktemp -d "$out/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
major="${KUBE_VERSION#v}"; minor="${major#*.}"; major="${major%%.*}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
ldflags+=" -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION"

start=$SECONDS
cd "$here"
echo "controlplane: building $CONTROLPLANE_ID into $bin (a cold build takes tens of minutes)" >&2
GOFLAGS="${GOFLAGS:-} -trimpath" CGO_ENABLED=0 go build -ldflags "$ldflags" -o "$tmp/" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kubectl \
  helm.sh/helm/v4/cmd/helm \
  go.etcd.io/etcd/server/v3
# go build names a module-root main package after its last path element less a major
# version suffix: go.etcd.io/etcd/server/v3 becomes "server".
mv "$tmp/server" "$tmp/etcd"
for b in kube-apiserver kube-controller-manager kubectl helm etcd; do mv -f "$tmp/$b" "$bin/$b"; done
echo "$want" > "$stamp"
echo "controlplane: built in $((SECONDS - start)) s" >&2
echo "$bin"
