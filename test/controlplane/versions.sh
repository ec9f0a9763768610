# Pinned versions of the control plane the tests run against; sourced by build.sh.
# Keep in step with go.mod (build.sh checks). KUBE_VERSION is also stamped into the
# binaries so kubectl/helm/the apiserver report the release they are.
KUBE_VERSION=v1.37.2
ETCD_VERSION=v3.7.3
HELM_VERSION=v4.3.2
CONTROLPLANE_ID="kube-${KUBE_VERSION}-etcd-${ETCD_VERSION}-helm-${HELM_VERSION}"
