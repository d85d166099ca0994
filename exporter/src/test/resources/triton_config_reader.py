# Outside reader of Triton's config.pbtxt as export writes it, with Debian's python3-grpc-tools and
# python3-protobuf.
# usage: triton_config_reader.py PROTO_FILE CONFIG_PBTXT OUT_DIR
#   compiles PROTO_FILE (Glyph's triton/model_config.proto) with grpc_tools.protoc into OUT_DIR, parses
#   CONFIG_PBTXT with google.protobuf.text_format.Parse into inference.ModelConfig (strict: an unknown field
#   or a syntax error fails), and prints one JSON line: the message as a dict (proto field names) and the
#   message printed again by Python's text_format.
import importlib
import json
import os
import sys

from google.protobuf import json_format, text_format
from grpc_tools import protoc

proto_file, config_file, out_dir = sys.argv[1], sys.argv[2], sys.argv[3]
include = os.path.dirname(os.path.dirname(os.path.abspath(proto_file)))
rel = os.path.relpath(os.path.abspath(proto_file), include)
rc = protoc.main(["protoc", "-I" + include, "--python_out=" + out_dir, rel])
if rc != 0:
    raise SystemExit("protoc failed with exit code %d on %s" % (rc, proto_file))
sys.path.insert(0, out_dir)
module = importlib.import_module(rel[: -len(".proto")].replace(os.sep, ".") + "_pb2")

with open(config_file, encoding="utf-8") as f:
    config = text_format.Parse(f.read(), module.ModelConfig())
print(json.dumps({
    "full_name": config.DESCRIPTOR.full_name,
    "config": json_format.MessageToDict(config, preserving_proto_field_name=True),
    "text": text_format.MessageToString(config),
}))
