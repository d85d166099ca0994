package dev.glyph.trainer.internal.engine;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks DJL's own libtorch variables ({@code PYTORCH_LIBRARY_PATH}, {@code PYTORCH_VERSION},
 * {@code PYTORCH_FLAVOR}) before DJL reads them, and turns DJL's load failures into one line that says
 * what to do. Pure logic: the variable lookup, the flavours of the bundled JNI and the failure are
 * passed in, so it is unit-testable without loading libtorch.
 *
 * <p>Why: DJL silently falls back to the bundled CPU libtorch when {@code PYTORCH_LIBRARY_PATH} holds
 * no {@code libtorch.so} (a typo trains on the CPU without a word); with the variable set and no
 * {@code PYTORCH_FLAVOR} it asks for a {@code cpu-precxx11} or {@code cu<driver>-precxx11} JNI that
 * pytorch-jni 2.7.1-0.36.0 does not bundle ("Cannot copy jni files"); and a libtorch of another version
 * fails with undefined C++ symbols.
 *
 * <pre>{@code
 * LibTorchLocator.Override o = LibTorchLocator.check(EngineSetup::envOrProperty, Set.of("cpu", "cu128"));
 * if (o != null && o.flavorDefaulted()) System.setProperty("PYTORCH_FLAVOR", o.flavor());
 * }</pre>
 *
 * <p>Thread-safety: stateless.
 */
public final class LibTorchLocator {

    /** DJL's variable: a folder (or path list) holding {@code libtorch.so}. */
    public static final String LIBRARY_PATH = "PYTORCH_LIBRARY_PATH";
    /** DJL's variable: the libtorch version of that folder. */
    public static final String VERSION = "PYTORCH_VERSION";
    /** DJL's variable: the libtorch flavour, which picks the JNI build ({@code cpu}, {@code cu128}). */
    public static final String FLAVOR = "PYTORCH_FLAVOR";
    /** The libtorch version DJL 0.36.0's pytorch-jni is built for. */
    public static final String SUPPORTED_VERSION = "2.7.1";
    /** The host DJL downloads libtorch from. */
    public static final String DOWNLOAD_HOST = "https://publish.djl.ai";

    private static final String LIBTORCH = "libtorch.so";
    private static final String LIBTORCH_CUDA = "libtorch_cuda.so";
    private static final Pattern PY_VERSION = Pattern.compile("__version__\\s*=\\s*['\"]([^'\"]+)['\"]");
    private static final Pattern BASE_VERSION = Pattern.compile("^(\\d+\\.\\d+\\.\\d+)");
    private static final Pattern JNI_ENTRY = Pattern.compile("jnilib/([^/]+)/([^/]+)/libdjl_torch\\.(so|dylib)|"
            + "jnilib/([^/]+)/([^/]+)/djl_torch\\.dll");
    private static final Pattern CACHE_FLAVOR = Pattern.compile("-(cpu|cu\\d{3})(?:-precxx11)?-[a-z]+-[a-z0-9_]+$");

    private LibTorchLocator() {
    }

    /**
     * A user-provided libtorch, checked.
     *
     * @param dir the folder holding {@code libtorch.so}
     * @param flavor the JNI flavour DJL will use ({@code cpu} or a CUDA one such as {@code cu128})
     * @param flavorDefaulted whether {@code PYTORCH_FLAVOR} was unset and {@code flavor} is Glyph's choice
     *     (the caller sets it as a system property, which DJL reads like the variable)
     * @param version the version found in the folder's {@code ../version.py} (pip wheel) or
     *     {@code ../build-version} (libtorch zip), or null when neither is there
     * @param cuda whether the folder holds {@code libtorch_cuda.so}
     */
    public record Override(Path dir, String flavor, boolean flavorDefaulted, String version, boolean cuda) {
    }

    /**
     * Checks the three variables.
     *
     * @param lookup returns a variable's value as DJL sees it (environment first, then system property), or null
     * @param bundledFlavors the JNI flavours pytorch-jni bundles for this platform, e.g. {@code [cpu, cu128]}
     * @return the user-provided libtorch, or null when {@code PYTORCH_LIBRARY_PATH} is unset
     * @throws IllegalArgumentException with one line saying what was found, what was expected and what to do
     */
    public static Override check(UnaryOperator<String> lookup, Set<String> bundledFlavors) {
        String version = blankToNull(lookup.apply(VERSION));
        if (version != null && !SUPPORTED_VERSION.equals(baseVersion(version))) {
            throw new IllegalArgumentException(VERSION + "=" + version + ": Glyph's DJL 0.36.0 JNI (pytorch-jni "
                    + SUPPORTED_VERSION + "-0.36.0) is built for libtorch " + SUPPORTED_VERSION + "; expected "
                    + VERSION + "=" + SUPPORTED_VERSION + " or unset");
        }
        String flavor = blankToNull(lookup.apply(FLAVOR));
        if (flavor != null && !bundledFlavors.isEmpty() && !bundledFlavors.contains(flavor)) {
            throw new IllegalArgumentException(FLAVOR + "=" + flavor + ": pytorch-jni " + SUPPORTED_VERSION
                    + "-0.36.0 bundles JNI libraries for " + String.join(", ", new TreeSet<>(bundledFlavors))
                    + " only (DJL does not download a JNI when the bundled one matches the version); expected one of"
                    + " those: " + cudaFlavor(bundledFlavors) + " for a CUDA 12 build of libtorch " + SUPPORTED_VERSION
                    + " (that JNI links only libtorch's own libraries), cpu for a CPU build");
        }
        String paths = blankToNull(lookup.apply(LIBRARY_PATH));
        if (paths == null) {
            return null;
        }
        Path dir = libtorchDir(paths);
        if (dir == null) {
            throw new IllegalArgumentException(LIBRARY_PATH + "=" + paths + ": " + describeMissing(paths)
                    + "; expected the lib/ folder of a libtorch " + SUPPORTED_VERSION + " build with " + LIBTORCH
                    + ", e.g. .../site-packages/torch/lib of pip's torch==" + SUPPORTED_VERSION + ", or unset it to use"
                    + " the bundled CPU libtorch");
        }
        String found = folderVersion(dir);
        if (found != null && !SUPPORTED_VERSION.equals(baseVersion(found))) {
            throw new IllegalArgumentException(LIBRARY_PATH + "=" + paths + ": " + dir + " holds libtorch " + found
                    + "; Glyph's DJL 0.36.0 JNI needs libtorch " + SUPPORTED_VERSION + " (e.g. pip install torch=="
                    + SUPPORTED_VERSION + ")");
        }
        boolean cuda = Files.isRegularFile(dir.resolve(LIBTORCH_CUDA));
        boolean defaulted = flavor == null;
        if (defaulted) {
            flavor = cuda ? cudaFlavor(bundledFlavors) : "cpu";
        } else if (flavor.startsWith("cu") && !cuda) {
            throw new IllegalArgumentException(FLAVOR + "=" + flavor + " but " + dir + " holds no " + LIBTORCH_CUDA
                    + " (a CPU build of libtorch); expected " + FLAVOR + "=cpu, or a CUDA build in " + LIBRARY_PATH);
        }
        return new Override(dir, flavor, defaulted, found, cuda);
    }

    /**
     * Returns the JNI flavours in pytorch-jni's entry names for one platform.
     *
     * @param entryNames the jar's entry names, e.g. {@code jnilib/linux-x86_64/cu128/libdjl_torch.so}
     * @param classifier DJL's platform classifier, e.g. {@code linux-x86_64}
     */
    public static Set<String> bundledFlavors(List<String> entryNames, String classifier) {
        Set<String> out = new TreeSet<>();
        for (String e : entryNames) {
            Matcher m = JNI_ENTRY.matcher(e);
            if (m.matches()) {
                String cls = m.group(1) != null ? m.group(1) : m.group(4);
                String flavor = m.group(2) != null ? m.group(2) : m.group(5);
                if (cls.equals(classifier)) {
                    out.add(flavor);
                }
            }
        }
        return out;
    }

    /** DJL's platform classifier of this JVM, e.g. {@code linux-x86_64}. */
    public static String classifier() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        String prefix = os.startsWith("win") ? "win" : os.startsWith("mac") ? "osx" : "linux";
        return prefix + "-" + ("amd64".equals(arch) || "x86_64".equals(arch) ? "x86_64" : arch);
    }

    /**
     * Returns the flavour encoded in the folder DJL extracted its JNI to, e.g. {@code cpu} for
     * {@code ~/.djl.ai/pytorch/2.7.1-20250812-cpu-linux-x86_64/0.36.0-libdjl_torch.so}, or null.
     */
    public static String flavorOfJni(String jniPath) {
        if (jniPath == null) {
            return null;
        }
        Path parent = Path.of(jniPath).getParent();
        if (parent == null || parent.getFileName() == null) {
            return null;
        }
        Matcher m = CACHE_FLAVOR.matcher(parent.getFileName().toString());
        return m.find() ? m.group(1) : null;
    }

    /**
     * Explains why DJL could not load libtorch, on one line.
     *
     * @param failure what {@code Engine.getEngine("PyTorch")} threw
     * @param downloadAllowed whether Glyph was asked to allow the download
     * @param bundledFlavors the JNI flavours pytorch-jni bundles
     */
    public static String explain(Throwable failure, boolean downloadAllowed, Set<String> bundledFlavors) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        Throwable root = chain.get(chain.size() - 1);
        for (Throwable t : chain) {
            if (t.getMessage() != null && t.getMessage().contains("Offline mode is enabled")) {
                return "libtorch is not on the class path and DJL is in offline mode (ai.djl.offline=true, or"
                        + " DJL_OFFLINE=true in the environment), so it may not download it; add --allow-engine-download"
                        + " (or set GLYPH_ENGINE_DOWNLOAD=1) to let DJL fetch it from " + DOWNLOAD_HOST + ", or point "
                        + LIBRARY_PATH + " at a libtorch " + SUPPORTED_VERSION + " lib folder"
                        + (downloadAllowed ? " (downloads were allowed, so DJL_OFFLINE=true in the environment wins;"
                        + " unset it)" : "");
            }
        }
        for (Throwable t : chain) {
            if (t instanceof UnknownHostException || t instanceof ConnectException
                    || t instanceof java.net.SocketTimeoutException || t instanceof javax.net.ssl.SSLException
                    || (t.getMessage() != null && (t.getMessage().contains("Failed to download PyTorch")
                    || t.getMessage().contains("pytorch index file")))) {
                return "cannot download libtorch " + SUPPORTED_VERSION + " from " + DOWNLOAD_HOST + " ("
                        + oneLine(root) + "); check the network and proxy (-Dhttps.proxyHost), or point " + LIBRARY_PATH
                        + " at a libtorch " + SUPPORTED_VERSION + " lib folder instead";
            }
        }
        for (Throwable t : chain) {
            if (t.getMessage() != null && t.getMessage().contains("Cannot copy jni files")) {
                return "DJL found no JNI library for the libtorch flavour it chose (pytorch-jni " + SUPPORTED_VERSION
                        + "-0.36.0 bundles " + String.join(", ", new TreeSet<>(bundledFlavors)) + "); set " + FLAVOR
                        + " to one of those (" + cudaFlavor(bundledFlavors) + " for a CUDA 12 build)";
            }
        }
        for (Throwable t : chain) {
            if (t instanceof UnsatisfiedLinkError) {
                return "libtorch could not be loaded (" + oneLine(t) + "); expected a libtorch " + SUPPORTED_VERSION
                        + " build for " + classifier() + ", and for a CUDA build its CUDA libraries"
                        + " on the loader path (LD_LIBRARY_PATH)";
            }
        }
        return "the PyTorch engine could not be loaded: " + oneLine(root);
    }

    private static String cudaFlavor(Set<String> bundled) {
        return bundled.stream().filter(f -> f.startsWith("cu")).reduce((a, b) -> b).orElse("cu128");
    }

    private static String oneLine(Throwable t) {
        String m = t.getMessage();
        String text = t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
        return text.replaceAll("\\s*\\R\\s*", " ").trim();
    }

    private static Path libtorchDir(String paths) {
        for (String p : paths.split(java.io.File.pathSeparator)) {
            if (p.isBlank()) {
                continue;
            }
            Path path = Path.of(p.trim());
            if (Files.isRegularFile(path) && path.getFileName().toString().equals(LIBTORCH)) {
                return path.toAbsolutePath().getParent();
            }
            if (Files.isRegularFile(path.resolve(LIBTORCH))) {
                return path.toAbsolutePath();
            }
        }
        return null;
    }

    private static String describeMissing(String paths) {
        List<String> parts = new ArrayList<>();
        for (String p : paths.split(java.io.File.pathSeparator)) {
            if (p.isBlank()) {
                continue;
            }
            Path path = Path.of(p.trim());
            if (!Files.exists(path)) {
                parts.add(path + " does not exist");
            } else if (!Files.isDirectory(path)) {
                parts.add(path + " is a file, not " + LIBTORCH);
            } else {
                try (Stream<Path> s = Files.list(path)) {
                    List<String> libs = s.map(f -> f.getFileName().toString()).filter(n -> n.contains(".so"))
                            .sorted().limit(4).toList();
                    parts.add(path + " holds no " + LIBTORCH + (libs.isEmpty() ? "" : " (found " + String.join(", ", libs)
                            + (libs.size() == 4 ? ", ..." : "") + ")"));
                } catch (IOException e) {
                    parts.add(path + " cannot be listed (" + e.getMessage() + ")");
                }
            }
        }
        return parts.isEmpty() ? "no folder given" : String.join("; ", parts);
    }

    /** The version a libtorch folder declares: pip's {@code torch/version.py} or a zip's {@code build-version}. */
    static String folderVersion(Path dir) {
        Path parent = dir.getParent();
        if (parent == null) {
            return null;
        }
        try {
            Path py = parent.resolve("version.py");
            if (Files.isRegularFile(py)) {
                Matcher m = PY_VERSION.matcher(Files.readString(py));
                if (m.find()) {
                    return m.group(1);
                }
            }
            Path build = parent.resolve("build-version");
            if (Files.isRegularFile(build)) {
                String v = Files.readString(build).trim();
                return v.isEmpty() ? null : v;
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    private static String baseVersion(String v) {
        Matcher m = BASE_VERSION.matcher(v.trim());
        return m.find() ? m.group(1) : v.trim();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
