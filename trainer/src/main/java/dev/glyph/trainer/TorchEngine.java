package dev.glyph.trainer;

import dev.glyph.trainer.internal.engine.EngineSetup;
import java.util.Optional;

/**
 * How Glyph gets libtorch, through DJL's standard mechanisms only: the bundled CPU native jar (the
 * default, offline), a user-provided folder in DJL's {@code PYTORCH_LIBRARY_PATH} (with
 * {@code PYTORCH_VERSION} and {@code PYTORCH_FLAVOR}, e.g. the {@code lib/} folder of a pip CUDA wheel of
 * torch 2.7.1), or, when explicitly allowed, DJL's own download of the libtorch build that matches the
 * machine (CUDA when it has a GPU).
 *
 * <pre>{@code
 * TorchEngine.allowDownload();            // --allow-engine-download; or GLYPH_ENGINE_DOWNLOAD=1
 * EngineInfo e = TorchEngine.load();       // throws EngineUnavailableException with one line
 * }</pre>
 *
 * <p>Offline mode ({@code ai.djl.offline=true}) stays the default, so that the same checkout trains with the
 * same libtorch; a download is the exception the user asks for. Everything that runs libtorch in Glyph
 * ({@link Trainer}, {@link DjlModel}, {@link TorchScriptModel}) loads it through {@link #load()}.
 *
 * <p>Thread-safety: thread-safe; the settings are process-wide and take effect only before libtorch is
 * loaded for the first time.
 */
public final class TorchEngine {

    /** The environment variable that allows DJL's download, like {@code --allow-engine-download}: {@code 1} or {@code true}. */
    public static final String DOWNLOAD_ENV = EngineSetup.DOWNLOAD_ENV;

    private TorchEngine() {
    }

    /**
     * Lifts DJL's offline mode for this process, so that DJL may download libtorch when no native jar
     * and no {@code PYTORCH_LIBRARY_PATH} provides one. Call it before anything loads libtorch.
     */
    public static void allowDownload() {
        EngineSetup.allowDownload();
    }

    /** Returns whether DJL may download libtorch: {@link #allowDownload()} was called or {@value #DOWNLOAD_ENV} is set. */
    public static boolean downloadAllowed() {
        return EngineSetup.downloadAllowed();
    }

    /**
     * Loads libtorch (once per process) and returns which one and from where.
     *
     * @throws EngineUnavailableException with one line that says what was found and what to do
     */
    public static EngineInfo load() throws EngineUnavailableException {
        return EngineSetup.load();
    }

    /** Returns whether DJL is in offline mode now (DJL's {@code DJL_OFFLINE} variable, else {@code ai.djl.offline}). */
    public static boolean offline() {
        EngineSetup.prepare();
        return EngineSetup.offline();
    }

    /** Returns DJL's version, e.g. {@code 0.36.0} (without loading libtorch). */
    public static String djlVersion() {
        return ai.djl.engine.Engine.getDjlVersion();
    }

    /** Returns what {@link #load()} loaded, or empty before it succeeded. */
    public static Optional<EngineInfo> loaded() {
        return Optional.ofNullable(EngineSetup.current());
    }
}
