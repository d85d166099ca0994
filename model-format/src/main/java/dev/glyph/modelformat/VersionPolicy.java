package dev.glyph.modelformat;

import dev.glyph.modelformat.triton.ModelConfig;
import dev.glyph.modelformat.triton.ModelVersionPolicy;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which numbered versions of a model folder {@code models/<name>/<version>/} are served: Triton's
 * {@code version_policy} of config.pbtxt. The default, when the file or the field is absent, is Triton's:
 * the latest (highest-numbered) one.
 *
 * <pre>{@code
 * VersionPolicy p = VersionPolicy.readFor(Path.of("models/mnist"));   // latest 1 without config.pbtxt
 * SortedSet<Long> serve = p.select(List.of(1L, 2L, 3L));              // [3]
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param kind which of Triton's three policies
 * @param numVersions for {@link Kind#LATEST}, how many of the highest versions (at least 1); else 0
 * @param versions for {@link Kind#SPECIFIC}, the versions (at least one, each at least 1); else empty
 */
public record VersionPolicy(Kind kind, int numVersions, SortedSet<Long> versions) {

    /** Triton's version policies. */
    public enum Kind {
        /** The {@code numVersions} highest-numbered versions. */
        LATEST,
        /** Every version. */
        ALL,
        /** The listed versions that exist. */
        SPECIFIC
    }

    /**
     * Checks that the parts fit the kind and copies the set.
     *
     * @throws IllegalArgumentException if they do not
     */
    public VersionPolicy {
        Objects.requireNonNull(kind, "kind");
        versions = Collections.unmodifiableSortedSet(new TreeSet<>(Objects.requireNonNull(versions, "versions")));
        switch (kind) {
            case LATEST -> {
                if (numVersions < 1) {
                    throw new IllegalArgumentException("latest num_versions is " + numVersions
                            + "; expected at least 1");
                }
                if (!versions.isEmpty()) {
                    throw new IllegalArgumentException("a latest policy lists versions " + versions
                            + "; expected none");
                }
            }
            case ALL -> {
                if (numVersions != 0 || !versions.isEmpty()) {
                    throw new IllegalArgumentException("an all policy has numVersions " + numVersions
                            + " and versions " + versions + "; expected 0 and none");
                }
            }
            case SPECIFIC -> {
                if (numVersions != 0) {
                    throw new IllegalArgumentException("a specific policy has numVersions " + numVersions
                            + "; expected 0");
                }
                if (versions.isEmpty()) {
                    throw new IllegalArgumentException("specific versions is empty; expected at least one version");
                }
                if (versions.first() < 1) {
                    throw new IllegalArgumentException("specific versions " + versions
                            + " include " + versions.first() + "; expected version numbers >= 1");
                }
            }
            default -> throw new IllegalStateException("unknown kind " + kind);
        }
    }

    /**
     * Returns the policy that serves the {@code n} highest versions.
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public static VersionPolicy latest(int n) {
        return new VersionPolicy(Kind.LATEST, n, new TreeSet<>());
    }

    /** Returns the policy that serves every version. */
    public static VersionPolicy all() {
        return new VersionPolicy(Kind.ALL, 0, new TreeSet<>());
    }

    /**
     * Returns the policy that serves the listed versions.
     *
     * @throws IllegalArgumentException if the collection is empty or holds a null or a number below 1
     */
    public static VersionPolicy specific(Collection<Long> versions) {
        if (versions == null || hasNull(versions)) {
            throw new IllegalArgumentException("specific versions are " + versions + "; expected version numbers");
        }
        return new VersionPolicy(Kind.SPECIFIC, 0, new TreeSet<>(versions));
    }

    /**
     * Returns the policy of a config: its {@code version_policy}, or latest 1 (Triton's default) when it has none.
     *
     * @throws IllegalArgumentException if the policy is invalid: {@code latest} with {@code num_versions} 0 (Triton
     *     would then serve no version) or {@code specific} with no or non-positive versions
     */
    public static VersionPolicy of(ModelConfig config) {
        if (!config.hasVersionPolicy()) {
            return latest(1);
        }
        ModelVersionPolicy p = config.getVersionPolicy();
        return switch (p.getPolicyChoiceCase()) {
            case LATEST -> {
                long n = Integer.toUnsignedLong(p.getLatest().getNumVersions());
                if (n < 1 || n > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("version_policy latest num_versions is " + n
                            + "; expected 1 to " + Integer.MAX_VALUE);
                }
                yield latest((int) n);
            }
            case ALL -> all();
            case SPECIFIC -> specific(p.getSpecific().getVersionsList());
            case POLICYCHOICE_NOT_SET -> latest(1);
        };
    }

    /**
     * Returns the policy of the model folder {@code modelDir} ({@code models/<name>}): that of its config.pbtxt,
     * or latest 1 when there is no config.pbtxt.
     *
     * @throws ModelFormatException if config.pbtxt exists but cannot be read, does not parse, or holds an invalid
     *     policy (never a silent default)
     */
    public static VersionPolicy readFor(Path modelDir) throws ModelFormatException {
        Path file = modelDir.resolve(TritonConfig.FILE);
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return latest(1);
        }
        ModelConfig config = TritonConfig.read(file);
        try {
            return of(config);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Returns the versions to serve out of {@code available}: the highest {@code numVersions}, all, or those of
     * the listed versions that are available (a listed version that is not available is left out).
     *
     * @throws IllegalArgumentException if {@code available} holds a null or a number below 1
     */
    public SortedSet<Long> select(Collection<Long> available) {
        if (available == null || hasNull(available)) {
            throw new IllegalArgumentException("available versions are " + available + "; expected version numbers");
        }
        TreeSet<Long> have = new TreeSet<>(available);
        if (!have.isEmpty() && have.first() < 1) {
            throw new IllegalArgumentException("available versions " + have + " include " + have.first()
                    + "; expected version numbers >= 1");
        }
        TreeSet<Long> out = new TreeSet<>();
        switch (kind) {
            case LATEST -> {
                for (Long v : have.descendingSet()) {
                    if (out.size() == numVersions) {
                        break;
                    }
                    out.add(v);
                }
            }
            case ALL -> out.addAll(have);
            case SPECIFIC -> {
                out.addAll(have);
                out.retainAll(versions);
            }
            default -> throw new IllegalStateException("unknown kind " + kind);
        }
        return Collections.unmodifiableSortedSet(out);
    }

    /** Returns whether the collection holds a null (immutable collections throw on {@code contains(null)}). */
    private static boolean hasNull(Collection<Long> c) {
        for (Long v : c) {
            if (v == null) {
                return true;
            }
        }
        return false;
    }

    /** Returns the policy as config.pbtxt's {@code version_policy}. */
    public ModelVersionPolicy toProto() {
        ModelVersionPolicy.Builder b = ModelVersionPolicy.newBuilder();
        switch (kind) {
            case LATEST -> b.setLatest(ModelVersionPolicy.Latest.newBuilder().setNumVersions(numVersions));
            case ALL -> b.setAll(ModelVersionPolicy.All.getDefaultInstance());
            case SPECIFIC -> b.setSpecific(ModelVersionPolicy.Specific.newBuilder().addAllVersions(versions));
            default -> throw new IllegalStateException("unknown kind " + kind);
        }
        return b.build();
    }

    /** Returns {@code latest 1}, {@code all} or {@code specific [1, 3]}. */
    @Override
    public String toString() {
        return switch (kind) {
            case LATEST -> "latest " + numVersions;
            case ALL -> "all";
            case SPECIFIC -> "specific " + versions;
        };
    }
}
