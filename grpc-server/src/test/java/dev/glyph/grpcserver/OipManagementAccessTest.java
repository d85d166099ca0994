package dev.glyph.grpcserver;

import static dev.glyph.grpcserver.Oip.fails;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.proto.inference.ModelReadyRequest;
import dev.glyph.proto.inference.RepositoryIndexRequest;
import dev.glyph.proto.inference.RepositoryModelLoadRequest;
import dev.glyph.proto.inference.RepositoryModelUnloadRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status.Code;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Path;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Repository load/unload over real TCP: allowed from loopback, PERMISSION_DENIED from another address of this
 * machine (the server sees a non-loopback remote address), with management on.
 */
class OipManagementAccessTest {

    @TempDir
    Path tmp;

    private static InetAddress nonLoopbackAddress() throws Exception {
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!ni.isUp() || ni.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    return a;
                }
            }
        }
        return null;
    }

    private static ManagedChannel channel(String host, int port) {
        return NettyChannelBuilder.forAddress(host, port).usePlaintext().build();
    }

    @Test
    void repositoryModelLoad_fromNonLoopbackAddress_permissionDenied() throws Exception {
        InetAddress other = nonLoopbackAddress();
        Assumptions.assumeTrue(other != null, "this machine has no non-loopback IPv4 address to call from");
        Path model = ServableModels.folder(tmp.resolve("mnist/1"), 3);
        try (GlyphServer server = GlyphServer.open(ServerConfig.builder(model).port(0).metricsPort(-1)
                .intraOpThreads(1).allowUnverified(true).management(true).build())) {
            ManagedChannel remote = channel(other.getHostAddress(), server.port());
            ManagedChannel local = channel("127.0.0.1", server.port());
            try {
                fails(Code.PERMISSION_DENIED, () -> Oip.blocking(remote).repositoryModelUnload(
                        RepositoryModelUnloadRequest.newBuilder().setModelName("mnist").build()),
                        "RepositoryModelUnload is allowed from the server's own host only");
                fails(Code.PERMISSION_DENIED, () -> Oip.blocking(remote).repositoryModelLoad(
                        RepositoryModelLoadRequest.newBuilder().setModelName("mnist").build()), "own host only");
                assertTrue(Oip.blocking(remote).modelReady(ModelReadyRequest.newBuilder().setName("mnist").build())
                        .getReady(), "the refused unload changed nothing");
                assertTrue(Oip.blocking(remote).repositoryIndex(RepositoryIndexRequest.getDefaultInstance())
                        .getModelsCount() == 1, "the index is readable from anywhere");
                Oip.blocking(local).repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("mnist")
                        .build());
                Oip.blocking(local).repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder()
                        .setModelName("mnist").build());
                assertTrue(!Oip.blocking(remote).modelReady(ModelReadyRequest.newBuilder().setName("mnist").build())
                        .getReady(), "the loopback unload took effect");
            } finally {
                remote.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                local.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }
}
