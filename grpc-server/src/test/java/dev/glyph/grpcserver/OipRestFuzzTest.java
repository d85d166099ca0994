package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.testfixtures.TestModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of the REST inference endpoint: 300 mutated JSON bodies (byte flips, truncations, token and type
 * swaps, structural damage) against a real server. Every answer must be 2xx or 4xx with a JSON error and no stack
 * trace, never 5xx, and the server must still answer a good request afterwards.
 */
class OipRestFuzzTest {

    private static final long SEED = 20240610L;
    private static final int CASES = 300;

    @TempDir
    static Path tmp;

    private static final String[] SWAPS = {"\"FP32\"", "\"UINT8\"", "\"BYTES\"", "\"INT64\"", "\"FP16\"", "null", "true",
        "[]", "{}", "-1", "0", "1e999", "\"\"", "[[]]", "9223372036854775808", "{\"b64\":\"@@\"}", "\"image\"",
        "[1,1,28,28]", "[0,28,28]", "[99999999,28,28]", "1.5", "\"\\u0000\"", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]"
            + "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"};

    private static String mutate(String base, Random rnd) {
        byte[] b = base.getBytes(StandardCharsets.UTF_8);
        switch (rnd.nextInt(6)) {
            case 0 -> { // byte flips
                int flips = 1 + rnd.nextInt(8);
                for (int i = 0; i < flips; i++) {
                    b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                }
                return new String(b, StandardCharsets.ISO_8859_1);
            }
            case 1 -> { // truncation
                return base.substring(0, rnd.nextInt(base.length()));
            }
            case 2 -> { // swap one value token for another type
                List<int[]> spans = tokens(base);
                int[] t = spans.get(rnd.nextInt(spans.size()));
                return base.substring(0, t[0]) + SWAPS[rnd.nextInt(SWAPS.length)] + base.substring(t[1]);
            }
            case 3 -> { // delete or duplicate a slice
                int from = rnd.nextInt(base.length());
                int to = Math.min(base.length(), from + 1 + rnd.nextInt(40));
                return rnd.nextBoolean() ? base.substring(0, from) + base.substring(to)
                        : base.substring(0, to) + base.substring(from);
            }
            case 4 -> { // a known field gets another name, or a value of another structure
                String[] fields = {"\"inputs\"", "\"name\"", "\"shape\"", "\"datatype\"", "\"data\"", "\"outputs\"",
                    "\"id\"", "\"parameters\""};
                String f = fields[rnd.nextInt(fields.length)];
                int at = base.indexOf(f);
                if (at < 0) {
                    return base + "}";
                }
                String[] into = {"\"Inputs\"", "\"data\"", "\"shape\"", "\"name\"", "\"x\"", "\"inputs\""};
                return base.substring(0, at) + into[rnd.nextInt(into.length)] + base.substring(at + f.length());
            }
            default -> { // wrap or nest the whole thing
                String[] w = {"[" + base + "]", "{\"inputs\":" + base + "}", base + base, "\"" + base + "\"", " ",
                    base.replace("[", "[[").replace("]", "]]")};
                return w[rnd.nextInt(w.length)];
            }
        }
    }

    /** Spans of JSON scalar tokens (numbers, strings, literals) in {@code s}, roughly. */
    private static List<int[]> tokens(String s) {
        List<int[]> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"') {
                int j = s.indexOf('"', i + 1);
                if (j < 0) {
                    break;
                }
                out.add(new int[] {i, j + 1});
                i = j + 1;
            } else if (c == '-' || Character.isDigit(c) || Character.isLetter(c)) {
                int j = i;
                while (j < s.length() && "-+.eE0123456789truefalsn".indexOf(s.charAt(j)) >= 0) {
                    j++;
                }
                out.add(new int[] {i, Math.max(j, i + 1)});
                i = Math.max(j, i + 1);
            } else {
                i++;
            }
        }
        return out;
    }

    @Test
    void infer_300MutatedBodies_never5xxAndStillServes() throws Exception {
        Path model = TestModels.folder(tmp.resolve("mnist/1"), 99);
        List<byte[]> images = TestModels.gray8Images(2, 31);
        List<String> bases = List.of(
                Rest.fp32Flat(images.subList(0, 1), "\"id\":\"f\",\"outputs\":[{\"name\":\"label\"}],"),
                Rest.uint8(images),
                Rest.bytes(images.stream().map(Oip::png).toList(), false),
                Rest.fp32Nested(images.subList(0, 1)));
        try (Harness h = Harness.serving(Harness.config(model).allowUnverified(true).host("127.0.0.1").httpPort(0)
                .maxMessageBytes(256 * 1024))) {
            Rest rest = new Rest(h.server.httpPort());
            Random rnd = new Random(SEED);
            Map<Integer, Integer> byStatus = new TreeMap<>();
            for (int i = 0; i < CASES; i++) {
                String body = mutate(bases.get(i % bases.size()), rnd);
                Rest.Answer a = rest.post("/v2/models/mnist/infer", body);
                byStatus.merge(a.status(), 1, Integer::sum);
                assertTrue(a.status() < 500, "case " + i + " got " + a.status() + " " + a.body() + " for: "
                        + body.substring(0, Math.min(300, body.length())));
                if (a.status() >= 400) {
                    a.error(); // {"error": "..."} without a stack trace
                } else {
                    assertEquals("mnist", a.json().get("model_name").asText(), a.body());
                }
            }
            assertTrue(byStatus.getOrDefault(400, 0) > CASES / 2, "most mutations are refused as bad requests: " + byStatus);
            rest.post("/v2/models/mnist/infer", bases.get(0)).is(200);
            rest.get("/v2/health/ready").is(200);
            System.out.println("OipRestFuzzTest answers by status: " + byStatus);
        }
    }
}
