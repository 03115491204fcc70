#!/usr/bin/env bash
# Certificates and kubeconfigs of the local cluster, made with openssl into .local/cluster/pki
# once (kept across cluster-down/up; delete the folder to make new ones).
#   ca            the cluster's certificate authority (10 years)
#   apiserver     kube-apiserver's serving certificate (node address, service IP, names)
#   kubelet       kubelet's serving certificate
#   sa            the key pair that signs service account tokens
#   clients       admin (system:masters), the node (system:node:<node>), the controller
#                 manager, the scheduler, kube-proxy, kube-router and the apiserver's kubelet
#                 client, each with its kubeconfig
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$HERE/network.env"

PKI="$STATE/pki"
mkdir -p "$PKI"
chmod 700 "$PKI"
cd "$PKI"

key() { [ -f "$1.key" ] || openssl ecparam -name prime256v1 -genkey -noout -out "$1.key" 2>/dev/null; }

# sign <name> <subject> <extensions>
sign() {
  local name=$1 subject=$2 ext=$3
  [ -f "$name.crt" ] && return 0
  key "$name"
  openssl req -new -key "$name.key" -subj "$subject" -out "$name.csr" 2>/dev/null
  printf '%s\n' "$ext" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -sha256 \
    -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

kubeconfig() { # <name> <server>
  cat >"$1.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: citizenoffice-local
    cluster: {certificate-authority: $PKI/ca.crt, server: "$2"}
users:
  - name: $1
    user: {client-certificate: $PKI/$1.crt, client-key: $PKI/$1.key}
contexts:
  - name: citizenoffice-local
    context: {cluster: citizenoffice-local, user: $1}
current-context: citizenoffice-local
EOF
  chmod 600 "$1.kubeconfig"
}

if [ ! -f ca.crt ]; then
  info "cluster: making the certificate authority and certificates in $(rel "$PKI") (first run only)"
  key ca
  openssl req -x509 -new -key ca.key -subj "/CN=citizenoffice-local-ca" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.crt 2>/dev/null
fi
[ -f sa.key ] || { openssl genrsa -out sa.key 2048 2>/dev/null && openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null; }

server_ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth"
client_ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"

sign apiserver "/CN=kube-apiserver" "$server_ext
subjectAltName=IP:$NODE_IP,IP:$API_SERVICE_IP,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
sign kubelet "/CN=$NODE_NAME" "$server_ext
subjectAltName=IP:$NODE_IP,DNS:$NODE_NAME"
sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client_ext"
sign admin "/O=system:masters/CN=citizenoffice-admin" "$client_ext"
sign node "/O=system:nodes/CN=system:node:$NODE_NAME" "$client_ext"
sign controller-manager "/CN=system:kube-controller-manager" "$client_ext"
sign scheduler "/CN=system:kube-scheduler" "$client_ext"
sign kube-proxy "/CN=system:kube-proxy" "$client_ext"
sign kube-router "/CN=citizenoffice:kube-router" "$client_ext"
rm -f ca.srl

for name in admin node controller-manager scheduler kube-proxy kube-router; do
  kubeconfig "$name" "https://$NODE_IP:$API_PORT"
done
