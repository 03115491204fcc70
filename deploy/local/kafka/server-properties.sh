# The single-node KRaft configuration of deploy/local/kafka.sh and of the bundled Kafka image
# (deploy/images/kafka/run.sh), sourced by both.
# kafka_server_properties <listener host:port> <advertised host:port> <controller port> <log dir> <partitions>
kafka_server_properties() {
  cat <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$3
listeners=PLAINTEXT://$1,CONTROLLER://127.0.0.1:$3
advertised.listeners=PLAINTEXT://$2,CONTROLLER://127.0.0.1:$3
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$4
num.partitions=$5
auto.create.topics.enable=true
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
# Fewer offsets partitions than the default 50: the first consumer group of a fresh
# cluster then starts in well under a second on a small machine.
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
PROPS
}
