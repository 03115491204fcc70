# S3Proxy's configuration for deploy/local/s3.sh and the bundled S3 image
# (deploy/images/s3proxy/run.sh), sourced by both.
# s3proxy_properties <endpoint URL> <identity> <credential> <provider> <folder> <region>
s3proxy_properties() {
  cat <<PROPS
s3proxy.endpoint=$1
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$2
s3proxy.credential=$3
jclouds.provider=$4
jclouds.identity=$2
jclouds.credential=$3
jclouds.filesystem.basedir=$5
jclouds.regions=$6
PROPS
}

# S3Proxy ships no logging configuration, and Logback's default logs every Jetty event.
s3proxy_logback() {
  cat <<'XML'
<configuration>
  <appender name="out" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{ISO8601} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
  </appender>
  <logger name="org.gaul.shaded" level="WARN"/>
  <root level="INFO"><appender-ref ref="out"/></root>
</configuration>
XML
}
