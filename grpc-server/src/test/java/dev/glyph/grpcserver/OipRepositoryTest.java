package dev.glyph.grpcserver;

import static dev.glyph.grpcserver.Oip.fails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.proto.inference.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import dev.glyph.proto.inference.ModelMetadataRequest;
import dev.glyph.proto.inference.ModelMetadataResponse;
import dev.glyph.proto.inference.ModelMetadataResponse.TensorMetadata;
import dev.glyph.proto.inference.ModelReadyRequest;
import dev.glyph.proto.inference.ModelRepositoryParameter;
import dev.glyph.proto.inference.RepositoryIndexRequest;
import dev.glyph.proto.inference.RepositoryIndexResponse;
import dev.glyph.proto.inference.RepositoryIndexResponse.ModelIndex;
import dev.glyph.proto.inference.RepositoryModelLoadRequest;
import dev.glyph.proto.inference.RepositoryModelUnloadRequest;
import dev.glyph.proto.inference.ServerLiveRequest;
import dev.glyph.proto.inference.ServerMetadataRequest;
import dev.glyph.proto.inference.ServerMetadataResponse;
import dev.glyph.proto.inference.ServerReadyRequest;
import dev.glyph.testfixtures.TestModels;
import io.grpc.Status.Code;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Open Inference Protocol's health, metadata and model-repository calls over a real in-process server
 * serving a repository with {@code mnist/1} and {@code mnist/2} (the policy serves the latest only) and
 * {@code broken/1} (its model.onnx does not match the manifest).
 */
class OipRepositoryTest {

    @TempDir
    Path tmp;
    Path root;
    Harness h;
    GRPCInferenceServiceBlockingStub stub;

    @BeforeEach
    void start() throws Exception {
        root = tmp.resolve("models");
        TestModels.folder(root.resolve("mnist/1"), 11);
        TestModels.folder(root.resolve("mnist/2"), 12);
        TestModels.folder(root.resolve("broken/1"), 13);
        Files.write(root.resolve("broken/1/model.onnx"), TestModels.onnxBytes(TestModels.randomWeights(14)));
        h = Harness.serving(repository(true));
        stub = Oip.blocking(h.channel);
    }

    private ServerConfig.Builder repository(boolean management) {
        return ServerConfig.forRepository(root).inProcessName("glyph-test-" + UUID.randomUUID()).metricsPort(-1)
                .intraOpThreads(1).allowUnverified(true).management(management);
    }

    @AfterEach
    void stop() throws Exception {
        h.close();
    }

    private static ModelReadyRequest ready(String name, String version) {
        return ModelReadyRequest.newBuilder().setName(name).setVersion(version).build();
    }

    private static ModelMetadataRequest meta(String name, String version) {
        return ModelMetadataRequest.newBuilder().setName(name).setVersion(version).build();
    }

    private static RepositoryModelLoadRequest load(String name) {
        return RepositoryModelLoadRequest.newBuilder().setModelName(name).build();
    }

    private static RepositoryModelUnloadRequest unload(String name) {
        return RepositoryModelUnloadRequest.newBuilder().setModelName(name).build();
    }

    private static String entries(RepositoryIndexResponse r) {
        StringBuilder b = new StringBuilder();
        for (ModelIndex m : r.getModelsList()) {
            b.append(m.getName()).append('/').append(m.getVersion()).append(' ').append(m.getState()).append(';');
        }
        return b.toString();
    }

    private static ModelIndex entry(RepositoryIndexResponse r, String name, String version) {
        for (ModelIndex m : r.getModelsList()) {
            if (m.getName().equals(name) && m.getVersion().equals(version)) {
                return m;
            }
        }
        throw new AssertionError("no " + name + "/" + version + " in " + entries(r));
    }

    @Test
    void serverCalls_serving_liveReadyAndMetadata() {
        assertTrue(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
        assertTrue(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
        ServerMetadataResponse m = stub.serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertEquals("glyph", m.getName());
        assertTrue(m.getVersion().matches("[0-9]+\\.[0-9]+\\.[0-9]+.*"), m.getVersion());
        assertEquals(List.of("model_repository"), m.getExtensionsList());
        HealthCheckResponse.ServingStatus s = HealthGrpc.newBlockingStub(h.channel).check(HealthCheckRequest
                .newBuilder().setService("inference.GRPCInferenceService").build()).getStatus();
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, s);
    }

    @Test
    void serverReady_beforeModelsLoaded_notReadyAndInferUnavailable() throws Exception {
        try (Harness started = Harness.started(repository(true))) {
            GRPCInferenceServiceBlockingStub s = Oip.blocking(started.channel);
            assertTrue(s.serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
            assertFalse(s.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
            assertFalse(s.modelReady(ready("mnist", "")).getReady());
            fails(Code.UNAVAILABLE, () -> s.modelInfer(Oip.fp32(TestModels.gray8Images(1, 1)).build()), "not loaded");
            assertEquals(HealthCheckResponse.ServingStatus.NOT_SERVING, HealthGrpc.newBlockingStub(started.channel)
                    .check(HealthCheckRequest.newBuilder().setService("inference.GRPCInferenceService").build())
                    .getStatus());
        }
    }

    @Test
    void modelReady_eachModelAndVersion_readyFalseOrNotFound() {
        assertTrue(stub.modelReady(ready("mnist", "")).getReady());
        assertTrue(stub.modelReady(ready("mnist", "2")).getReady());
        assertFalse(stub.modelReady(ready("mnist", "1")).getReady(), "version 1 is not selected by the policy");
        assertFalse(stub.modelReady(ready("broken", "")).getReady());
        fails(Code.NOT_FOUND, () -> stub.modelReady(ready("mnist", "9")), "version '9'");
        fails(Code.NOT_FOUND, () -> stub.modelReady(ready("fashion", "")), "fashion");
    }

    @Test
    void modelMetadata_servedModel_versionsPlatformAndTensors() {
        ModelMetadataResponse m = stub.modelMetadata(meta("mnist", ""));
        assertEquals("mnist", m.getName());
        assertEquals(List.of("2"), m.getVersionsList());
        assertEquals("onnxruntime_onnx", m.getPlatform());
        assertEquals("fp32", m.getParametersOrThrow("precision").getStringParam());
        assertEquals("1.0", m.getParametersOrThrow("temperature").getStringParam());
        assertEquals(1, m.getInputsCount());
        assertEquals(TensorMetadata.newBuilder().setName("image").setDatatype("FP32")
                .addAllShape(List.of(-1L, 1L, 28L, 28L)).build(), m.getInputs(0));
        assertEquals(List.of("log_probs:FP32:[-1, 10]", "probs:FP32:[-1, 10]", "label:INT64:[-1]",
                "confidence:FP32:[-1]"), m.getOutputsList().stream()
                .map(t -> t.getName() + ":" + t.getDatatype() + ":" + t.getShapeList()).toList());
        assertEquals(m, stub.modelMetadata(meta("mnist", "2")));
        fails(Code.NOT_FOUND, () -> stub.modelMetadata(meta("mnist", "1")), "version '1'", "not selected");
        fails(Code.NOT_FOUND, () -> stub.modelMetadata(meta("fashion", "")), "fashion");
        fails(Code.UNAVAILABLE, () -> stub.modelMetadata(meta("broken", "")), "broken", "hashes");
    }

    @Test
    void modelInfer_repository_newestVersionServesAndOthersNotFound() {
        assertEquals("2", stub.modelInfer(Oip.fp32(TestModels.gray8Images(1, 2)).build()).getModelVersion());
        fails(Code.NOT_FOUND, () -> stub.modelInfer(Oip.fp32(TestModels.gray8Images(1, 2)).setModelVersion("1")
                .build()), "version '1' of model 'mnist'");
        fails(Code.UNAVAILABLE, () -> stub.modelInfer(Oip.fp32(TestModels.gray8Images(1, 2)).setModelName("broken")
                .build()), "broken");
    }

    @Test
    void repositoryIndex_allOrReadyOnly_statesAndReasons() {
        RepositoryIndexResponse all = stub.repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
        assertEquals("broken/1 UNAVAILABLE;mnist/1 UNAVAILABLE;mnist/2 READY;", entries(all));
        assertTrue(entry(all, "broken", "1").getReason().contains("hashes check failed"),
                entry(all, "broken", "1").getReason());
        assertTrue(entry(all, "mnist", "1").getReason().contains("not selected"), entry(all, "mnist", "1").getReason());
        assertEquals("", entry(all, "mnist", "2").getReason());
        RepositoryIndexResponse ready = stub.repositoryIndex(RepositoryIndexRequest.newBuilder().setReady(true).build());
        assertEquals("mnist/2 READY;", entries(ready));
    }

    @Test
    void repositoryModelLoad_brokenOrUnknown_failedPreconditionOrNotFound() {
        fails(Code.FAILED_PRECONDITION, () -> stub.repositoryModelLoad(load("broken")), "model 'broken'",
                "no version of it is READY", "broken/1 UNAVAILABLE", "hashes check failed");
        fails(Code.NOT_FOUND, () -> stub.repositoryModelLoad(load("fashion")), "fashion", "[broken, mnist]");
        fails(Code.NOT_FOUND, () -> stub.repositoryModelUnload(unload("fashion")), "fashion");
        fails(Code.INVALID_ARGUMENT, () -> stub.repositoryModelLoad(load("")), "model_name");
        fails(Code.INVALID_ARGUMENT, () -> stub.repositoryModelLoad(load("mnist").toBuilder().putParameters("config",
                ModelRepositoryParameter.newBuilder().setStringParam("{}").build()).build()), "parameters", "config");
    }

    @Test
    void repositoryModelUnloadThenLoad_localCaller_modelGoesAndComesBack() {
        stub.repositoryModelUnload(unload("mnist"));
        assertFalse(stub.modelReady(ready("mnist", "")).getReady());
        assertNotEquals("READY", entry(stub.repositoryIndex(RepositoryIndexRequest.getDefaultInstance()), "mnist", "2")
                .getState());
        fails(Code.NOT_FOUND, () -> stub.modelInfer(Oip.fp32(TestModels.gray8Images(1, 2)).build()), "mnist");
        stub.repositoryModelLoad(load("mnist"));
        assertTrue(stub.modelReady(ready("mnist", "2")).getReady());
        assertEquals("READY", entry(stub.repositoryIndex(RepositoryIndexRequest.getDefaultInstance()), "mnist", "2")
                .getState());
        assertEquals("2", stub.modelInfer(Oip.fp32(TestModels.gray8Images(1, 2)).build()).getModelVersion());
    }

    @Test
    void repositoryModelLoad_managementOff_permissionDeniedSayingHowToEnable() throws Exception {
        try (Harness off = Harness.serving(repository(false))) {
            GRPCInferenceServiceBlockingStub s = Oip.blocking(off.channel);
            fails(Code.PERMISSION_DENIED, () -> s.repositoryModelLoad(load("mnist")), "RepositoryModelLoad is disabled",
                    "management(true)");
            fails(Code.PERMISSION_DENIED, () -> s.repositoryModelUnload(unload("mnist")), "RepositoryModelUnload");
            assertTrue(s.modelReady(ready("mnist", "")).getReady(), "the refused unload changed nothing");
            assertEquals("mnist/2 READY;", entries(s.repositoryIndex(RepositoryIndexRequest.newBuilder().setReady(true)
                    .build())), "the index stays readable");
        }
    }
}
