package dev.glyph.trainer;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which libtorch DJL loaded into this process, and from where: what provenance.json records under
 * {@code libtorch} and {@code glyph doctor} prints.
 *
 * <pre>{@code
 * EngineInfo e = TorchEngine.load();
 * System.out.println(e.flavor() + " libtorch " + e.pytorchVersion() + " from " + e.libraryDir() + " (" + e.source() + ")");
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param pytorchVersion libtorch's version as DJL reports it, e.g. {@code 2.7.1}
 * @param djlVersion DJL's version, e.g. {@code 0.36.0}
 * @param flavor the flavour of the JNI DJL loaded: {@code cpu}, or a CUDA one such as {@code cu128}
 * @param libraryDir the folder the libtorch libraries were loaded from
 * @param jniLibrary the {@code libdjl_torch.so} DJL loaded, or null when it could not be seen
 * @param source where libtorch came from
 * @param origin what {@code source} points at: the jar name, the variable's value or the download cache folder
 * @param gpuCount GPUs the engine sees ({@code Engine.getGpuCount()})
 * @param offline whether DJL's offline mode was on when it loaded
 */
public record EngineInfo(String pytorchVersion, String djlVersion, String flavor, Path libraryDir, Path jniLibrary,
        Source source, String origin, int gpuCount, boolean offline) {

    /** Where libtorch came from. */
    public enum Source {
        /** A {@code pytorch-native-*} jar on the class path, extracted to DJL's cache. */
        BUNDLED_JAR,
        /** The folder named by {@code PYTORCH_LIBRARY_PATH} (or {@code java.library.path}). */
        LIBRARY_PATH,
        /** Downloaded by DJL from publish.djl.ai into its cache (offline mode lifted). */
        DOWNLOAD
    }

    /** Returns whether a CUDA build of the JNI was loaded. */
    public boolean cuda() {
        return flavor != null && flavor.startsWith("cu");
    }

    /** Returns the fields as a JSON-ready map in a stable order (provenance.json's {@code libtorch}). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", pytorchVersion);
        m.put("flavor", flavor);
        m.put("path", libraryDir == null ? null : libraryDir.toString());
        m.put("source", source.name().toLowerCase(java.util.Locale.ROOT));
        m.put("origin", origin);
        m.put("jni", jniLibrary == null ? null : jniLibrary.toString());
        m.put("gpus", gpuCount);
        m.put("offline", offline);
        return m;
    }
}
