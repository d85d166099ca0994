package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.testfixtures.TestModelFolder;
import dev.glyph.testfixtures.TestModels;
import dev.glyph.client.GlyphClient;
import dev.glyph.proto.v1.Image;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** /metrics over HTTP, in the Prometheus text format, one private registry per server. */
class MetricsTest {

    @RegisterExtension
    static final TestModelFolder MODEL = new TestModelFolder(8);

    static String scrape(int port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertTrue(m.find(), series + " missing from\n" + text);
        return Double.parseDouble(m.group(1));
    }

    private static List<Image> images(int n) {
        List<Image> out = new ArrayList<>();
        for (byte[] b : TestModels.gray8Images(n, n)) {
            out.add(GlyphClient.gray8(b));
        }
        return out;
    }

    @Test
    void metrics_twoServersInOneJvm_eachScrapeHasAllNamesAndItsOwnCounts() throws Exception {
        try (Harness a = Harness.serving(Harness.config(MODEL.dir()).host("127.0.0.1").metricsPort(0));
                Harness b = Harness.serving(Harness.config(MODEL.dir()).host("127.0.0.1").metricsPort(0))) {
            a.client.classify(images(3), false);
            b.client.classify(images(5), false);
            b.client.classify(images(1), false);
            String ta = scrape(a.server.metricsPort());
            String tb = scrape(b.server.metricsPort());
            for (String name : List.of("glyph_grpc_requests_total", "glyph_images_classified_total",
                    "glyph_request_latency_seconds_bucket", "glyph_queue_wait_seconds_bucket",
                    "glyph_model_compute_seconds_bucket", "glyph_batch_size_bucket", "glyph_batch_size_sum",
                    "glyph_batch_size_count", "glyph_queue_depth", "glyph_queue_rejected_total",
                    "glyph_deadline_expired_total", "glyph_stream_requests_in_flight", "glyph_model_ready")) {
                assertTrue(ta.contains(name), name + " missing");
            }
            assertEquals(3, value(ta, "glyph_images_classified_total"));
            assertEquals(6, value(tb, "glyph_images_classified_total"));
            assertEquals(1, value(ta, "glyph_grpc_requests_total{code=\"OK\",method=\"glyph.v1.Classifier/Classify\"}"));
            assertEquals(2, value(tb, "glyph_grpc_requests_total{code=\"OK\",method=\"glyph.v1.Classifier/Classify\"}"));
            assertEquals(3, value(ta, "glyph_batch_size_sum"), "batched images");
            assertEquals(3, value(ta, "glyph_queue_wait_seconds_count"), "one queue wait per image");
            assertEquals(0, value(ta, "glyph_queue_depth"));
            assertEquals(1, value(ta, "glyph_model_ready"));
            assertEquals(3, value(a.server.scrapeMetrics(), "glyph_images_classified_total"), "in-process scrape");
        }
    }
}
