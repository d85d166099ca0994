package dev.glyph.trainer.internal.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.util.Utils;
import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.glyph.trainer.EngineInfo;
import dev.glyph.trainer.EngineUnavailableException;
import dev.glyph.trainer.MallocTuning;
import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Process-wide settings that must be in place before DJL loads libtorch, and the one place that loads it.
 *
 * <p>Thread-safety: idempotent and safe to call from any thread.
 */
public final class EngineSetup {

    /** The environment variable that lifts DJL's offline mode: {@code 1} or {@code true}. */
    public static final String DOWNLOAD_ENV = "GLYPH_ENGINE_DOWNLOAD";
    /** DJL's offline switch (a system property; DJL's {@code DJL_OFFLINE} environment variable wins over it). */
    public static final String OFFLINE_PROPERTY = "ai.djl.offline";

    private static final Logger LOG = LoggerFactory.getLogger(EngineSetup.class);
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_TOP_PAD = -2;
    private static final int M_MMAP_THRESHOLD = -3;
    private static volatile boolean done;
    private static volatile boolean downloadRequested;
    private static volatile EngineInfo loaded;

    private EngineSetup() {
    }

    /**
     * Makes DJL fail fast instead of downloading a missing native library (unless downloads are
     * allowed: {@link #allowDownload()} or {@value #DOWNLOAD_ENV}), fills in {@code PYTORCH_FLAVOR} for a
     * user-provided libtorch ({@link LibTorchLocator}), keeps libtorch's inter-op pool at one thread, and
     * tunes glibc malloc for libtorch's allocation pattern.
     *
     * <p>The malloc tuning is the largest single speed-up of CPU training measured here (about 3x):
     * libtorch's CPU allocator frees every activation and gradient after each step, and glibc serves
     * blocks above its mmap threshold with fresh mmap/munmap, so every step page-faults tens of
     * megabytes back in. Raising the mmap and trim thresholds keeps those pages in the heap. It is
     * the in-process equivalent of {@code GLIBC_TUNABLES=glibc.malloc.mmap_threshold=...}; on
     * non-glibc platforms it is skipped. The values are {@link MallocTuning}'s.
     */
    public static synchronized void prepare() {
        applyOfflineMode();
        if (done) {
            return;
        }
        done = true;
        setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
        setIfAbsent("ai.djl.default_engine", "PyTorch");
        try {
            LibTorchLocator.Override o = LibTorchLocator.check(EngineSetup::envOrProperty, bundledJniFlavors());
            if (o != null && o.flavorDefaulted()) {
                System.setProperty(LibTorchLocator.FLAVOR, o.flavor());
            }
        } catch (IllegalArgumentException e) {
            // load() reports it; here only the settings that cannot fail
        }
        if (!Boolean.getBoolean("glyph.malloc.default")) {
            tuneMalloc();
        }
    }

    /** Lifts DJL's offline mode for this process (before libtorch loads; no effect after). */
    public static synchronized void allowDownload() {
        downloadRequested = true;
        applyOfflineMode();
    }

    /** Whether downloads were allowed, by {@link #allowDownload()} or {@value #DOWNLOAD_ENV}. */
    public static boolean downloadAllowed() {
        return downloadRequested || enabled(System.getenv(DOWNLOAD_ENV));
    }

    /**
     * Returns the value {@value #OFFLINE_PROPERTY} must have: {@code "false"} when downloads are allowed
     * (whatever the launcher set), else the current value, else {@code "true"}.
     *
     * @param current the property's current value, or null
     * @param requested whether {@link #allowDownload()} was called
     * @param env the value of {@value #DOWNLOAD_ENV}, or null
     */
    public static String offlineValue(String current, boolean requested, String env) {
        if (requested || enabled(env)) {
            return "false";
        }
        return current != null ? current : "true";
    }

    /** Whether DJL is in offline mode now (its {@code DJL_OFFLINE} variable, else the property). */
    public static boolean offline() {
        return Utils.isOfflineMode();
    }

    /**
     * Loads libtorch through DJL once and describes it; later calls return the same description.
     *
     * @throws EngineUnavailableException with one line saying what was found, what was expected and what to do
     */
    public static synchronized EngineInfo load() throws EngineUnavailableException {
        if (loaded != null) {
            return loaded;
        }
        prepare();
        Set<String> flavors = bundledJniFlavors();
        LibTorchLocator.Override override;
        try {
            override = LibTorchLocator.check(EngineSetup::envOrProperty, flavors);
        } catch (IllegalArgumentException e) {
            throw new EngineUnavailableException(e.getMessage(), e);
        }
        if (override != null && override.flavorDefaulted() && System.getenv(LibTorchLocator.FLAVOR) == null) {
            System.setProperty(LibTorchLocator.FLAVOR, override.flavor());
        }
        Optional<URL> bundled = bundledNativeJar();
        if (override == null && downloadAllowed() && bundled.isPresent()) {
            LOG.warn("libtorch downloads are allowed, but {} is on the class path and DJL prefers a bundled libtorch to a"
                    + " download; the ./glyph launcher leaves that jar out when downloads are allowed", jarName(bundled.get()));
        }
        Engine engine;
        try {
            engine = Engine.getEngine("PyTorch");
        } catch (RuntimeException | LinkageError | AssertionError e) {
            throw new EngineUnavailableException(LibTorchLocator.explain(e, downloadAllowed(), flavors), e);
        }
        loaded = describe(engine, override, bundled);
        LOG.info("libtorch {} ({}) from {} [{}: {}]", loaded.pytorchVersion(), loaded.flavor(), loaded.libraryDir(),
                loaded.source(), loaded.origin());
        return loaded;
    }

    /** What {@link #load()} loaded, or null before it succeeded. */
    public static EngineInfo current() {
        return loaded;
    }

    /** A DJL variable as DJL reads it: the environment first, then the system property. */
    public static String envOrProperty(String name) {
        String v = System.getenv(name);
        return v != null ? v : System.getProperty(name);
    }

    /** The JNI flavours that the pytorch-jni jar on the class path bundles for this platform. */
    public static Set<String> bundledJniFlavors() {
        URL props = EngineSetup.class.getClassLoader().getResource("jnilib/pytorch.properties");
        if (props == null) {
            return Set.of();
        }
        try {
            URLConnection c = props.openConnection();
            if (!(c instanceof JarURLConnection jc)) {
                return Set.of();
            }
            jc.setUseCaches(false);
            try (JarFile jar = jc.getJarFile()) {
                List<String> names = new ArrayList<>();
                Collections.list(jar.entries()).forEach(e -> names.add(e.getName()));
                return LibTorchLocator.bundledFlavors(names, LibTorchLocator.classifier());
            }
        } catch (IOException e) {
            return Set.of();
        }
    }

    /** The first {@code native/lib/pytorch.properties} of a bundled native jar on the class path, if any. */
    public static Optional<URL> bundledNativeJar() {
        return Optional.ofNullable(EngineSetup.class.getClassLoader().getResource("native/lib/pytorch.properties"));
    }

    private static EngineInfo describe(Engine engine, LibTorchLocator.Override override, Optional<URL> bundled) {
        Path dir = null;
        try {
            dir = Path.of(Torch.libtorchDir()).toAbsolutePath().normalize();
        } catch (RuntimeException e) {
            LOG.debug("libtorch folder unknown: {}", e.toString());
        }
        Path jni = mappedJni().map(Path::of).orElse(null);
        String flavor = LibTorchLocator.flavorOfJni(jni == null ? null : jni.toString());
        if (flavor == null) {
            flavor = override != null ? override.flavor()
                    : dir != null && Files.exists(dir.resolve("libtorch_cuda.so")) ? "cuda" : "cpu";
        }
        EngineInfo.Source source;
        String origin;
        if (override != null && override.dir().toAbsolutePath().normalize().equals(dir)) {
            source = EngineInfo.Source.LIBRARY_PATH;
            origin = LibTorchLocator.LIBRARY_PATH + "=" + envOrProperty(LibTorchLocator.LIBRARY_PATH);
        } else if (dir != null && inJavaLibraryPath(dir)) {
            source = EngineInfo.Source.LIBRARY_PATH;
            origin = "java.library.path";
        } else if (bundled.isPresent()) {
            source = EngineInfo.Source.BUNDLED_JAR;
            origin = jarName(bundled.get());
        } else {
            source = EngineInfo.Source.DOWNLOAD;
            origin = LibTorchLocator.DOWNLOAD_HOST + " -> " + (dir == null ? "DJL's cache" : dir);
        }
        return new EngineInfo(engine.getVersion(), Engine.getDjlVersion(), flavor, dir, jni, source, origin,
                engine.getGpuCount(), offline());
    }

    private static boolean inJavaLibraryPath(Path dir) {
        String jlp = System.getProperty("java.library.path", "");
        for (String p : jlp.split(java.io.File.pathSeparator)) {
            if (!p.isBlank() && Path.of(p).toAbsolutePath().normalize().equals(dir)) {
                return true;
            }
        }
        return false;
    }

    private static String jarName(URL url) {
        String s = url.toString();
        int bang = s.indexOf("!/");
        String file = bang > 0 ? s.substring(0, bang) : s;
        return file.substring(file.lastIndexOf('/') + 1);
    }

    /** The libdjl_torch library mapped into this process, from /proc/self/maps. */
    private static Optional<String> mappedJni() {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return Optional.empty();
        }
        try (Stream<String> lines = Files.lines(maps)) {
            return lines.map(l -> l.substring(l.lastIndexOf(' ') + 1))
                    .filter(p -> p.endsWith("libdjl_torch.so") || p.endsWith("libdjl_torch.dylib"))
                    .findFirst();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static void applyOfflineMode() {
        System.setProperty(OFFLINE_PROPERTY, offlineValue(System.getProperty(OFFLINE_PROPERTY), downloadRequested,
                System.getenv(DOWNLOAD_ENV)));
    }

    private static boolean enabled(String v) {
        return v != null && (v.trim().equals("1") || v.trim().toLowerCase(Locale.ROOT).equals("true"));
    }

    /**
     * Applies a training's process-wide libtorch settings: the intra-op thread count (when
     * {@code threads > 0}), cuDNN benchmark mode off, and on a GPU cuDNN's deterministic flag on (as
     * the reference's {@code torch.backends.cudnn.deterministic = True}) and libtorch's deterministic
     * algorithms on in warn-only mode ({@code torch.use_deterministic_algorithms(True, warn_only=True)}),
     * with {@value #CUBLAS_WORKSPACE_CONFIG}={@value #CUBLAS_WORKSPACE} set in the process environment
     * unless the user set it (cuBLAS reads it when libtorch creates its handle, at the first matmul).
     *
     * @return libtorch's intra-op thread count
     */
    public static int configure(int threads, Device device) {
        if (threads > 0) {
            Torch.setNumThreads(threads);
        }
        Torch.disableCudnnBenchmark(); // deterministic algorithm choice on cuDNN
        if (device.isGpu()) {
            if (!LibTorchFlags.setDeterministicCudnn(true)) {
                LOG.warn("cannot set cuDNN's deterministic flag (libtorch's at::Context symbols are not reachable); "
                        + "GPU reruns with the same seed may differ in the last bits");
            }
            if (System.getenv(CUBLAS_WORKSPACE_CONFIG) == null && !setenv(CUBLAS_WORKSPACE_CONFIG, CUBLAS_WORKSPACE)) {
                LOG.warn("cannot set {} in the process environment; cuBLAS may pick nondeterministic reductions",
                        CUBLAS_WORKSPACE_CONFIG);
            }
            if (!LibTorchFlags.setDeterministicAlgorithms(true, true)) {
                LOG.warn("cannot switch libtorch's deterministic algorithms on (at::Context symbols not reachable); "
                        + "GPU reruns with the same seed may differ in the last bits");
            }
        }
        return Torch.numThreads();
    }

    /** cuBLAS's workspace variable that {@code torch.use_deterministic_algorithms} asks for on CUDA 10.2+. */
    public static final String CUBLAS_WORKSPACE_CONFIG = "CUBLAS_WORKSPACE_CONFIG";
    /** The value PyTorch's reproducibility notes give (eight 4 MiB workspaces). */
    public static final String CUBLAS_WORKSPACE = ":4096:8";

    private interface LibC extends Library {
        int mallopt(int param, int value);

        int setenv(String name, String value, int overwrite);
    }

    /** Sets a variable in the C environment of this process (Java's {@code System.getenv} does not see it). */
    static boolean setenv(String name, String value) {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return false;
        }
        try {
            return Native.load("c", LibC.class).setenv(name, value, 0) == 0;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return false;
        }
    }

    private static void tuneMalloc() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return;
        }
        try {
            LibC c = Native.load("c", LibC.class);
            boolean ok = c.mallopt(M_MMAP_THRESHOLD, MallocTuning.MMAP_THRESHOLD) == 1
                    & c.mallopt(M_TRIM_THRESHOLD, MallocTuning.TRIM_THRESHOLD) == 1
                    & c.mallopt(M_TOP_PAD, MallocTuning.TOP_PAD) == 1;
            LOG.debug("glibc malloc tuned for libtorch: {}", ok);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.debug("malloc tuning skipped: {}", e.toString());
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
