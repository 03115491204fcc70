"""Messages of grpc.reflection.v1 (the reflection protocol grpcurl and other tools try
first), derived at import time from grpcio-reflection's v1alpha file.

grpcio-reflection 1.85 ships only v1alpha; v1 is the same protocol under another package, so
the file is copied with the package and type references renamed instead of vendoring
generated code.
"""

from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf import descriptor_pool as _descriptor_pool
from google.protobuf import symbol_database as _symbol_database
from google.protobuf.internal import builder as _builder
from grpc_reflection.v1alpha import reflection_pb2 as _v1alpha

FILE_NAME = "grpc/reflection/v1/reflection.proto"
PACKAGE = "grpc.reflection.v1"

_sym_db = _symbol_database.Default()


def _derive():
    proto = _descriptor_pb2.FileDescriptorProto()
    _v1alpha.DESCRIPTOR.CopyToProto(proto)
    old = "." + proto.package + "."
    proto.name = FILE_NAME
    proto.package = PACKAGE
    proto.options.java_package = "io.grpc.reflection.v1"
    proto.options.go_package = "google.golang.org/grpc/reflection/grpc_reflection_v1"
    for message in proto.message_type:
        for field in message.field:
            if field.type_name.startswith(old):
                field.type_name = "." + PACKAGE + "." + field.type_name[len(old) :]
    for service in proto.service:
        for method in service.method:
            method.input_type = "." + PACKAGE + "." + method.input_type[len(old) :]
            method.output_type = "." + PACKAGE + "." + method.output_type[len(old) :]
    return proto.SerializeToString()


_pool = _descriptor_pool.Default()
try:
    DESCRIPTOR = _pool.FindFileByName(FILE_NAME)
except KeyError:
    DESCRIPTOR = _pool.AddSerializedFile(_derive())

_globals = globals()
_builder.BuildMessageAndEnumDescriptors(DESCRIPTOR, _globals)
_builder.BuildTopDescriptorsAndMessages(DESCRIPTOR, __name__, _globals)
