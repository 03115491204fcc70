#!/bin/bash
# Start of the bundled S3 server image: S3Proxy on a filesystem backend, configured by the
# same environment variables as S3Proxy's own image (S3PROXY_ENDPOINT, S3PROXY_AUTHORIZATION,
# S3PROXY_IDENTITY, S3PROXY_CREDENTIAL, JCLOUDS_PROVIDER, JCLOUDS_FILESYSTEM_BASEDIR). The root
# filesystem is read-only: the properties go to /tmp.
set -euo pipefail
: "${S3PROXY_IDENTITY:?}" "${S3PROXY_CREDENTIAL:?}"
conf=/tmp/s3proxy
mkdir -p "$conf" "${JCLOUDS_FILESYSTEM_BASEDIR:-/data}"
provider=${JCLOUDS_PROVIDER:-filesystem-nio2}
# filesystem-nio2 is S3Proxy 4's filesystem backend (deploy/local uses it too).
[ "$provider" != filesystem ] || provider=filesystem-nio2
umask 077
source /opt/s3proxy/config.sh
s3proxy_properties "${S3PROXY_ENDPOINT:-http://0.0.0.0:8333}" "$S3PROXY_IDENTITY" "$S3PROXY_CREDENTIAL" "$provider" \
  "${JCLOUDS_FILESYSTEM_BASEDIR:-/data}" "${JCLOUDS_REGIONS:-us-east-1}" >"$conf/s3proxy.properties"
s3proxy_logback >"$conf/logback.xml"
exec java ${S3PROXY_HEAP_OPTS:--Xms64m -Xmx256m} -XX:+UseSerialGC -XX:-UsePerfData -Djava.awt.headless=true \
  -Djava.io.tmpdir=/tmp -Dlogback.configurationFile="$conf/logback.xml" \
  -cp "/opt/s3proxy/libs/*" org.gaul.s3proxy.Main --properties "$conf/s3proxy.properties"
