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
[ "$provider" != filesystem ] || provider=filesystem-nio2
umask 077
cat >"$conf/s3proxy.properties" <<PROPS
s3proxy.endpoint=${S3PROXY_ENDPOINT:-http://0.0.0.0:8333}
s3proxy.authorization=${S3PROXY_AUTHORIZATION:-aws-v2-or-v4}
s3proxy.identity=$S3PROXY_IDENTITY
s3proxy.credential=$S3PROXY_CREDENTIAL
jclouds.provider=$provider
jclouds.identity=$S3PROXY_IDENTITY
jclouds.credential=$S3PROXY_CREDENTIAL
jclouds.filesystem.basedir=${JCLOUDS_FILESYSTEM_BASEDIR:-/data}
jclouds.regions=${JCLOUDS_REGIONS:-us-east-1}
PROPS
cat >"$conf/logback.xml" <<'XML'
<configuration>
  <appender name="out" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{ISO8601} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
  </appender>
  <logger name="org.gaul.shaded" level="WARN"/>
  <root level="INFO"><appender-ref ref="out"/></root>
</configuration>
XML
exec java ${S3PROXY_HEAP_OPTS:--Xms64m -Xmx256m} -XX:+UseSerialGC -XX:-UsePerfData -Djava.awt.headless=true \
  -Djava.io.tmpdir=/tmp -Dlogback.configurationFile="$conf/logback.xml" \
  -cp "/opt/s3proxy/libs/*" org.gaul.s3proxy.Main --properties "$conf/s3proxy.properties"
