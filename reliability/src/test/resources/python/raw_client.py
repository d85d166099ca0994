"""A grpcio client that keeps calls in flight until it is killed (used by KilledClientsTest).

Usage: raw_client.py HOST:PORT REQUEST_FILE SEED
  REQUEST_FILE  one serialized glyph.v1.ClassifyRequest (sent as raw bytes; no generated stubs needed)

Opens a ClassifyStream that sends the request without end, and keeps four unary Classify calls and
one stream of GetModelInfo calls going from threads. Prints "ready" once responses arrive, then
runs until the test sends SIGKILL.
"""
import random
import sys
import threading

import grpc


def main():
    target, request_file, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    request = open(request_file, "rb").read()
    rnd = random.Random(seed)
    channel = grpc.insecure_channel(target)
    classify = channel.unary_unary("/glyph.v1.Classifier/Classify")
    stream = channel.stream_stream("/glyph.v1.Classifier/ClassifyStream")
    info = channel.unary_unary("/glyph.v1.Classifier/GetModelInfo")
    classify(request, timeout=60)
    got = threading.Event()

    def unary_loop():
        while True:
            classify(request, timeout=60)
            info(b"", timeout=60)
            got.set()

    for _ in range(4):
        threading.Thread(target=unary_loop, daemon=True).start()

    def requests():
        while True:
            yield request

    # a stream that is read slowly, so that the server holds requests of it in flight
    for i, _ in enumerate(stream(requests(), timeout=600)):
        if i == 8:
            print("ready", flush=True)
        if rnd.random() < 0.1:
            threading.Event().wait(0.01)


if __name__ == "__main__":
    main()
