package dev.glyph.grpcserver;

/**
 * One model version as the repository index reports it.
 *
 * <pre>{@code
 * for (ModelStatus s : server.modelIndex()) System.out.println(s.name() + "/" + s.version() + " " + s.state());
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param name the model name (its folder under the repository)
 * @param version the version (its folder name), or "" for a model with no version on disk
 * @param state where the version is
 * @param reason why it is not {@link State#READY} (a failed gate check, an unload), "" when ready
 */
public record ModelStatus(String name, String version, State state, String reason) {

    /** The states of a model version; names as in Triton's repository index. */
    public enum State {
        /** Loaded, warmed up, passed every gate check, taking traffic. */
        READY,
        /** Being loaded and checked. */
        LOADING,
        /** On disk but not served: it failed a gate check, the version policy excludes it, or it was unloaded. */
        UNAVAILABLE,
        /** Retired and waiting for its last request before the session closes. */
        UNLOADING
    }

    /** Checks that the texts are not null. */
    public ModelStatus {
        if (name == null || version == null || state == null || reason == null) {
            throw new IllegalArgumentException("name, version, state and reason are required; found " + name + ", "
                    + version + ", " + state + ", " + reason);
        }
    }
}
