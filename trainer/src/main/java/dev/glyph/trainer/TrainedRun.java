package dev.glyph.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.trainer.internal.checkpoint.CheckpointData;
import dev.glyph.trainer.internal.checkpoint.CheckpointStore;
import dev.glyph.trainer.internal.model.WeightInit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A finished (or partly finished) run folder, read back from its verified checkpoint and provenance.
 *
 * <pre>{@code
 * TrainedRun run = TrainedRun.open(Path.of("runs/first"));
 * ModelWeights w = run.weights();          // eval form, takes pixel/255
 * String provenance = run.provenanceJson();
 * }</pre>
 *
 * <p>Thread-safety: immutable after {@link #open}.
 */
public final class TrainedRun {

    private final Path dir;
    private final CheckpointData checkpoint;
    private final String provenanceJson;
    private final JsonNode provenance;

    private TrainedRun(Path dir, CheckpointData checkpoint, String provenanceJson, JsonNode provenance) {
        this.dir = dir;
        this.checkpoint = checkpoint;
        this.provenanceJson = provenanceJson;
        this.provenance = provenance;
    }

    /**
     * Reads {@code runDir}: its checkpoint (checksum-verified, MnistNet shapes) and provenance.json.
     *
     * @throws CheckpointException if the folder, checkpoint or provenance is missing or corrupt
     */
    public static TrainedRun open(Path runDir) throws CheckpointException {
        if (!Files.isDirectory(runDir)) {
            throw new CheckpointException("run folder " + runDir + " does not exist; expected the --out folder of "
                    + "`./glyph train`");
        }
        CheckpointData ck = CheckpointStore.read(runDir.resolve(Trainer.CHECKPOINT_DIR).resolve(CheckpointStore.FILE));
        Path provFile = runDir.resolve("provenance.json");
        String text;
        JsonNode node;
        try {
            text = Files.readString(provFile, StandardCharsets.UTF_8);
            node = new ObjectMapper().readTree(text);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("run folder " + runDir + " has a checkpoint but no provenance.json (the training "
                    + "was stopped right after its first checkpoint); `glyph train --resume` with the same options "
                    + "writes it");
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + provFile + ": " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new CheckpointException(provFile + " is not a JSON object");
        }
        return new TrainedRun(runDir, ck, text, node);
    }

    /** The run folder. */
    public Path dir() {
        return dir;
    }

    /** The number of completed epochs in the checkpoint. */
    public int epochs() {
        return checkpoint.epoch();
    }

    /** Metrics of every completed epoch. */
    public List<EpochMetrics> metrics() {
        return checkpoint.metrics();
    }

    /** The last epoch's test-set accuracy in percent. */
    public double testAccuracy() {
        List<EpochMetrics> m = metrics();
        return m.isEmpty() ? Double.NaN : m.get(m.size() - 1).valAcc();
    }

    /** The dataset the run trained on ("mnist" or "fashion-mnist"). */
    public String dataset() {
        return String.valueOf(checkpoint.identity().get("dataset"));
    }

    /** The hyperparameters that identify the run. */
    public Map<String, Object> identity() {
        return checkpoint.identity();
    }

    /**
     * The trained parameters in eval form: when the run standardised its inputs, the standardisation
     * is folded into conv1, so the weights always take pixel/255.
     */
    public ModelWeights weights() {
        ModelWeights raw = new ModelWeights(checkpoint.params());
        double[] n = checkpoint.normalization();
        return n == null ? raw : WeightInit.foldNormalization(raw, n[0], n[1]);
    }

    /** provenance.json as written by the trainer. */
    public String provenanceJson() {
        return provenanceJson;
    }

    /** provenance.json parsed. */
    public JsonNode provenance() {
        return provenance;
    }
}
