#!/usr/bin/env bash
# A real single-node Kubernetes on this machine, from Debian's packages (etcd-server,
# containerd, runc, containernetworking-plugins, iptables, ipset) and programs built from the Go
# module proxy (deploy/cluster/build.sh: Kubernetes 1.34, CoreDNS, kube-router):
#
#   etcd            127.0.0.1:12379
#   kube-apiserver  https://10.245.0.1:16443 (the node address, on co-node0, an interface of its own)
#   controller-manager, scheduler (127.0.0.1:10257, :10259), kubelet (10.245.0.1:10250) on
#   containerd (CRI) with runc, pods on the bridge co-cni0 (10.244.0.0/24), Services by
#   kube-proxy (iptables, 10.96.0.0/16), NetworkPolicies by kube-router's firewall, names by
#   CoreDNS (10.96.0.10)
#
# Nothing leaves the machine: pods have no route out (a rule drops whatever they send past the
# bridge), the DNS answers cluster names only, kube-proxy serves no NodePort on loopback, and no
# port above is one the platform's local servers or e2e runs take on 127.0.0.1.
#
# Usage: cluster.sh up|down|status|load|kubeconfig
#   up          builds what is missing, starts everything, waits for the node and the DNS
#   down        stops everything and removes the cluster's state (the images stay imported)
#   load        imports the images of .local/cluster/images.txt into the node (deploy/images/build.sh)
#   kubeconfig  prints the admin kubeconfig's path
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$HERE/network.env"

PKI="$STATE/pki"
LOGS="$STATE/logs"
PIDS="$RUN_DIR/pids"
SOCK="$RUN_DIR/containerd.sock"
KUBELET_DIR="$VAR_DIR/kubelet"
VOLUMES="$VAR_DIR/volumes"
CNI_DIR="$RUN_DIR/cni"
KUBECONFIG="$PKI/admin.kubeconfig"
export KUBECONFIG
COMPONENTS=(etcd containerd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kube-router)

# The pid recorded for a component while that process still is the component: pid files
# outlive a cluster whose processes were killed, and their numbers get reused.
live_pid() {
  local f="$PIDS/$1.pid" pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$1" || return 1
  echo "$pid"
}

# spawn <name> <command>...: detached, own session, log in .local/cluster/logs/<name>.log.
spawn() {
  local name=$1
  shift
  mkdir -p "$LOGS" "$PIDS"
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PIDS/$name.pid" "$@" </dev/null >>"$LOGS/$name.log" 2>&1 &
  local i
  for ((i = 0; i < 50; i++)); do [ -s "$PIDS/$name.pid" ] && return 0; sleep 0.1; done
  die "$name did not start; log: $(rel "$LOGS/$name.log")"
}

# wait_for <name> <timeout> <command>...: polls until the command succeeds.
wait_for() {
  local name=$1 timeout=$2 deadline
  shift 2
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! live_pid "$name" >/dev/null; then
      tail -n 25 "$LOGS/$name.log" >&2 || true
      die "$name exited during start; log: $(rel "$LOGS/$name.log")"
    fi
    ((SECONDS < deadline)) || { tail -n 25 "$LOGS/$name.log" >&2 || true; die "$name: not ready within ${timeout}s"; }
    sleep 0.5
  done
}

stop() {
  local name=$1 grace=${2:-20} pid i
  pid=$(live_pid "$name") || { rm -f "$PIDS/$name.pid"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PIDS/$name.pid"
  info "cluster: stopped $name"
}

kubectl() { "$BIN/kubectl" "$@"; }

need_packages() {
  apt_need etcd etcd-server
  apt_need containerd containerd
  apt_need runc runc
  apt_need /usr/lib/cni/bridge containernetworking-plugins
  apt_need iptables iptables
  apt_need ipset ipset
  apt_need conntrack conntrack
  apt_need openssl openssl
}

# --- the host's side: interface, routes, kernel settings, guard rules --------------------

network_up() {
  # A bridge with no ports: this kernel has no dummy interfaces, and nothing leaves through it.
  ip link show "$NODE_IF" >/dev/null 2>&1 || ip link add "$NODE_IF" type bridge
  ip addr replace "$NODE_IP/32" dev "$NODE_IF"
  ip link set "$NODE_IF" up
  # Service and pod addresses never take the default route out of the machine: what
  # kube-proxy does not rewrite to a pod ends on that interface, which has no way out.
  ip route replace "$SERVICE_CIDR" dev "$NODE_IF" src "$NODE_IP"
  ip route replace "$CLUSTER_CIDR" dev "$NODE_IF" src "$NODE_IP"
  if [ ! -f "$RUN_DIR/sysctl.saved" ]; then
    sysctl -n net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables >"$RUN_DIR/sysctl.saved"
  fi
  sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
  # Pods talk to pods, Services and this machine; nothing they send is forwarded anywhere else,
  # and the node address answers only this machine and its pods.
  iptables -N CITIZENOFFICE-GUARD 2>/dev/null || iptables -F CITIZENOFFICE-GUARD
  iptables -A CITIZENOFFICE-GUARD -s "$CLUSTER_CIDR" -d "$CLUSTER_CIDR" -j RETURN
  iptables -A CITIZENOFFICE-GUARD -s "$CLUSTER_CIDR" -m comment --comment "citizenoffice cluster: pods reach nothing outside this machine" -j DROP
  iptables -A CITIZENOFFICE-GUARD -d "$CLUSTER_CIDR" ! -s "$CLUSTER_CIDR" ! -i "$BRIDGE" -m addrtype ! --src-type LOCAL -j DROP
  iptables -C FORWARD -j CITIZENOFFICE-GUARD 2>/dev/null || iptables -I FORWARD 1 -j CITIZENOFFICE-GUARD
  iptables -N CITIZENOFFICE-NODE 2>/dev/null || iptables -F CITIZENOFFICE-NODE
  iptables -A CITIZENOFFICE-NODE -i lo -j RETURN
  iptables -A CITIZENOFFICE-NODE -i "$BRIDGE" -j RETURN
  iptables -A CITIZENOFFICE-NODE -m comment --comment "citizenoffice cluster: the node address answers this machine only" -j DROP
  iptables -C INPUT -d "$NODE_IP" -j CITIZENOFFICE-NODE 2>/dev/null || iptables -I INPUT 1 -d "$NODE_IP" -j CITIZENOFFICE-NODE
  mkdir -p "$CNI_DIR/net.d" "$CNI_DIR/ipam"
  cat >"$CNI_DIR/net.d/10-citizenoffice.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "citizenoffice",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$CNI_DIR/ipam",
        "ranges": [[{"subnet": "$POD_CIDR"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
}

# Removes every rule and chain of the cluster's programs and of this script from each table,
# leaving every other rule of the machine as it was.
iptables_clean() {
  local table saved
  for table in filter nat mangle raw; do
    saved=$(iptables-save -t "$table" 2>/dev/null) || continue
    grep -qE -- "-j (KUBE-|CNI-|CITIZENOFFICE-)|^:(KUBE-|CNI-|CITIZENOFFICE-)" <<<"$saved" || continue
    grep -vE -- "^:(KUBE-|CNI-|CITIZENOFFICE-)|^-A (KUBE-|CNI-|CITIZENOFFICE-)|-j (KUBE-|CNI-|CITIZENOFFICE-)" <<<"$saved" |
      iptables-restore || info "cluster: could not remove the cluster's rules from the $table table"
  done
  local set
  for set in $(ipset list -n 2>/dev/null | grep -E '^(KUBE-|kube-router)' || true); do ipset destroy "$set" 2>/dev/null || true; done
}

network_down() {
  iptables_clean
  ip link del "$BRIDGE" 2>/dev/null || true
  ip route del "$SERVICE_CIDR" 2>/dev/null || true
  ip route del "$CLUSTER_CIDR" 2>/dev/null || true
  ip link del "$NODE_IF" 2>/dev/null || true
  if [ -f "$RUN_DIR/sysctl.saved" ]; then
    local fwd nf
    { read -r fwd; read -r nf; } <"$RUN_DIR/sysctl.saved"
    sysctl -qw "net.ipv4.ip_forward=$fwd" "net.bridge.bridge-nf-call-iptables=$nf" || true
    rm -f "$RUN_DIR/sysctl.saved"
  fi
}

# Whatever a cluster left behind when its processes were killed instead of stopped: pod
# containers and their shims, network namespaces, mounts.
leftovers_clean() {
  local pid ns m
  for pid in $(pgrep -f "containerd-shim-runc-v2 -namespace k8s.io -address $SOCK" || true); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  for ns in $(ip netns list 2>/dev/null | awk '/^cni-/{print $1}'); do ip netns delete "$ns" 2>/dev/null || true; done
  for m in $(awk -v a="$RUN_DIR" -v b="$VAR_DIR" 'index($5, a) == 1 || index($5, b) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
}

# --- components ----------------------------------------------------------------------------

start_etcd() {
  live_pid etcd >/dev/null && return 0
  mkdir -p "$STATE/etcd" && chmod 700 "$STATE/etcd"
  info "cluster: starting etcd $(etcd --version 2>/dev/null | awk '/etcd Version/{print $3}') on 127.0.0.1:$ETCD_CLIENT_PORT"
  spawn etcd etcd --name citizenoffice --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "citizenoffice=http://127.0.0.1:$ETCD_PEER_PORT" --quota-backend-bytes 2147483648 \
    --logger zap --log-level warn
  wait_for etcd 60 curl -fsS "http://127.0.0.1:$ETCD_CLIENT_PORT/health"
}

start_containerd() {
  live_pid containerd >/dev/null && return 0
  mkdir -p "$VAR_DIR/containerd" "$RUN_DIR/containerd"
  cat >"$RUN_DIR/containerd.toml" <<EOF
version = 2
root = "$VAR_DIR/containerd"
state = "$RUN_DIR/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  level = "warn"
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  disable_apparmor = true
  # Processes here lack CAP_SYS_RESOURCE, so no container may ask for a lower OOM score than
  # containerd's own (pod sandboxes ask for -998).
  restrict_oom_score_adj = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CNI_DIR/net.d"
EOF
  info "cluster: starting containerd $(containerd --version | awk '{print $3}') with runc $(runc --version | awk 'NR==1{print $3}')"
  spawn containerd containerd --config "$RUN_DIR/containerd.toml"
  wait_for containerd 60 ctr --address "$SOCK" version
}

ctr_k8s() { ctr --address "$SOCK" -n k8s.io "$@"; }

# import_archive <ref> <archive>: into the node's image store unless it is there already.
import_archive() {
  local ref=$1 archive=$2
  ctr_k8s images ls -q | grep -qxF "$ref" && return 0
  info "cluster: importing $ref"
  ctr_k8s images import --no-unpack=false "$archive" >/dev/null || die "importing $archive failed"
}

start_apiserver() {
  live_pid kube-apiserver >/dev/null && return 0
  info "cluster: starting kube-apiserver $("$BIN/kube-apiserver" --version | awk '{print $2}') on https://$NODE_IP:$API_PORT"
  spawn kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --bind-address="$NODE_IP" --advertise-address="$NODE_IP" --secure-port="$API_PORT" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=InternalIP \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --anonymous-auth=false --profiling=false --allow-privileged=false --event-ttl=1h \
    --endpoint-reconciler-type=lease --v=1
  wait_for kube-apiserver 120 kubectl get --raw /readyz
}

start_controllers() {
  if ! live_pid kube-controller-manager >/dev/null; then
    info "cluster: starting kube-controller-manager and kube-scheduler"
    spawn kube-controller-manager "$BIN/kube-controller-manager" \
      --kubeconfig="$PKI/controller-manager.kubeconfig" \
      --authentication-kubeconfig="$PKI/controller-manager.kubeconfig" \
      --authorization-kubeconfig="$PKI/controller-manager.kubeconfig" \
      --bind-address=127.0.0.1 --secure-port=10257 --leader-elect=false \
      --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
      --use-service-account-credentials=true --controllers='*,-cloud-node-lifecycle' \
      --allocate-node-cidrs=true --cluster-cidr="$CLUSTER_CIDR" --node-cidr-mask-size=24 \
      --service-cluster-ip-range="$SERVICE_CIDR" --profiling=false --v=1
  fi
  if ! live_pid kube-scheduler >/dev/null; then
    spawn kube-scheduler "$BIN/kube-scheduler" \
      --kubeconfig="$PKI/scheduler.kubeconfig" \
      --authentication-kubeconfig="$PKI/scheduler.kubeconfig" \
      --authorization-kubeconfig="$PKI/scheduler.kubeconfig" \
      --bind-address=127.0.0.1 --secure-port=10259 --leader-elect=false --profiling=false --v=1
  fi
}

start_kubelet() {
  live_pid kubelet >/dev/null && return 0
  mkdir -p "$KUBELET_DIR"
  : >"$RUN_DIR/resolv.conf"
  cat >"$RUN_DIR/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: "$NODE_IP"
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: "$PKI/ca.crt"}
authorization: {mode: Webhook}
tlsCertFile: "$PKI/kubelet.crt"
tlsPrivateKeyFile: "$PKI/kubelet.key"
containerRuntimeEndpoint: "unix://$SOCK"
cgroupDriver: cgroupfs
# This machine has cgroups v1 only; kubelet 1.34 refuses it unless told.
failCgroupV1: false
failSwapOn: false
clusterDNS: ["$DNS_SERVICE_IP"]
clusterDomain: cluster.local
# Pods get the cluster DNS only, never this machine's resolver.
resolvConf: "$RUN_DIR/resolv.conf"
maxPods: 60
serializeImagePulls: false
# Other work shares this machine's disk: evict only when it is really full.
evictionHard: {memory.available: "256Mi", nodefs.available: "2%", imagefs.available: "2%", nodefs.inodesFree: "2%"}
imageGCHighThresholdPercent: 98
imageGCLowThresholdPercent: 95
EOF
  info "cluster: starting kubelet on $NODE_IP (node $NODE_NAME)"
  spawn kubelet "$BIN/kubelet" --config="$RUN_DIR/kubelet.yaml" --kubeconfig="$PKI/node.kubeconfig" \
    --root-dir="$KUBELET_DIR" --node-ip="$NODE_IP" --hostname-override="$NODE_NAME" --v=1
  wait_for kubelet 120 kubectl get node "$NODE_NAME"
}

start_proxy() {
  if ! live_pid kube-proxy >/dev/null; then
    cat >"$RUN_DIR/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: "$PKI/kube-proxy.kubeconfig"}
hostnameOverride: "$NODE_NAME"
mode: iptables
clusterCIDR: "$CLUSTER_CIDR"
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# NodePorts only on the node address, never on loopback: 127.0.0.1 belongs to the machine's
# other servers.
nodePortAddresses: ["$NODE_IP/32"]
iptables: {localhostNodePorts: false}
# The machine's connection-tracking limits stay as they are.
conntrack: {maxPerCore: 0, min: 0}
EOF
    info "cluster: starting kube-proxy (iptables) and kube-router (network policies)"
    spawn kube-proxy "$BIN/kube-proxy" --config="$RUN_DIR/kube-proxy.yaml" --v=1
  fi
  if ! live_pid kube-router >/dev/null; then
    spawn kube-router "$ROUTER_BIN/kube-router" --kubeconfig="$PKI/kube-router.kubeconfig" \
      --hostname-override="$NODE_NAME" --run-firewall=true --run-router=false --run-service-proxy=false \
      --enable-cni=false --health-port=0 --metrics-port=0 \
      --service-cluster-ip-range="$SERVICE_CIDR" --v=1
  fi
}

apply() { # <manifest> : with @NAME@ filled from the environment of this script
  local text
  text=$(cat "$HERE/manifests/$1")
  text=${text//@DNS_SERVICE_IP@/$DNS_SERVICE_IP}
  text=${text//@COREDNS_IMAGE@/$COREDNS_IMAGE}
  text=${text//@VOLUME_DIR@/$VOLUMES}
  kubectl apply -f - <<<"$text" >/dev/null
}

# PersistentVolumes as folders of this machine, owned by the user every image runs as.
volumes() {
  local i
  mkdir -p "$VOLUMES"
  for i in 1 2 3 4 5 6 7 8; do
    mkdir -p "$VOLUMES/pv$i"
    chown 10001:10001 "$VOLUMES/pv$i"
    chmod 0750 "$VOLUMES/pv$i"
    kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: PersistentVolume
metadata: {name: local-pv$i}
spec:
  capacity: {storage: 50Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: local
  local: {path: "$VOLUMES/pv$i"}
  nodeAffinity:
    required:
      nodeSelectorTerms:
        - matchExpressions:
            - {key: kubernetes.io/hostname, operator: In, values: ["$NODE_NAME"]}
EOF
  done
}

# binary_image <name> <program> <uid>: an image of one static program run as <uid>; sets IMAGE
# (its reference) and ARCHIVE (its file in .cache/cluster/images).
binary_image() {
  local name=$1 program=$2 uid=$3 stage key
  key=$(sha256sum "$program" | cut -c1-12)
  IMAGE="docker.io/citizenoffice/$name:$key"
  ARCHIVE="$CLUSTER_CACHE/images/$name-$key.tar"
  [ -f "$ARCHIVE" ] && return 0
  mkdir -p "$CLUSTER_CACHE/images" "$CLUSTER_CACHE/work"
  stage="$CLUSTER_CACHE/work/$name" && rm -rf "$stage" && mkdir -p "$stage"
  install -m 0755 "$program" "$stage/$name"
  tar -C "$stage" --numeric-owner --owner=0 --group=0 --mtime=@0 -cf "$stage.tar" "$name"
  echo "{\"User\":\"$uid:$uid\",\"Entrypoint\":[\"/$name\"]}" >"$stage.json"
  python3 "$ROOT/deploy/images/archive.py" "$ARCHIVE" "citizenoffice/$name:$key" "$stage.json" "$stage.tar" >/dev/null
  rm -rf "$stage" "$stage.tar" "$stage.json"
}

binaries() {
  BIN=$(bash "$HERE/build.sh" kubernetes)
  ROUTER_BIN=$(bash "$HERE/build.sh" kube-router)
  # The images of the cluster itself: the pod sandbox and the DNS.
  binary_image pause "$(bash "$HERE/build.sh" pause)/pause" 65535
  PAUSE_IMAGE=$IMAGE PAUSE_ARCHIVE=$ARCHIVE
  binary_image coredns "$(bash "$HERE/build.sh" coredns)/coredns" 65532
  COREDNS_IMAGE=$IMAGE COREDNS_ARCHIVE=$ARCHIVE
}

owner_check() {
  local owner
  owner=$(cat "$RUN_DIR/owner" 2>/dev/null || true)
  if [ -n "$owner" ] && [ "$owner" != "$ROOT" ] && live_pid kube-apiserver >/dev/null; then
    die "a cluster started from $owner runs on this machine; run 'make cluster-down' there first"
  fi
}

up() {
  [ "$(id -u)" -eq 0 ] || die "the cluster needs root (network interfaces, iptables, containers)"
  mkdir -p "$RUN_DIR" "$VAR_DIR" "$STATE"
  owner_check
  local started=$SECONDS
  need_packages
  binaries
  if ! live_pid kube-apiserver >/dev/null && ! live_pid containerd >/dev/null; then
    # A cluster whose processes were killed (a session or CI run that ended) left these.
    leftovers_clean
    iptables_clean
    # A new etcd knows no volume and no pod: their folders of an earlier cluster go too (an
    # old database opened with new Secrets would refuse them).
    [ -d "$STATE/etcd/member" ] || rm -rf "$VOLUMES" "$KUBELET_DIR" "$CNI_DIR"
  fi
  echo "$ROOT" >"$RUN_DIR/owner"
  bash "$HERE/pki.sh"
  network_up
  start_etcd
  start_containerd
  import_archive "$PAUSE_IMAGE" "$PAUSE_ARCHIVE"
  import_archive "$COREDNS_IMAGE" "$COREDNS_ARCHIVE"
  start_apiserver
  start_controllers
  apply kube-router.yaml
  apply storage.yaml
  volumes
  start_kubelet
  start_proxy
  apply coredns.yaml
  info "cluster: waiting for the node and the DNS"
  kubectl wait --for=condition=Ready "node/$NODE_NAME" --timeout=180s >/dev/null || die "the node is not Ready; logs in $(rel "$LOGS")"
  kubectl -n kube-system rollout status deployment/coredns --timeout=180s >/dev/null ||
    die "CoreDNS is not ready; kubectl -n kube-system describe pod -l k8s-app=kube-dns"
  info "cluster: up in $((SECONDS - started)) s; kubectl --kubeconfig $(rel "$KUBECONFIG") get pods -A"
}

load() {
  live_pid containerd >/dev/null || die "the cluster is not running: make cluster-up"
  [ -f "$STATE/images.txt" ] || die "no images built: deploy/images/build.sh"
  local name ref archive size started=$SECONDS
  while read -r name ref archive size; do
    import_archive "$ref" "$archive"
  done <"$STATE/images.txt"
  # Earlier builds of the platform's images leave the node's store (running containers keep
  # what they use); the cluster's own pause and CoreDNS stay.
  local old
  for old in $(ctr_k8s images ls -q | grep '^docker.io/citizenoffice/' | grep -vE '/(pause|coredns):'); do
    grep -qF " $old " "$STATE/images.txt" || ctr_k8s images rm "$old" >/dev/null 2>&1 || true
  done
  info "cluster: images in the node ($((SECONDS - started)) s)"
}

down() {
  [ "$(id -u)" -eq 0 ] || die "the cluster needs root"
  mkdir -p "$RUN_DIR"
  local started=$SECONDS bin
  stop kube-router 10
  stop kube-proxy 10
  stop kubelet 20
  if live_pid containerd >/dev/null; then
    # Every pod's containers and sandboxes, so their network namespaces and mounts go too.
    local id
    for id in $(ctr_k8s tasks ls -q 2>/dev/null); do ctr_k8s tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
    sleep 1
    for id in $(ctr_k8s tasks ls -q 2>/dev/null); do ctr_k8s tasks delete -f "$id" >/dev/null 2>&1 || true; done
    for id in $(ctr_k8s containers ls -q 2>/dev/null); do ctr_k8s containers delete "$id" >/dev/null 2>&1 || true; done
  fi
  stop containerd 20
  stop kube-scheduler 10
  stop kube-controller-manager 10
  stop kube-apiserver 20
  stop etcd 20
  leftovers_clean
  network_down
  # The cluster's state goes; the image store (containerd's content) stays for the next up.
  rm -rf "$STATE/etcd" "$KUBELET_DIR" "$VOLUMES" "$CNI_DIR" "$RUN_DIR/containerd" "$RUN_DIR/owner"
  info "cluster: down in $((SECONDS - started)) s"
}

status() {
  local name pid rc=0
  for name in "${COMPONENTS[@]}"; do
    if pid=$(live_pid "$name"); then
      printf '%-24s running  pid %-8s rss %6d MB\n' "$name" "$pid" $(($(awk '/VmRSS/{print $2}' "/proc/$pid/status") / 1024))
    else
      printf '%-24s stopped\n' "$name"
      rc=3
    fi
  done
  return $rc
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  load) load ;;
  kubeconfig) echo "$KUBECONFIG" ;;
  *) die "usage: $0 up|down|status|load|kubeconfig" ;;
esac
