package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A real HTTP/1.1 client ({@link HttpClient}, and raw sockets for what it will not send) for the REST tests. */
final class Rest {

    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    final int port;

    Rest(int port) {
        this.port = port;
    }

    /** One HTTP answer. */
    record Answer(int status, HttpHeaders headers, String body) {
        String contentType() {
            return headers.firstValue("content-type").orElse("");
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }

        /** The {"error": ...} message, checking the body is exactly that object. */
        String error() {
            JsonNode j = json();
            assertTrue(j.isObject() && j.size() == 1 && j.get("error").isTextual(), "expected {\"error\": ...}: " + body);
            assertTrue(contentType().startsWith("application/json"), contentType());
            String m = j.get("error").asText();
            assertFalse(m.isBlank());
            assertFalse(m.contains("\tat ") || m.contains("Caused by") || m.matches("(?s).*\\.java:[0-9]+.*")
                    || m.contains("at dev.glyph") || m.contains("at java.") || m.contains("at org."), "stack trace: " + m);
            return m;
        }

        /** Asserts the status and that the error message contains every part. */
        Answer is(int want, String... parts) {
            assertEquals(want, status, body);
            if (want >= 400) {
                String m = error();
                for (String p : parts) {
                    assertTrue(m.contains(p), "expected '" + p + "' in: " + m);
                }
            }
            return this;
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    Answer get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    Answer post(String path, String json) {
        return post(path, json.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
    }

    Answer post(String path, byte[] body, String... headers) {
        return send(request(path, body, headers));
    }

    CompletableFuture<Answer> postAsync(String path, String json) {
        return client.sendAsync(request(path, json.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString()).thenApply(r -> new Answer(r.statusCode(), r.headers(), r.body()));
    }

    HttpRequest.Builder request(String path, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b;
    }

    Answer send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r = client.send(b.timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Sends raw bytes on a new connection and returns all the server answers until it closes it (send Connection: close). */
    String raw(byte[] request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            in.transferTo(got);
            return got.toString(StandardCharsets.UTF_8);
        }
    }

    // ------------------------------------------------------------------------------------------- bodies

    /** FP32 [N,1,28,28], flat: gray8 / 255. */
    static String fp32Flat(List<byte[]> gray8, String extra) {
        StringBuilder d = new StringBuilder("[");
        for (byte[] img : gray8) {
            for (byte v : img) {
                d.append(d.length() == 1 ? "" : ",").append((v & 0xFF) / 255f);
            }
        }
        d.append(']');
        return "{" + extra + "\"inputs\":[{\"name\":\"image\",\"shape\":[" + gray8.size() + ",1,28,28],\"datatype\":\"FP32\","
                + "\"data\":" + d + "}]}";
    }

    /** FP32 [N,1,28,28], nested as the shape. */
    static String fp32Nested(List<byte[]> gray8) {
        StringBuilder d = new StringBuilder("[");
        for (int n = 0; n < gray8.size(); n++) {
            d.append(n == 0 ? "[[" : ",[[");
            for (int r = 0; r < 28; r++) {
                d.append(r == 0 ? "[" : ",[");
                for (int c = 0; c < 28; c++) {
                    d.append(c == 0 ? "" : ",").append((gray8.get(n)[r * 28 + c] & 0xFF) / 255f);
                }
                d.append(']');
            }
            d.append("]]");
        }
        d.append(']');
        return "{\"inputs\":[{\"name\":\"image\",\"datatype\":\"FP32\",\"shape\":[" + gray8.size() + ",1,28,28],\"data\":"
                + d + "}]}";
    }

    /** UINT8 [N,28,28], nested per image: [[784 values], ...] is not the shape, so each image is [28][28]. */
    static String uint8(List<byte[]> gray8) {
        StringBuilder d = new StringBuilder("[");
        for (int n = 0; n < gray8.size(); n++) {
            d.append(n == 0 ? "[" : ",[");
            for (int r = 0; r < 28; r++) {
                d.append(r == 0 ? "[" : ",[");
                for (int c = 0; c < 28; c++) {
                    d.append(c == 0 ? "" : ",").append(gray8.get(n)[r * 28 + c] & 0xFF);
                }
                d.append(']');
            }
            d.append(']');
        }
        d.append(']');
        return "{\"inputs\":[{\"name\":\"image\",\"shape\":[" + gray8.size() + ",28,28],\"datatype\":\"UINT8\",\"data\":"
                + d + "}]}";
    }

    /** BYTES [N] of base64 strings (or {"b64": ...} objects). */
    static String bytes(List<byte[]> encoded, boolean objects) {
        StringBuilder d = new StringBuilder("[");
        for (byte[] e : encoded) {
            String b64 = Base64.getEncoder().encodeToString(e);
            d.append(d.length() == 1 ? "" : ",").append(objects ? "{\"b64\":\"" + b64 + "\"}" : "\"" + b64 + "\"");
        }
        d.append(']');
        return "{\"inputs\":[{\"name\":\"image\",\"shape\":[" + encoded.size() + "],\"datatype\":\"BYTES\",\"data\":" + d
                + "}]}";
    }
}
