#!/bin/bash
# Start of the bundled Kafka image: one KRaft node (broker and controller) whose log lives in
# KAFKA_DATA_DIR (a volume). The root filesystem is read-only: configuration goes to /tmp.
#   KAFKA_ADVERTISED_HOST  address clients are sent back to (the pod's IP)
#   KAFKA_NUM_PARTITIONS   partitions of an automatically created topic (default 3)
#   KAFKA_HEAP_OPTS        JVM heap (default -Xms128m -Xmx384m)
set -euo pipefail
: "${KAFKA_ADVERTISED_HOST:?KAFKA_ADVERTISED_HOST is required (the pod IP)}"
data=${KAFKA_DATA_DIR:-/data}/kraft
conf=/tmp/kafka
mkdir -p "$conf" "$data"
source /opt/kafka/server-properties.sh
kafka_server_properties "0.0.0.0:9092" "$KAFKA_ADVERTISED_HOST:9092" 9093 "$data" "${KAFKA_NUM_PARTITIONS:-3}" \
  >"$conf/server.properties"
cat >"$conf/log4j2.properties" <<'PROPS'
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = out
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
PROPS
java_opts=(${KAFKA_HEAP_OPTS:--Xms128m -Xmx384m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:-UsePerfData
  -Djava.awt.headless=true -Djava.io.tmpdir=/tmp "-Dlog4j2.configurationFile=$conf/log4j2.properties"
  -cp "/opt/kafka/libs/*")
if [ ! -f "$data/meta.properties" ]; then
  cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | sed 's/^-/A/')
  echo "formatting $data (cluster $cluster_id)"
  java "${java_opts[@]}" kafka.tools.StorageTool format --standalone -t "$cluster_id" \
    -c "$conf/server.properties" --ignore-formatted
fi
exec java "${java_opts[@]}" kafka.Kafka "$conf/server.properties"
