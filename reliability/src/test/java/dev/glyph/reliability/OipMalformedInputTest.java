package dev.glyph.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.proto.inference.InferTensorContents;
import dev.glyph.proto.inference.ModelInferRequest;
import dev.glyph.proto.inference.ModelInferRequest.InferInputTensor;
import dev.glyph.proto.inference.ModelInferRequest.InferRequestedOutputTensor;
import dev.glyph.proto.inference.ModelInferResponse;
import dev.glyph.proto.inference.ModelMetadataRequest;
import dev.glyph.proto.inference.ModelReadyRequest;
import dev.glyph.proto.inference.RepositoryIndexRequest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status.Code;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Open Inference Protocol against one real {@code glyph serve} process, over gRPC and HTTP/REST: seeded
 * mutations of valid {@code ModelInfer} (every input form), metadata, readiness and index messages, and of valid
 * JSON infer bodies. The contract: no UNKNOWN or INTERNAL status, no 5xx, and a golden OIP request right after
 * every 100 bad ones, over both protocols.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OipMalformedInputTest {

    static final int MUTATIONS_INFER = 3000;
    static final int MUTATIONS_OTHER = 600;
    static final int MUTATIONS_JSON = 1500;
    static final Set<Code> NEVER = EnumSet.of(Code.UNKNOWN, Code.INTERNAL);

    ServerProcess server;
    ManagedChannel channel;
    HttpClient http;
    final StatusTally tally = new StatusTally();
    final Map<String, Map<Integer, Long>> httpCodes = new TreeMap<>();
    final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    final Report report = new Report("oip-malformed-input");

    @BeforeAll
    void start() throws Exception {
        server = ServerProcess.builder(Fixtures.model(), Fixtures.work().resolve("logs/oip-malformed-server.log"))
                .httpPort(0).start();
        channel = RawRpc.channel(server.target());
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        Fixtures.goldenAnswers();
        report.put("seed", Fixtures.SEED);
    }

    @AfterAll
    void stop() throws Exception {
        if (server != null) {
            Metrics m = server.metrics();
            report.put("server_requests_total", Map.of("inference.GRPCInferenceService/ModelInfer",
                    m.callsByCode("inference.GRPCInferenceService/ModelInfer")));
            report.put("server_log_stack_lines", server.logText().lines().filter(l -> l.startsWith("\tat ")).count());
            server.close();
        }
        if (channel != null) {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        report.put("grpc_by_category", tally.snapshot()).put("grpc_examples", tally.examples())
                .put("http_by_category", httpCodes).put("failures", failures.size())
                .put("failure_examples", failures.stream().limit(10).toList());
        report.line(tally.markdown());
        report.write();
    }

    static byte[] fp32Raw(byte[] gray8) {
        ByteBuffer b = ByteBuffer.allocate(784 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (byte v : gray8) {
            b.putFloat((v & 0xff) / 255f);
        }
        return b.array();
    }

    /** The golden OIP request: golden image {@code i} as UINT8 [1,28,28], raw, label and confidence outputs. */
    static ModelInferRequest golden(int i) throws Exception {
        return ModelInferRequest.newBuilder().setModelName("mnist").setId("golden-" + i)
                .addInputs(InferInputTensor.newBuilder().setName("image").setDatatype("UINT8").addShape(1).addShape(28)
                        .addShape(28))
                .addRawInputContents(ByteString.copyFrom(Fixtures.golden().get(i)))
                .addOutputs(InferRequestedOutputTensor.newBuilder().setName("label"))
                .addOutputs(InferRequestedOutputTensor.newBuilder().setName("confidence")).build();
    }

    private void checkGoldenGrpc(int i) throws Exception {
        RawRpc.Outcome o = RawRpc.unary(channel, RawRpc.MODEL_INFER, golden(i).toByteArray(),
                CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
        if (o.code() != Code.OK) {
            failures.add("golden gRPC " + i + ": " + o);
            return;
        }
        ModelInferResponse r = ModelInferResponse.parseFrom(o.first());
        Prediction want = Fixtures.goldenAnswers().get(i);
        long label = ByteBuffer.wrap(r.getRawOutputContents(0).toByteArray()).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (!r.getId().equals("golden-" + i) || label != want.label()) {
            failures.add("golden gRPC " + i + ": id " + r.getId() + " label " + label + ", expected " + want.label());
        }
    }

    @Test
    void grpcMutations_everyInputFormAndEveryRpc_noUnknownNoInternalGoldenRightAfterEvery100() throws Exception {
        List<byte[]> g = Fixtures.golden();
        byte[] png = HostileImages.encode(Fixtures.digitImage(), "png");
        InferTensorContents.Builder fp32 = InferTensorContents.newBuilder();
        for (byte v : g.get(1)) {
            fp32.addFp32Contents((v & 0xff) / 255f);
        }
        InferTensorContents.Builder u8 = InferTensorContents.newBuilder();
        for (byte v : g.get(2)) {
            u8.addUintContents(v & 0xff);
        }
        List<byte[]> inferSeeds = List.of(
                golden(0).toByteArray(),
                ModelInferRequest.newBuilder().setModelName("mnist").addInputs(InferInputTensor.newBuilder().setName("image")
                        .setDatatype("FP32").addShape(1).addShape(1).addShape(28).addShape(28).setContents(fp32)).build()
                        .toByteArray(),
                ModelInferRequest.newBuilder().setModelName("mnist").setModelVersion("1").addInputs(InferInputTensor
                        .newBuilder().setName("image").setDatatype("FP32").addShape(1).addShape(1).addShape(28).addShape(28))
                        .addRawInputContents(ByteString.copyFrom(fp32Raw(g.get(3)))).build().toByteArray(),
                ModelInferRequest.newBuilder().setModelName("mnist").addInputs(InferInputTensor.newBuilder().setName("image")
                        .setDatatype("UINT8").addShape(1).addShape(28).addShape(28).setContents(u8)).build().toByteArray(),
                ModelInferRequest.newBuilder().setModelName("mnist").addInputs(InferInputTensor.newBuilder().setName("image")
                        .setDatatype("BYTES").addShape(1).setContents(InferTensorContents.newBuilder()
                                .addBytesContents(ByteString.copyFrom(png)))).build().toByteArray());
        List<byte[]> otherSeeds = List.of(
                ModelMetadataRequest.newBuilder().setName("mnist").build().toByteArray(),
                ModelReadyRequest.newBuilder().setName("mnist").setVersion("1").build().toByteArray(),
                RepositoryIndexRequest.newBuilder().setReady(true).build().toByteArray());
        Mutator infer = new Mutator(inferSeeds, Fixtures.SEED + 20);
        Mutator other = new Mutator(otherSeeds, Fixtures.SEED + 21);
        List<io.grpc.MethodDescriptor<byte[], byte[]>> otherMethods = List.of(RawRpc.MODEL_METADATA, RawRpc.MODEL_READY,
                RawRpc.REPOSITORY_INDEX);
        List<String> inconsistent = Collections.synchronizedList(new ArrayList<>());
        int total = MUTATIONS_INFER + MUTATIONS_OTHER;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int block = 0; block < total; block += 100) {
                List<Future<?>> fs = new ArrayList<>();
                for (int k = block; k < Math.min(total, block + 100); k++) {
                    int idx = k;
                    fs.add(pool.submit(() -> {
                        CallOptions o = CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS);
                        if (idx < MUTATIONS_INFER) {
                            byte[] b = infer.mutation(idx);
                            RawRpc.Outcome out = RawRpc.unary(channel, RawRpc.MODEL_INFER, b, o);
                            tally.add("ModelInfer mutations", out);
                            boolean parses;
                            try {
                                ModelInferRequest.parseFrom(b);
                                parses = true;
                            } catch (InvalidProtocolBufferException e) {
                                parses = false;
                            }
                            if (!parses && out.code() != Code.INVALID_ARGUMENT) {
                                inconsistent.add("unparseable ModelInfer answered " + out);
                            }
                        } else {
                            int which = idx % otherMethods.size();
                            tally.add(otherMethods.get(which).getBareMethodName() + " mutations",
                                    RawRpc.unary(channel, otherMethods.get(which), other.mutation(idx), o));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
                checkGoldenGrpc(block / 100 % Fixtures.golden().size());
            }
        } finally {
            pool.shutdownNow();
        }
        List<String> bad = new ArrayList<>();
        tally.snapshot().forEach((cat, codes) -> codes.forEach((code, n) -> {
            if (NEVER.contains(Code.valueOf(code))) {
                bad.add(cat + ": " + n + " x " + code);
            }
        }));
        report.put("grpc_mutations", total).put("grpc_inconsistent", inconsistent.size());
        assertEquals(List.of(), bad, "UNKNOWN/INTERNAL answers: " + tally.examples());
        assertEquals(List.of(), inconsistent.subList(0, Math.min(10, inconsistent.size())));
        assertEquals(List.of(), failures.subList(0, Math.min(10, failures.size())), "golden OIP request after every 100");
        assertTrue(tally.total(Code.OK) > 0 && tally.total(Code.INVALID_ARGUMENT) > 0,
                "the mutations must reach both the model and the checks: " + tally.snapshot());
    }

    private synchronized void countHttp(String category, int status) {
        httpCodes.computeIfAbsent(category, k -> new TreeMap<>()).merge(status, 1L, Long::sum);
    }

    private String goldenJson(int i) throws Exception {
        StringBuilder b = new StringBuilder("{\"id\":\"golden-" + i + "\",\"inputs\":[{\"name\":\"image\",\"datatype\":"
                + "\"UINT8\",\"shape\":[1,28,28],\"data\":[");
        byte[] img = Fixtures.golden().get(i);
        for (int k = 0; k < img.length; k++) {
            b.append(k == 0 ? "" : ",").append(img[k] & 0xff);
        }
        return b.append("]}],\"outputs\":[{\"name\":\"label\"}]}").toString();
    }

    private HttpResponse<String> post(String path, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void restMutations_seededJsonBodies_no5xxAndGoldenRightAfterEvery100() throws Exception {
        List<byte[]> g = Fixtures.golden();
        StringBuilder fp = new StringBuilder("{\"inputs\":[{\"name\":\"image\",\"datatype\":\"FP32\",\"shape\":[1,1,28,28],"
                + "\"data\":[");
        for (int k = 0; k < 784; k++) {
            fp.append(k == 0 ? "" : ",").append((g.get(4)[k] & 0xff) / 255f);
        }
        fp.append("]}]}");
        List<byte[]> seeds = List.of(goldenJson(0).getBytes(StandardCharsets.UTF_8),
                fp.toString().getBytes(StandardCharsets.UTF_8),
                goldenJson(5).replace("\"outputs\":[{\"name\":\"label\"}]", "\"outputs\":[{\"name\":\"probs\"},"
                        + "{\"name\":\"log_probs\"}],\"parameters\":{\"x\":1}").getBytes(StandardCharsets.UTF_8));
        Mutator json = new Mutator(seeds, Fixtures.SEED + 22);
        List<String> fiveHundreds = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int block = 0; block < MUTATIONS_JSON; block += 100) {
                List<Future<?>> fs = new ArrayList<>();
                for (int k = block; k < Math.min(MUTATIONS_JSON, block + 100); k++) {
                    int idx = k;
                    fs.add(pool.submit(() -> {
                        byte[] body = json.mutation(idx);
                        String path = idx % 7 == 0 ? "/v2/models/mnist/versions/1/infer" : "/v2/models/mnist/infer";
                        HttpResponse<String> r = post(path, body);
                        countHttp("infer JSON mutations", r.statusCode());
                        if (r.statusCode() >= 500) {
                            fiveHundreds.add(r.statusCode() + " " + r.body() + " for "
                                    + new String(body, StandardCharsets.UTF_8).substring(0, Math.min(120, body.length)));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
                int i = block / 100 % g.size();
                HttpResponse<String> r = post("/v2/models/mnist/infer", goldenJson(i).getBytes(StandardCharsets.UTF_8));
                Prediction want = Fixtures.goldenAnswers().get(i);
                if (r.statusCode() != 200 || !r.body().replace(" ", "").contains("\"data\":[" + want.label() + "]")
                        || !r.body().contains("golden-" + i)) {
                    failures.add("golden REST " + i + ": " + r.statusCode() + " " + r.body());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        report.put("rest_mutations", MUTATIONS_JSON).put("rest_5xx", fiveHundreds.size());
        assertEquals(List.of(), fiveHundreds.subList(0, Math.min(10, fiveHundreds.size())), "5xx for bad JSON");
        assertEquals(List.of(), failures.subList(0, Math.min(10, failures.size())), "golden REST request after every 100");
        Map<Integer, Long> codes = httpCodes.get("infer JSON mutations");
        assertTrue(codes.getOrDefault(200, 0L) > 0 && codes.getOrDefault(400, 0L) > 0, "mutations must reach the"
                + " model and the checks: " + codes);
    }
}
