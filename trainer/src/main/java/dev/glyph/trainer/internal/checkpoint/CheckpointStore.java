package dev.glyph.trainer.internal.checkpoint;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glyph.modelformat.AtomicFiles;
import dev.glyph.modelformat.Sha256;
import dev.glyph.trainer.CheckpointException;
import dev.glyph.trainer.EpochMetrics;
import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the single-file checkpoint format, {@code checkpoint/last.ckpt}:
 *
 * <pre>
 * "GLYPHCKP" | u32 LE format version (1) | u32 LE header length | header (UTF-8 JSON)
 * | tensor data (float32 LE, in header order) | SHA-256 of all preceding bytes (32 bytes)
 * </pre>
 *
 * <p>Writes are atomic: a temporary file in the same folder is written, fsynced and renamed over the
 * old one, then the folder is fsynced, so a crash leaves either the old or the new checkpoint. A
 * truncated, corrupt or foreign file fails the checksum or the structure checks and is refused.
 *
 * <p>Thread-safety: stateless.
 */
public final class CheckpointStore {

    /** The file name inside the checkpoint folder. */
    public static final String FILE = "last.ckpt";
    private static final byte[] MAGIC = "GLYPHCKP".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int DIGEST = 32;
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckpointStore() {
    }

    /** Writes {@code data} atomically to {@code file}, creating its folder. */
    public static void write(Path file, CheckpointData data) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        header.put("format", "glyph-checkpoint");
        header.put("architecture", "MnistNet");
        header.put("parameter_count", MnistNet.PARAMETER_COUNT);
        header.put("epoch", data.epoch());
        header.put("optimizer_steps", data.optimizerSteps());
        if (!Float.isNaN(data.lastLr())) {
            header.put("last_lr", data.lastLr());
        }
        header.set("identity", JSON.valueToTree(data.identity()));
        header.set("metrics", JSON.valueToTree(data.metrics()));
        if (data.normalization() != null) {
            header.set("normalization", JSON.valueToTree(data.normalization()));
        }
        ArrayNode tensors = header.putArray("tensors");
        List<Tensor> all = new ArrayList<>(data.params());
        all.addAll(data.optimizerState());
        long dataBytes = 0;
        for (Tensor t : all) {
            ObjectNode n = tensors.addObject();
            n.put("name", t.name());
            n.set("shape", JSON.valueToTree(t.shape()));
            dataBytes += 4L * t.size();
        }
        header.put("param_tensors", data.params().size());
        byte[] h = JSON.writeValueAsBytes(header);
        long total = MAGIC.length + 8L + h.length + dataBytes + DIGEST;
        if (total > Integer.MAX_VALUE) {
            throw new IOException("checkpoint too large: " + total + " bytes");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).putInt(VERSION).putInt(h.length).put(h);
        for (Tensor t : all) {
            buf.asFloatBuffer().put(t.data());
            buf.position(buf.position() + 4 * t.size());
        }
        buf.put(Sha256.digest(buf.array(), 0, buf.position()));
        AtomicFiles.write(file, buf.array());
    }

    /**
     * Reads and verifies {@code file}.
     *
     * @throws CheckpointException if it is missing, truncated, corrupt, or not an MnistNet checkpoint
     */
    public static CheckpointData read(Path file) throws CheckpointException {
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("no checkpoint at " + file + ": expected a run folder written by "
                    + "`./glyph train` (its checkpoint/" + FILE + " is missing)");
        } catch (IOException e) {
            throw new CheckpointException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
        }
        String refuse = "refusing corrupt or partial checkpoint " + file + ": ";
        if (b.length < MAGIC.length + 8 + DIGEST || !Arrays.equals(Arrays.copyOf(b, MAGIC.length), MAGIC)) {
            throw new CheckpointException(refuse + "expected a Glyph checkpoint (magic GLYPHCKP, at least "
                    + (MAGIC.length + 8 + DIGEST) + " bytes), found " + b.length + " bytes"
                    + (b.length >= MAGIC.length ? " starting with " + printable(b) : ""));
        }
        byte[] want = Arrays.copyOfRange(b, b.length - DIGEST, b.length);
        byte[] got = Sha256.digest(b, 0, b.length - DIGEST);
        if (!MessageDigest.isEqual(want, got)) {
            throw new CheckpointException(refuse + "SHA-256 of its " + (b.length - DIGEST)
                    + " content bytes does not match the stored checksum (truncated or modified)");
        }
        ByteBuffer buf = ByteBuffer.wrap(b, 0, b.length - DIGEST).order(ByteOrder.LITTLE_ENDIAN);
        buf.position(MAGIC.length);
        int version = buf.getInt();
        if (version != VERSION) {
            throw new CheckpointException("checkpoint " + file + " has format version " + version
                    + ", this Glyph reads version " + VERSION);
        }
        int hlen = buf.getInt();
        if (hlen < 2 || hlen > buf.remaining()) {
            throw new CheckpointException(refuse + "header length " + hlen + " exceeds the file");
        }
        JsonNode header;
        try {
            header = JSON.readTree(new String(b, buf.position(), hlen, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CheckpointException(refuse + "header is not valid JSON: " + e.getMessage(), e);
        }
        buf.position(buf.position() + hlen);
        if (!"MnistNet".equals(header.path("architecture").asText())) {
            throw new CheckpointException("checkpoint " + file + " is for architecture '"
                    + header.path("architecture").asText() + "', expected 'MnistNet'");
        }
        try {
            List<Tensor> tensors = new ArrayList<>();
            for (JsonNode n : header.withArray("tensors")) {
                long[] shape = JSON.convertValue(n.get("shape"), long[].class);
                long numel = Tensor.numel(shape);
                if (4 * numel > buf.remaining()) {
                    throw new CheckpointException(refuse + "tensor " + n.path("name").asText() + " needs "
                            + 4 * numel + " bytes, only " + buf.remaining() + " remain");
                }
                float[] data = new float[(int) numel];
                buf.asFloatBuffer().get(data);
                buf.position(buf.position() + 4 * data.length);
                tensors.add(new Tensor(n.path("name").asText(), shape, data));
            }
            if (buf.remaining() != 0) {
                throw new CheckpointException(refuse + buf.remaining() + " unexpected bytes after the tensors");
            }
            int nParams = header.path("param_tensors").asInt(-1);
            if (nParams != MnistNet.PARAMETERS.size() || tensors.size() < nParams) {
                throw new CheckpointException("checkpoint " + file + " holds " + nParams
                        + " parameter tensors, expected MnistNet's " + MnistNet.PARAMETERS.size());
            }
            List<EpochMetrics> metrics = JSON.convertValue(header.get("metrics"),
                    new TypeReference<List<EpochMetrics>>() { });
            Map<String, Object> identity = JSON.convertValue(header.get("identity"),
                    new TypeReference<Map<String, Object>>() { });
            double[] norm = header.has("normalization")
                    ? JSON.convertValue(header.get("normalization"), double[].class) : null;
            List<Tensor> params = List.copyOf(tensors.subList(0, nParams));
            // validates names and shapes against the architecture
            new dev.glyph.trainer.ModelWeights(params);
            float lastLr = header.has("last_lr") ? Float.parseFloat(header.get("last_lr").asText()) : Float.NaN;
            return new CheckpointData(header.path("epoch").asInt(), header.path("optimizer_steps").asLong(), lastLr,
                    identity, metrics, norm, params, List.copyOf(tensors.subList(nParams, tensors.size())));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("checkpoint " + file + " does not match MnistNet: " + e.getMessage(), e);
        }
    }

    private static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < MAGIC.length; i++) {
            char c = (char) (b[i] & 0xff);
            sb.append(c >= 32 && c < 127 ? c : '?');
        }
        return sb.append('\'').toString();
    }
}
