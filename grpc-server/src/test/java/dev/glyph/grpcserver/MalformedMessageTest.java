package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.client.GlyphClient;
import dev.glyph.testfixtures.RawBytes;
import dev.glyph.testfixtures.TestModels;
import dev.glyph.proto.v1.ClassifierGrpc;
import dev.glyph.proto.v1.ClassifyRequest;
import dev.glyph.proto.v1.ClassifyResponse;
import dev.glyph.proto.v1.GetModelInfoRequest;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Messages protobuf cannot parse, gzip bombs and protocol misuse, sent as raw bytes over Netty
 * loopback: never UNKNOWN or INTERNAL, always counted.
 */
class MalformedMessageTest {

    @TempDir
    static Path tmp;
    static GlyphServer server;
    static ManagedChannel channel;
    static final int MAX_MESSAGE = 1 << 20;
    static final List<byte[]> IMAGES = TestModels.gray8Images(2, 3);

    @BeforeAll
    static void start() throws Exception {
        Path model = TestModels.folder(tmp.resolve("mnist/1"), 5);
        server = GlyphServer.open(ServerConfig.builder(model).allowUnverified(true).host("127.0.0.1").port(0).metricsPort(-1)
                .intraOpThreads(1).maxMessageBytes(MAX_MESSAGE).build());
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        server.close();
    }

    private static MethodDescriptor<byte[], byte[]> raw(MethodDescriptor<?, ?> real) {
        return RawBytes.of(real);
    }

    private static Status unary(MethodDescriptor<?, ?> method, byte[] body, CallOptions options) {
        try {
            ClientCalls.blockingUnaryCall(channel, raw(method), options.withDeadlineAfter(60, TimeUnit.SECONDS), body);
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    private static Status unary(MethodDescriptor<?, ?> method, byte[] body) {
        return unary(method, body, CallOptions.DEFAULT);
    }

    private static long counted(String method, String code) {
        Matcher m = Pattern.compile("glyph_grpc_requests_total\\{code=\"" + code + "\",method=\"" + Pattern.quote(method)
                + "\"} ([0-9.E]+)").matcher(server.scrapeMetrics());
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    private static long malformed(String method) {
        Matcher m = Pattern.compile("glyph_malformed_messages_total\\{method=\"" + Pattern.quote(method)
                + "\"} ([0-9.E]+)").matcher(server.scrapeMetrics());
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    private static ClassifyRequest golden() {
        return ClassifyRequest.newBuilder().addImages(GlyphClient.gray8(IMAGES.get(0))).build();
    }

    private static void assertGoldenWorks() {
        ClassifyResponse r = ClassifierGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                .classify(golden());
        assertEquals(1, r.getPredictionsCount());
    }

    @Test
    void classify_threeBytes0a050a_invalidArgumentAndCounted() {
        String method = ClassifierGrpc.getClassifyMethod().getFullMethodName();
        long before = counted(method, "INVALID_ARGUMENT");
        long malformedBefore = malformed(method);
        Status s = unary(ClassifierGrpc.getClassifyMethod(), new byte[] {0x0a, 0x05, 0x0a});
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
        assertTrue(s.getDescription().contains("not a valid glyph.v1.ClassifyRequest"), s.getDescription());
        assertTrue(s.getDescription().contains("request message 1"), s.getDescription());
        assertEquals(before + 1, counted(method, "INVALID_ARGUMENT"), server.scrapeMetrics());
        assertEquals(malformedBefore + 1, malformed(method));
        assertGoldenWorks();
    }

    @Test
    void getModelInfoAndClassify_randomBytes_neverUnknownOrInternal() {
        Random rnd = new Random(42);
        Map<Status.Code, Integer> codes = new EnumMap<>(Status.Code.class);
        byte[] valid = golden().toByteArray();
        for (int i = 0; i < 200; i++) {
            byte[] random = new byte[1 + rnd.nextInt(64)];
            rnd.nextBytes(random);
            byte[] mutated = valid.clone();
            for (int k = 0; k < 1 + rnd.nextInt(4); k++) {
                mutated[rnd.nextInt(mutated.length)] = (byte) rnd.nextInt(256);
            }
            for (Status s : List.of(unary(ClassifierGrpc.getGetModelInfoMethod(), random),
                    unary(ClassifierGrpc.getClassifyMethod(), random), unary(ClassifierGrpc.getClassifyMethod(), mutated),
                    unary(HealthGrpc.getCheckMethod(), random))) {
                codes.merge(s.getCode(), 1, Integer::sum);
                assertNotEquals(Status.Code.UNKNOWN, s.getCode(), s.toString());
                assertNotEquals(Status.Code.INTERNAL, s.getCode(), s.toString());
            }
            if (i % 50 == 49) {
                assertGoldenWorks();
            }
        }
        assertTrue(codes.getOrDefault(Status.Code.INVALID_ARGUMENT, 0) > 100, codes.toString());
        System.out.println("random/mutated messages by status: " + codes);
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()).getStatus());
    }

    @Test
    void classifyStream_garbageSecondMessage_invalidArgumentNamingIt() throws Exception {
        Ending<byte[], byte[]> ending = new Ending<>();
        ClientCall<byte[], byte[]> call = channel.newCall(raw(ClassifierGrpc.getClassifyStreamMethod()),
                CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
        StreamObserver<byte[]> out = ClientCalls.asyncBidiStreamingCall(call, ending);
        out.onNext(golden().toByteArray());
        assertEquals(1, ClassifyResponse.parseFrom(ending.first.get(60, TimeUnit.SECONDS)).getPredictionsCount());
        out.onNext(new byte[] {0x0a, 0x05, 0x0a});
        Status s = ending.end.get(60, TimeUnit.SECONDS);
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
        assertTrue(s.getDescription().contains("request message 2"), s.getDescription());
        assertGoldenWorks();
    }

    @Test
    void classify_gzipInflatingPastLimit_resourceExhaustedLikeUncompressed() {
        byte[] zeros = new byte[8 << 20];
        byte[] body = ClassifyRequest.newBuilder().addImages(dev.glyph.proto.v1.Image.newBuilder()
                .setGray8(com.google.protobuf.ByteString.copyFrom(zeros))).build().toByteArray();
        Status plain = unary(ClassifierGrpc.getClassifyMethod(), body);
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, plain.getCode(), plain.toString());
        Status gzip = unary(ClassifierGrpc.getClassifyMethod(), body, CallOptions.DEFAULT.withCompression("gzip"));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, gzip.getCode(), gzip.toString());
        assertTrue(gzip.getDescription().contains(String.valueOf(MAX_MESSAGE)), gzip.getDescription());
        assertGoldenWorks();
    }

    private static Status sendThenHalfClose(io.grpc.Channel channel, int messages) throws Exception {
        CompletableFuture<Status> end = new CompletableFuture<>();
        ClientCall<byte[], byte[]> call = channel.newCall(raw(ClassifierGrpc.getClassifyMethod()),
                CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                end.complete(status);
            }
        }, new Metadata());
        call.request(2);
        for (int i = 0; i < messages; i++) {
            call.sendMessage(golden().toByteArray());
        }
        call.halfClose();
        return end.get(60, TimeUnit.SECONDS);
    }

    @Test
    void classify_halfClosedWithoutRequest_invalidArgumentNotInternal() throws Exception {
        String method = ClassifierGrpc.getClassifyMethod().getFullMethodName();
        long before = counted(method, "INVALID_ARGUMENT");
        Status s = sendThenHalfClose(channel, 0);
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
        assertTrue(s.getDescription().contains("half-closed without sending one"), s.getDescription());
        assertEquals(before + 1, counted(method, "INVALID_ARGUMENT"));
        assertGoldenWorks();
    }

    /**
     * Two request messages on a unary method: grpc-java's ServerCallImpl resets the stream itself
     * before any listener sees the second message, so the client gets CANCELLED; that cannot be
     * mapped, but it is never INTERNAL or UNKNOWN and the server keeps serving.
     */
    @Test
    void classify_twoRequestMessages_cancelledNotInternal() throws Exception {
        Status s = sendThenHalfClose(channel, 2);
        assertNotEquals(Status.Code.INTERNAL, s.getCode(), s.toString());
        assertNotEquals(Status.Code.UNKNOWN, s.getCode(), s.toString());
        assertNotEquals(Status.Code.OK, s.getCode(), s.toString());
        assertGoldenWorks();
    }

    @Test
    void getModelInfo_validEmptyMessage_stillAnswered() {
        assertEquals(Status.Code.OK, unary(ClassifierGrpc.getGetModelInfoMethod(),
                GetModelInfoRequest.getDefaultInstance().toByteArray()).getCode());
        assertThrows(StatusRuntimeException.class, () -> ClassifierGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS).classify(ClassifyRequest.getDefaultInstance()));
    }

    private static Status streamSecondMessage(byte[] second, CallOptions options) throws Exception {
        Ending<byte[], byte[]> ending = new Ending<>();
        ClientCall<byte[], byte[]> call = channel.newCall(raw(ClassifierGrpc.getClassifyStreamMethod()),
                options.withDeadlineAfter(60, TimeUnit.SECONDS));
        StreamObserver<byte[]> out = ClientCalls.asyncBidiStreamingCall(call, ending);
        out.onNext(golden().toByteArray());
        assertEquals(1, ClassifyResponse.parseFrom(ending.first.get(60, TimeUnit.SECONDS)).getPredictionsCount());
        out.onNext(second); // the response headers have gone out by now
        out.onCompleted();
        return ending.end.get(60, TimeUnit.SECONDS);
    }

    private static byte[] gray8Of(int bytes) {
        return ClassifyRequest.newBuilder().addImages(dev.glyph.proto.v1.Image.newBuilder()
                .setGray8(com.google.protobuf.ByteString.copyFrom(new byte[bytes]))).build().toByteArray();
    }

    @Test
    void classifyStream_oversizeSecondMessage_resourceExhaustedNamingTheLimitAndCounted() throws Exception {
        String method = ClassifierGrpc.getClassifyStreamMethod().getFullMethodName();
        long before = counted(method, "RESOURCE_EXHAUSTED");
        Status s = streamSecondMessage(gray8Of(MAX_MESSAGE + 1), CallOptions.DEFAULT);
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, s.getCode(), s.toString());
        assertTrue(s.getDescription().contains("at most " + MAX_MESSAGE + " bytes"), s.getDescription());
        assertEquals(before + 1, counted(method, "RESOURCE_EXHAUSTED"), server.scrapeMetrics());
        Status gz = streamSecondMessage(gray8Of(MAX_MESSAGE + 1), CallOptions.DEFAULT.withCompression("gzip"));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, gz.getCode(), gz.toString());
        assertGoldenWorks();
    }

    /**
     * Past twice the limit grpc-java's transport refuses the message itself; on a stream that has
     * already sent response headers it can only reset it (RST_STREAM CANCEL), so the client sees
     * CANCELLED: never UNKNOWN or INTERNAL, and the server keeps serving. A unary call gets
     * RESOURCE_EXHAUSTED from the transport.
     */
    @Test
    void oversizePastTwiceTheLimit_unaryResourceExhaustedStreamNeverUnknownOrInternal() throws Exception {
        byte[] huge = gray8Of(2 * MAX_MESSAGE + 1);
        Status unary = unary(ClassifierGrpc.getClassifyMethod(), huge);
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, unary.getCode(), unary.toString());
        Status s = streamSecondMessage(huge, CallOptions.DEFAULT);
        assertTrue(s.getCode() == Status.Code.RESOURCE_EXHAUSTED || s.getCode() == Status.Code.CANCELLED, s.toString());
        assertGoldenWorks();
    }
}
