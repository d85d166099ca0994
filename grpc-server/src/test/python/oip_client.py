"""An outside Open Inference Protocol client of Glyph's gRPC server, written from the specification.

It compiles the protocol's .proto itself (python3 -m grpc_tools.protoc into a temporary folder), so nothing
of the server's generated code is used, then calls every RPC of inference.GRPCInferenceService against a
running server and prints one JSON object (read by OipPythonClientTest).

Usage: oip_client.py PROTO_ROOT HOST:PORT GRAY8_FILE PNG_FILE...
  PROTO_ROOT  the folder holding inference/grpc_predict_v2.proto (proto/src/main/proto)
  GRAY8_FILE  N*784 bytes: N gray8 images (0 = background)
  PNG_FILE    one PNG image per file (sent as a BYTES tensor)
"""
import json
import os
import struct
import subprocess
import sys
import tempfile


def compile_stubs(proto_root, out):
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I" + proto_root, "--python_out=" + out,
                    "--grpc_python_out=" + out, "inference/grpc_predict_v2.proto"], check=True)
    sys.path.insert(0, out)


def main():
    proto_root, target, gray8_file = sys.argv[1], sys.argv[2], sys.argv[3]
    png_files = sys.argv[4:]
    out = tempfile.mkdtemp(prefix="oip-stubs-")
    compile_stubs(proto_root, out)
    import grpc  # noqa: E402
    from inference import grpc_predict_v2_pb2 as pb, grpc_predict_v2_pb2_grpc as pbg  # noqa: E402

    data = open(gray8_file, "rb").read()
    n = len(data) // 784
    images = [data[i * 784:(i + 1) * 784] for i in range(n)]
    pngs = [open(p, "rb").read() for p in png_files]
    result = {}

    def tensor(name, datatype, shape, **contents):
        t = pb.ModelInferRequest.InferInputTensor(name=name, datatype=datatype, shape=shape)
        if contents:
            t.contents.CopyFrom(pb.InferTensorContents(**contents))
        return t

    def outputs(resp):
        """Decodes the response's outputs (typed or raw) into name -> list."""
        got = {}
        for i, o in enumerate(resp.outputs):
            if len(resp.raw_output_contents) > 0:
                raw = resp.raw_output_contents[i]
                fmt = "<%dq" % (len(raw) // 8) if o.datatype == "INT64" else "<%df" % (len(raw) // 4)
                got[o.name] = list(struct.unpack(fmt, raw))
            elif o.datatype == "INT64":
                got[o.name] = list(o.contents.int64_contents)
            else:
                got[o.name] = list(o.contents.fp32_contents)
        return got

    def infer_summary(resp):
        got = outputs(resp)
        return {"id": resp.id, "model_name": resp.model_name, "model_version": resp.model_version,
                "outputs": [o.name for o in resp.outputs], "datatypes": [o.datatype for o in resp.outputs],
                "shapes": [list(o.shape) for o in resp.outputs], "raw": len(resp.raw_output_contents) > 0,
                "label": got.get("label"), "confidence": got.get("confidence"),
                "probs_sums": [round(sum(got["probs"][i * 10:(i + 1) * 10]), 4) for i in range(len(got["probs"]) // 10)]
                if "probs" in got else None}

    def error(call):
        try:
            call()
            return {"code": "OK", "details": ""}
        except grpc.RpcError as e:
            return {"code": e.code().name, "details": e.details()}

    with grpc.insecure_channel(target) as channel:
        stub = pbg.GRPCInferenceServiceStub(channel)
        result["server_live"] = stub.ServerLive(pb.ServerLiveRequest(), timeout=30).live
        result["server_ready"] = stub.ServerReady(pb.ServerReadyRequest(), timeout=30).ready
        result["model_ready"] = stub.ModelReady(pb.ModelReadyRequest(name="mnist"), timeout=30).ready
        sm = stub.ServerMetadata(pb.ServerMetadataRequest(), timeout=30)
        result["server_metadata"] = {"name": sm.name, "version": sm.version, "extensions": list(sm.extensions)}
        mm = stub.ModelMetadata(pb.ModelMetadataRequest(name="mnist"), timeout=30)
        result["model_metadata"] = {
            "name": mm.name, "versions": list(mm.versions), "platform": mm.platform,
            "inputs": [[t.name, t.datatype, list(t.shape)] for t in mm.inputs],
            "outputs": [[t.name, t.datatype, list(t.shape)] for t in mm.outputs]}

        floats = [b / 255.0 for img in images for b in img]
        fp32_typed = pb.ModelInferRequest(model_name="mnist", id="py-fp32", inputs=[
            tensor("image", "FP32", [n, 1, 28, 28], fp32_contents=floats)])
        result["fp32_typed"] = infer_summary(stub.ModelInfer(fp32_typed, timeout=30))

        fp32_raw = pb.ModelInferRequest(model_name="mnist", id="py-fp32-raw",
                                        inputs=[tensor("image", "FP32", [n, 784])],
                                        raw_input_contents=[struct.pack("<%df" % len(floats), *floats)])
        result["fp32_raw"] = infer_summary(stub.ModelInfer(fp32_raw, timeout=30))

        uint8 = pb.ModelInferRequest(model_name="mnist", model_version="1", inputs=[
            tensor("image", "UINT8", [n, 28, 28], uint_contents=list(b"".join(images)))])
        uint8.outputs.add(name="label")
        uint8.outputs.add(name="confidence")
        result["uint8_label_confidence"] = infer_summary(stub.ModelInfer(uint8, timeout=30))

        uint8_raw = pb.ModelInferRequest(model_name="mnist", inputs=[tensor("image", "UINT8", [n, 1, 28, 28])],
                                         raw_input_contents=[b"".join(images)])
        uint8_raw.outputs.add(name="probs")
        result["uint8_raw_probs"] = infer_summary(stub.ModelInfer(uint8_raw, timeout=30))

        png = pb.ModelInferRequest(model_name="mnist", id="py-png", inputs=[
            tensor("image", "BYTES", [len(pngs)], bytes_contents=pngs)])
        result["bytes_png"] = infer_summary(stub.ModelInfer(png, timeout=30))

        raw_bytes = b"".join(struct.pack("<I", len(p)) + p for p in pngs)
        png_raw = pb.ModelInferRequest(model_name="mnist", inputs=[tensor("image", "BYTES", [len(pngs)])],
                                       raw_input_contents=[raw_bytes])
        png_raw.outputs.add(name="label")
        result["bytes_png_raw"] = infer_summary(stub.ModelInfer(png_raw, timeout=30))

        result["error_unknown_model"] = error(lambda: stub.ModelInfer(pb.ModelInferRequest(
            model_name="fashion", inputs=[tensor("image", "FP32", [1, 784], fp32_contents=floats[:784])]), timeout=30))
        result["error_wrong_shape"] = error(lambda: stub.ModelInfer(pb.ModelInferRequest(
            model_name="mnist", inputs=[tensor("image", "FP32", [1, 3, 28, 28], fp32_contents=floats[:784])]),
            timeout=30))

        index = stub.RepositoryIndex(pb.RepositoryIndexRequest(), timeout=30)
        result["repository_index"] = [[m.name, m.version, m.state, m.reason] for m in index.models]
        stub.RepositoryModelLoad(pb.RepositoryModelLoadRequest(model_name="mnist"), timeout=60)
        result["load"] = "OK"
        stub.RepositoryModelUnload(pb.RepositoryModelUnloadRequest(model_name="mnist"), timeout=60)
        result["unload"] = "OK"
        result["model_ready_after_unload"] = stub.ModelReady(pb.ModelReadyRequest(name="mnist"), timeout=30).ready
    print(json.dumps(result))


if __name__ == "__main__":
    main()
