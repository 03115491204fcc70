"""Client stub of grpc.reflection.v1, in the shape nameko-grpc's Grpc.implementing() reads
(a ``<Service>Stub`` in ``<module>_pb2_grpc`` next to ``<module>_pb2``)."""

from cokit.grpc import reflection_v1_pb2 as _pb2


class ServerReflectionStub:
    def __init__(self, channel):
        self.ServerReflectionInfo = channel.stream_stream(
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            request_serializer=_pb2.ServerReflectionRequest.SerializeToString,
            response_deserializer=_pb2.ServerReflectionResponse.FromString,
        )
