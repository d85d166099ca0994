"""A tiny outside client of the glyph.v1.Classifier gRPC service (used by PythonClientTest).

Usage: glyph_client.py STUB_DIR HOST:PORT IMAGES_FILE
  STUB_DIR     where `python3 -m grpc_tools.protoc` wrote glyph/v1/classifier_pb2*.py
  IMAGES_FILE  N*784 bytes: N gray8 images (0 = background)

Prints `model NAME VERSION`, one `INDEX LABEL CONFIDENCE PROBSUM` line per image, and
`error CODE DETAILS` for a deliberately malformed request.
"""
import sys

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
from glyph.v1 import classifier_pb2, classifier_pb2_grpc  # noqa: E402


def main():
    target, images_file = sys.argv[2], sys.argv[3]
    data = open(images_file, "rb").read()
    n = len(data) // 784
    with grpc.insecure_channel(target) as channel:
        stub = classifier_pb2_grpc.ClassifierStub(channel)
        info = stub.GetModelInfo(classifier_pb2.GetModelInfoRequest(), timeout=30)
        print("model", info.name, info.version)
        request = classifier_pb2.ClassifyRequest(
            images=[classifier_pb2.Image(gray8=data[i * 784:(i + 1) * 784]) for i in range(n)],
            return_probabilities=True)
        response = stub.Classify(request, timeout=30)
        for i, p in enumerate(response.predictions):
            print(i, p.label, "%.6f" % p.confidence, "%.4f" % sum(p.probabilities))
        try:
            stub.Classify(classifier_pb2.ClassifyRequest(
                images=[classifier_pb2.Image(gray8=data[:784]), classifier_pb2.Image(gray8=b"\x00" * 100)]),
                timeout=30)
            print("error none")
        except grpc.RpcError as e:
            print("error", e.code().name, e.details())


if __name__ == "__main__":
    main()
