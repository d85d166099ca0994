package dev.glyph.inferencesdk.internal;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import dev.glyph.inferencesdk.Device;
import dev.glyph.inferencesdk.DigitClassifier;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.InferenceException;
import dev.glyph.inferencesdk.ModelInfo;
import dev.glyph.inferencesdk.ModelLoadException;
import dev.glyph.inferencesdk.Options;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.modelformat.Manifest;
import dev.glyph.modelformat.ManifestFile;
import dev.glyph.modelformat.ModelFolder;
import dev.glyph.modelformat.ModelFormatException;
import dev.glyph.modelformat.TensorSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ONNX Runtime session behind {@link DigitClassifier}: loads and verifies a model folder, and
 * runs batches through one shared {@link OrtSession}.
 *
 * <p>Per call it takes a pooled input slot for exactly that batch size: a direct {@link FloatBuffer}
 * and the {@link OnnxTensor} that ONNX Runtime built over it without a copy. It fills the buffer,
 * runs the session asking only for {@code log_probs}, closes the result, and returns the slot, so a
 * steady stream of calls creates no native tensors at all. Slots are closed with the classifier. A read-write lock lets any number of calls run at once while
 * {@link #close()} waits for them, so the native session is never used after release.
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class OrtClassifier implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OrtClassifier.class);

    /** Shape the SDK needs for the input ({@code -1} = symbolic batch). */
    public static final long[] INPUT_SHAPE = {-1, 1, 28, 28};
    /** Shape the SDK needs for the output. */
    public static final long[] OUTPUT_SHAPE = {-1, 10};

    private static final int PIXELS = DigitImage.PIXELS;
    /** Input slots up to this batch size are kept for reuse; larger ones are freed after the call. */
    private static final int POOLED_MAX_BATCH = 256;
    private static final int CLASSES = DigitClassifier.CLASSES;

    private final OrtEnvironment env;
    private final OrtSession session;
    private final OrtSession.SessionOptions sessionOptions;
    private final ModelInfo info;
    private final Options options;
    private final String provider;
    private final double temperature;
    private final Set<String> outputNames = Set.of(DigitClassifier.OUTPUT_NAME);
    private final java.util.concurrent.ConcurrentHashMap<Integer, ConcurrentLinkedQueue<Slot>> slots =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile boolean closed;

    private OrtClassifier(OrtEnvironment env, OrtSession session, OrtSession.SessionOptions so, ModelInfo info,
            Options options, String provider) {
        this.env = env;
        this.session = session;
        this.sessionOptions = so;
        this.info = info;
        this.options = options;
        this.provider = provider;
        this.temperature = options.applyTemperature() ? info.temperature() : 1.0;
    }

    /**
     * Opens and verifies a model folder.
     *
     * @throws ModelLoadException with what was found and what was expected
     */
    public static OrtClassifier open(Path dir, Options options) throws ModelLoadException {
        ManifestFile manifest;
        try {
            manifest = ManifestFile.read(dir);
        } catch (ModelFormatException e) {
            throw new ModelLoadException(e.getMessage(), e);
        }
        ModelInfo info = modelInfo(dir, manifest);
        checkManifestSchema(info);
        Path onnx = dir.resolve(ModelFolder.ONNX);
        byte[] model = readModel(dir, manifest, options.verifyHashes());

        OrtEnvironment env;
        Set<String> available = new HashSet<>();
        try {
            env = OrtEnvironment.getEnvironment();
            EnumSet<OrtProvider> providers = OrtEnvironment.getAvailableProviders();
            for (OrtProvider p : providers) {
                available.add(providerName(p));
            }
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new ModelLoadException("ONNX Runtime could not be initialised: " + e.getMessage()
                    + "; expected the onnxruntime native library for this platform");
        }
        ProviderSelector.Selected<SessionAndOptions> sel = ProviderSelector.select(options.device(),
                options.allowCpuFallback(), available, device -> createSession(env, model, options, device));
        OrtSession session = sel.value().session();
        try {
            checkSessionSchema(session, onnx);
        } catch (ModelLoadException | RuntimeException e) {
            closeQuietly(session, sel.value().options());
            throw e;
        }
        LOG.info("loaded {} {}/{} from {} on {} ({} intra-op threads)", ModelFolder.ONNX, info.name(),
                info.version(), dir, sel.provider(), options.intraOpThreads() == 0 ? "default" : options.intraOpThreads());
        return new OrtClassifier(env, session, sel.value().options(), info, options, sel.provider());
    }

    private record SessionAndOptions(OrtSession session, OrtSession.SessionOptions options) {
    }

    private static String providerName(OrtProvider p) {
        return switch (p) {
            case CPU -> ProviderSelector.CPU;
            case CUDA -> ProviderSelector.CUDA;
            default -> p.name();
        };
    }

    /** The SDK's ModelInfo view of a manifest. */
    static ModelInfo modelInfo(Path dir, ManifestFile file) {
        Manifest m = file.manifest();
        String producer = m.producer() == null ? "" : (m.producer().name() + " " + m.producer().version()).trim();
        String provenance = m.provenance() == null ? "null" : m.provenance().toString();
        return new ModelInfo(dir.toAbsolutePath().normalize(), m.formatVersion(), m.name(), m.version(),
                m.created() == null ? "" : m.created(), producer, m.files(), m.input(), m.outputs(), m.labels(),
                m.accuracy(), provenance, file.text(), m.precisionOrDefault(), m.temperatureOrDefault());
    }

    /**
     * Creates the session options the SDK uses for {@code options} on the CPU: the thread counts of
     * {@link Options} and all graph optimisations (ONNX Runtime's default). The caller closes the result.
     */
    private static OrtSession.SessionOptions newSessionOptions(Options options) throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        try {
            if (options.intraOpThreads() > 0) {
                so.setIntraOpNumThreads(options.intraOpThreads());
            }
            if (options.interOpThreads() > 0) {
                so.setInterOpNumThreads(options.interOpThreads());
            }
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            return so;
        } catch (OrtException | RuntimeException e) {
            so.close();
            throw e;
        }
    }

    private static SessionAndOptions createSession(OrtEnvironment env, byte[] model, Options options, Device device)
            throws OrtException {
        OrtSession.SessionOptions so = newSessionOptions(options);
        try {
            if (device.isCuda()) {
                so.addCUDA(device.deviceId());
            }
            return new SessionAndOptions(env.createSession(model, so), so);
        } catch (OrtException | RuntimeException e) {
            so.close();
            throw e;
        }
    }

    private static void closeQuietly(OrtSession s, OrtSession.SessionOptions so) {
        try {
            s.close();
        } catch (OrtException | RuntimeException e) {
            LOG.debug("closing session failed", e);
        }
        so.close();
    }

    static void checkManifestSchema(ModelInfo info) throws ModelLoadException {
        String where = info.directory().resolve(ModelFolder.MANIFEST).toString();
        TensorSpec in = info.input();
        if (!in.name().equals(DigitClassifier.INPUT_NAME) || !in.dtype().equals("float32")
                || !in.shapeMatches(INPUT_SHAPE)) {
            throw new ModelLoadException(where + ": input is " + in.name() + " " + in.dtype() + " "
                    + Arrays.toString(in.shape()) + "; this SDK needs " + DigitClassifier.INPUT_NAME
                    + " float32 [-1, 1, 28, 28]");
        }
        TensorSpec out = null;
        for (TensorSpec o : info.outputs()) {
            if (o.name().equals(DigitClassifier.OUTPUT_NAME)) {
                out = o;
            }
        }
        if (out == null) {
            throw new ModelLoadException(where + ": outputs are " + info.outputs() + "; this SDK needs "
                    + DigitClassifier.OUTPUT_NAME + " float32 [-1, 10]");
        }
        if (!out.dtype().equals("float32") || !out.shapeMatches(OUTPUT_SHAPE)) {
            throw new ModelLoadException(where + ": output is " + out + "; this SDK needs "
                    + DigitClassifier.OUTPUT_NAME + " float32 [-1, 10]");
        }
        if (info.labels().size() != CLASSES) {
            throw new ModelLoadException(where + ": labels has " + info.labels().size() + " entries; expected "
                    + CLASSES);
        }
    }

    /**
     * Reads model.onnx; with {@code verify} its size and SHA-256 are checked against the manifest on the very
     * bytes that go to ONNX Runtime.
     */
    static byte[] readModel(Path dir, ManifestFile manifest, boolean verify) throws ModelLoadException {
        try {
            if (verify) {
                return ModelFolder.readVerified(dir, manifest, ModelFolder.ONNX);
            }
            manifest.requireFile(ModelFolder.ONNX);
        } catch (ModelFormatException e) {
            throw new ModelLoadException(e.getMessage(), e);
        }
        Path onnx = dir.resolve(ModelFolder.ONNX);
        try {
            return Files.readAllBytes(onnx);
        } catch (NoSuchFileException e) {
            throw new ModelLoadException(onnx + " does not exist; the manifest lists it", e);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + onnx + ": " + e.getMessage(), e);
        }
    }

    static void checkSessionSchema(OrtSession session, Path onnx) throws ModelLoadException {
        try {
            Map<String, NodeInfo> inputs = session.getInputInfo();
            if (inputs.size() != 1 || !inputs.containsKey(DigitClassifier.INPUT_NAME)) {
                throw new ModelLoadException(onnx + " has inputs " + describe(inputs) + "; expected exactly one: "
                        + DigitClassifier.INPUT_NAME + " float [?,1,28,28]");
            }
            checkTensor(onnx, "input", inputs.get(DigitClassifier.INPUT_NAME), INPUT_SHAPE);
            Map<String, NodeInfo> outputs = session.getOutputInfo();
            NodeInfo out = outputs.get(DigitClassifier.OUTPUT_NAME);
            if (out == null) {
                throw new ModelLoadException(onnx + " has outputs " + describe(outputs) + "; expected one called "
                        + DigitClassifier.OUTPUT_NAME + " float [?,10]");
            }
            checkTensor(onnx, "output", out, OUTPUT_SHAPE);
        } catch (OrtException e) {
            throw new ModelLoadException("cannot read the inputs and outputs of " + onnx + ": " + e.getMessage());
        }
    }

    private static void checkTensor(Path onnx, String role, NodeInfo node, long[] expected) throws ModelLoadException {
        ValueInfo vi = node.getInfo();
        String want = node.getName() + " float " + TensorSpec.shapeText(expected);
        if (!(vi instanceof TensorInfo ti)) {
            throw new ModelLoadException(onnx + " " + role + " " + node.getName() + " is " + vi + "; expected a tensor "
                    + want);
        }
        if (ti.type != OnnxJavaType.FLOAT || !Arrays.equals(expected, ti.getShape())) {
            throw new ModelLoadException(onnx + " " + role + " is " + node.getName() + " "
                    + ti.type.name().toLowerCase(java.util.Locale.ROOT) + " " + TensorSpec.shapeText(ti.getShape())
                    + "; expected " + want);
        }
    }

    private static String describe(Map<String, NodeInfo> nodes) {
        List<String> out = new ArrayList<>();
        for (NodeInfo n : nodes.values()) {
            if (n.getInfo() instanceof TensorInfo ti) {
                out.add(n.getName() + " " + ti.type.name().toLowerCase(java.util.Locale.ROOT) + " "
                        + TensorSpec.shapeText(ti.getShape()));
            } else {
                out.add(n.getName());
            }
        }
        return out.toString();
    }

    /**
     * Classifies a batch; see {@link DigitClassifier#classifyBatch(List)}.
     */
    public List<Prediction> classifyBatch(List<DigitImage> images) {
        if (images == null) {
            throw new IllegalArgumentException("image list is null; expected 1.." + options.maxBatchSize() + " images");
        }
        int n = images.size();
        if (n == 0) {
            throw new IllegalArgumentException("image list is empty; expected 1.." + options.maxBatchSize() + " images");
        }
        if (n > options.maxBatchSize()) {
            throw new IllegalArgumentException("batch has " + n + " images; expected at most " + options.maxBatchSize()
                    + " (Options.maxBatchSize)");
        }
        Slot slot = acquire(n);
        try {
            FloatBuffer buf = slot.buffer;
            for (int i = 0; i < n; i++) {
                DigitImage img = images.get(i);
                if (img == null) {
                    throw new IllegalArgumentException("image " + i + " of " + n + " is null");
                }
                img.copyTo(buf);
            }
            float[] logProbs = run(slot);
            Prediction[] out = new Prediction[n];
            for (int i = 0; i < n; i++) {
                out[i] = Postprocessor.fromLogProbs(logProbs, i * CLASSES, CLASSES, temperature);
            }
            return Arrays.asList(out);
        } finally {
            release(slot);
        }
    }

    /** Runs the images in {@code slot} and returns the {@code n x 10} log-probabilities. */
    private float[] run(Slot slot) {
        int n = slot.n;
        ReentrantReadWriteLock.ReadLock lock = lifecycle.readLock();
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("classifier for " + info.directory() + " is closed");
            }
            try (OrtSession.Result result = session.run(slot.inputs, outputNames)) {
                OnnxValue v = result.get(0);
                if (!(v instanceof OnnxTensor t)) {
                    throw new InferenceException("model returned " + v.getInfo() + " for "
                            + DigitClassifier.OUTPUT_NAME + "; expected a float tensor [" + n + ",10]");
                }
                FloatBuffer fb = t.getFloatBuffer();
                if (fb == null || fb.remaining() != n * CLASSES) {
                    throw new InferenceException("model returned " + (fb == null ? "no floats" : fb.remaining() + " floats")
                            + " for " + DigitClassifier.OUTPUT_NAME + "; expected " + n * CLASSES + " (" + n + "x10)");
                }
                float[] out = new float[n * CLASSES];
                fb.get(out);
                return out;
            } catch (OrtException e) {
                throw new InferenceException("inference on a batch of " + n + " failed: " + e.getMessage(), e);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * An input buffer for exactly {@code n} images and the tensor ONNX Runtime built over it. The
     * tensor reads the buffer's memory directly, so refilling the buffer changes what it holds.
     */
    private static final class Slot {
        final int n;
        final FloatBuffer buffer;
        final OnnxTensor tensor;
        final Map<String, OnnxTensor> inputs;

        Slot(OrtEnvironment env, int n) throws OrtException {
            this.n = n;
            this.buffer = ByteBuffer.allocateDirect(n * PIXELS * Float.BYTES).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            this.tensor = OnnxTensor.createTensor(env, buffer, new long[] {n, 1, 28, 28});
            this.inputs = Map.of(DigitClassifier.INPUT_NAME, tensor);
        }
    }

    private Slot acquire(int n) {
        Slot s = slots.computeIfAbsent(n, k -> new ConcurrentLinkedQueue<>()).poll();
        if (s == null) {
            try {
                s = new Slot(env, n);
            } catch (OrtException e) {
                throw new InferenceException("cannot allocate an input tensor for " + n + " images: " + e.getMessage(), e);
            }
        }
        s.buffer.clear();
        return s;
    }

    private void release(Slot s) {
        ReentrantReadWriteLock.ReadLock lock = lifecycle.readLock();
        lock.lock();
        try {
            if (closed || s.n > POOLED_MAX_BATCH) {
                s.tensor.close();
            } else {
                slots.get(s.n).offer(s);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Returns the manifest information. */
    public ModelInfo modelInfo() {
        return info;
    }

    /** Returns {@code CPU} or {@code CUDA}. */
    public String activeProvider() {
        return provider;
    }

    /** Returns the temperature probabilities are computed at (1 when the model has none or it is not applied). */
    public double temperature() {
        return temperature;
    }

    /** Returns the options. */
    public Options options() {
        return options;
    }

    /** Returns whether closed. */
    public boolean isClosed() {
        return closed;
    }

    /** Waits for running calls, then releases the session. Idempotent. */
    @Override
    public void close() {
        ReentrantReadWriteLock.WriteLock lock = lifecycle.writeLock();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            closeQuietly(session, sessionOptions);
            for (ConcurrentLinkedQueue<Slot> q : slots.values()) {
                for (Slot sl; (sl = q.poll()) != null; ) {
                    sl.tensor.close();
                }
            }
        } finally {
            lock.unlock();
        }
    }
}
