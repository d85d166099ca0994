package dev.glyph.grpcserver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DecodePoolTest {

    @Test
    void reserve_beyondCap_overloadedNamingImageAndCap() {
        DecodePool pool = new DecodePool(1, 4, 1000, "t-decode-cap");
        try {
            pool.reserve(600, "images[0]");
            OverloadedException e = assertThrows(OverloadedException.class, () -> pool.reserve(500, "images[1]"));
            assertTrue(e.getMessage().contains("images[1]") && e.getMessage().contains("1000"), e.getMessage());
            assertEquals(600, pool.bytesInUse());
            pool.release(600);
            pool.reserve(1000, "images[1]");
            assertEquals(1000, pool.bytesInUse());
        } finally {
            pool.close(Duration.ofSeconds(5));
        }
    }

    @Test
    void submit_queueFull_overloadedThenUnavailableAfterClose() throws Exception {
        DecodePool pool = new DecodePool(1, 1, 1000, "t-decode-queue");
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> busy = pool.submit(() -> {
            running.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "done";
        });
        assertTrue(running.await(60, TimeUnit.SECONDS));
        CompletableFuture<String> queued = pool.submit(() -> "queued");
        OverloadedException e = assertThrows(OverloadedException.class, () -> pool.submit(() -> "refused"));
        assertTrue(e.getMessage().contains("decode queue is full"), e.getMessage());
        release.countDown();
        assertEquals("done", busy.get(60, TimeUnit.SECONDS));
        assertEquals("queued", queued.get(60, TimeUnit.SECONDS));
        pool.close(Duration.ofSeconds(5));
        assertThrows(UnavailableException.class, () -> pool.submit(() -> "late"));
    }
}
