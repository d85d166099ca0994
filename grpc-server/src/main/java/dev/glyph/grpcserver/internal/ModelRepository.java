package dev.glyph.grpcserver.internal;

import dev.glyph.grpcserver.ModelStatus;
import dev.glyph.grpcserver.ModelStatus.State;
import dev.glyph.inferencesdk.ModelLoadException;
import dev.glyph.modelformat.ModelFormatException;
import dev.glyph.modelformat.VersionPolicy;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models a server serves: a Triton-style repository {@code <root>/<name>/<version>/} (or one model
 * folder, a repository of one), each model's version policy (config.pbtxt's {@code version_policy},
 * default latest 1), the {@link LoadGate} every version passes before it is published, and atomic swaps.
 *
 * <p>Loading, unloading and rescans run one at a time on the repository thread. Publishing is a
 * copy-on-write map replaced in one volatile write; a request takes a {@link ModelLease} on the version it
 * finds (one compare-and-set), so a request that found the old version finishes there, and the old
 * session closes after its last request. A version that fails its gate is never published; when a changed
 * or newer version fails, the version already serving keeps serving.
 *
 * <p>Thread-safety: thread-safe.
 */
public final class ModelRepository implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelRepository.class);
    private static final Pattern VERSION = Pattern.compile("[0-9]{1,18}");

    /** Opens a checked version folder as a warmed-up runtime named {@code model}/{@code version}. */
    @FunctionalInterface
    public interface Loader {
        ModelRuntime open(Path dir, String model, String version) throws ModelLoadException;
    }

    /** One model's published versions, newest first. */
    private record Served(String name, List<ServedVersion> newestFirst) {
        ServedVersion find(String version) {
            for (ServedVersion v : newestFirst) {
                if (v.version().equals(version)) {
                    return v;
                }
            }
            return null;
        }
    }

    private final Path root;
    private final Path single;
    private final String defaultModel;
    private final Loader loader;
    private final boolean requireParity;
    private final ServerMetrics metrics;
    private final Duration closeTimeout;
    private final ExecutorService worker;
    private final ExecutorService closer;
    private final ScheduledExecutorService poller;
    private volatile Map<String, Served> served = Map.of();
    /**
     * model -> version -> status. Each model's map is replaced as a whole (copy-on-write), never changed after it
     * is published, so the index and the metrics read it without a lock.
     */
    private final ConcurrentHashMap<String, Map<String, ModelStatus>> statuses = new ConcurrentHashMap<>();
    private final Set<String> unloaded = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * @param root the repository root, or null when serving {@code single}
     * @param single one model folder (a repository of one), or null
     * @param defaultModel the model a request without a name gets; null = the only model, else the first by name
     * @param pollInterval rescan the repository this often; null = only on explicit load/unload calls
     */
    public ModelRepository(Path root, Path single, String defaultModel, Loader loader, boolean requireParity,
            ServerMetrics metrics, Duration closeTimeout, Duration pollInterval, String threadPrefix) {
        if ((root == null) == (single == null)) {
            throw new IllegalArgumentException("give either a repository root or one model folder; found root=" + root
                    + ", model=" + single);
        }
        this.root = root;
        this.single = single;
        this.defaultModel = defaultModel;
        this.loader = loader;
        this.requireParity = requireParity;
        this.metrics = metrics;
        this.closeTimeout = closeTimeout;
        this.worker = Executors.newSingleThreadExecutor(daemon(threadPrefix + "-repository"));
        this.closer = Executors.newSingleThreadExecutor(daemon(threadPrefix + "-model-closer"));
        if (pollInterval != null && root != null) {
            poller = Executors.newSingleThreadScheduledExecutor(daemon(threadPrefix + "-repository-poll"));
            long ms = Math.max(1, pollInterval.toMillis());
            poller.scheduleWithFixedDelay(() -> {
                try {
                    rescan().get();
                } catch (Exception e) {
                    LOG.warn("repository poll failed: {}", e.getMessage());
                }
            }, ms, ms, TimeUnit.MILLISECONDS);
        } else {
            poller = null;
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Returns whether this serves one folder rather than a repository. */
    public boolean isSingle() {
        return single != null;
    }

    /**
     * Loads everything the repository holds (the initial load).
     *
     * @throws ModelLoadException when no version passed its gate (naming every failure), or the one folder failed
     */
    public void loadAll() throws ModelLoadException {
        try {
            worker.submit(() -> {
                for (String name : modelNamesOnDisk()) {
                    scanModel(name);
                }
                return null;
            }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelLoadException("interrupted while loading the model repository", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new ModelLoadException("cannot read the model repository " + (root != null ? root : single) + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
        if (served.values().stream().allMatch(s -> s.newestFirst().isEmpty())) {
            List<String> why = new ArrayList<>();
            for (ModelStatus s : index()) {
                why.add(s.name() + (s.version().isEmpty() ? "" : "/" + s.version()) + ": " + s.reason());
            }
            throw new ModelLoadException(single != null ? "model " + single + " was not loaded: " + String.join("; ", why)
                    : "no model version in " + root + " passed its load gate" + (why.isEmpty()
                    ? " (the repository holds no <name>/<version>/ folders)" : ": " + String.join("; ", why)), null);
        }
    }

    /** Rescans every model (new, changed and removed versions and models), skipping explicitly unloaded ones. */
    public CompletableFuture<List<ModelStatus>> rescan() {
        return run(() -> {
            Set<String> names = new java.util.TreeSet<>(modelNamesOnDisk());
            names.addAll(served.keySet());
            for (String name : names) {
                if (!unloaded.contains(name)) {
                    scanModel(name);
                }
            }
            return index();
        });
    }

    /**
     * Loads (or reloads) one model: its versions as its policy selects them. The model's statuses come back;
     * a version that failed its gate is UNAVAILABLE with the reason.
     */
    public CompletableFuture<List<ModelStatus>> load(String name) {
        return run(() -> {
            if (!modelNamesOnDisk().contains(name)) {
                throw new ModelNotFoundException("model '" + name + "' is not in the repository " + where()
                        + "; it holds " + modelNamesOnDisk());
            }
            unloaded.remove(name);
            scanModel(name);
            return index(name);
        });
    }

    /** Unloads every version of one model; requests already holding one finish there first. */
    public CompletableFuture<List<ModelStatus>> unload(String name) {
        return run(() -> {
            Served s = served.get(name);
            if (s == null && !statuses.containsKey(name)) {
                throw new ModelNotFoundException("model '" + name + "' is not loaded; loaded: " + served.keySet());
            }
            unloaded.add(name);
            Map<String, Served> next = new TreeMap<>(served);
            next.remove(name);
            served = Collections.unmodifiableMap(next);
            Map<String, ModelStatus> st = new TreeMap<>(Comparator.VERSIONS);
            if (s != null) {
                for (ServedVersion v : s.newestFirst()) {
                    retire(v, "unloaded by request");
                    st.put(v.version(), new ModelStatus(name, v.version(), State.UNLOADING, "unloaded by request"));
                }
            }
            statuses.put(name, st);
            return index(name);
        });
    }

    private <T> CompletableFuture<T> run(java.util.concurrent.Callable<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(new UnavailableException("server is shutting down; the model repository is closed"));
            return f;
        }
        try {
            worker.execute(() -> {
                try {
                    f.complete(task.call());
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            f.completeExceptionally(new UnavailableException("server is shutting down; the model repository is closed"));
        }
        return f;
    }

    private String where() {
        return (root != null ? root : single).toString();
    }

    private List<String> modelNamesOnDisk() throws IOException {
        if (single != null) {
            return List.of(singleName());
        }
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.startsWith(".") && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(n);
                }
            }
        }
        Collections.sort(out);
        return out;
    }

    private String singleNameCache;

    private String singleName() {
        if (singleNameCache == null) {
            try {
                singleNameCache = dev.glyph.modelformat.ManifestFile.read(single).manifest().name();
            } catch (ModelFormatException e) {
                Path parent = single.toAbsolutePath().getParent();
                singleNameCache = parent != null && parent.getFileName() != null ? parent.getFileName().toString() : "model";
            }
        }
        return singleNameCache;
    }

    /** Brings one model in line with its folder and policy; runs on the repository thread only. */
    private void scanModel(String name) {
        Served current = served.getOrDefault(name, new Served(name, List.of()));
        Map<String, ModelStatus> st = new TreeMap<>(Comparator.VERSIONS);
        Map<String, Path> onDisk = new LinkedHashMap<>();
        SortedSet<Long> wanted;
        String policyText;
        if (single != null) {
            String v;
            try {
                v = dev.glyph.modelformat.ManifestFile.read(single).manifest().version();
            } catch (ModelFormatException e) {
                v = single.getFileName().toString();
            }
            onDisk.put(v, single);
            wanted = null;
            policyText = "one folder";
        } else {
            Path dir = root.resolve(name);
            VersionPolicy policy;
            try {
                if (Files.isDirectory(dir)) {
                    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                        for (Path p : ds) {
                            String n = p.getFileName().toString();
                            if (VERSION.matcher(n).matches() && Files.isDirectory(p)) {
                                onDisk.put(n, p);
                            }
                        }
                    }
                }
                policy = VersionPolicy.readFor(dir);
            } catch (IOException e) {
                String reason = "cannot read " + dir + ": " + e.getMessage() + "; the versions already serving keep serving";
                LOG.warn("model {}: {}", name, reason);
                for (ServedVersion v : current.newestFirst()) {
                    st.put(v.version(), new ModelStatus(name, v.version(), State.READY, ""));
                }
                st.put("", new ModelStatus(name, "", State.UNAVAILABLE, reason));
                statuses.put(name, st);
                return;
            }
            List<Long> nums = new ArrayList<>();
            for (String n : onDisk.keySet()) {
                nums.add(Long.parseLong(n));
            }
            wanted = policy.select(nums);
            policyText = "version policy " + policy;
        }
        List<ServedVersion> next = new ArrayList<>();
        List<ServedVersion> drop = new ArrayList<>();
        boolean anyWantedReady = false;
        for (Map.Entry<String, Path> e : onDisk.entrySet()) {
            String v = e.getKey();
            ServedVersion cur = current.find(v);
            if (wanted != null && !wanted.contains(Long.parseLong(v))) {
                st.put(v, new ModelStatus(name, v, State.UNAVAILABLE, "not selected by the " + policyText));
                continue;
            }
            String fp;
            try {
                fp = LoadGate.fingerprint(e.getValue());
            } catch (IOException ex) {
                fp = "unreadable";
            }
            if (cur != null && cur.fingerprint().equals(fp)) {
                next.add(cur);
                st.put(v, new ModelStatus(name, v, State.READY, ""));
                anyWantedReady = true;
                continue;
            }
            statuses.compute(name, (k, m) -> { // published maps are never changed: readers iterate them unlocked
                Map<String, ModelStatus> n = new TreeMap<>(Comparator.VERSIONS);
                if (m != null) {
                    n.putAll(m);
                }
                n.put(v, new ModelStatus(name, v, State.LOADING, ""));
                return n;
            });
            try {
                next.add(loadVersion(name, v, e.getValue()));
                st.put(v, new ModelStatus(name, v, State.READY, ""));
                anyWantedReady = true;
                if (cur != null) {
                    drop.add(cur);
                    LOG.info("model {}/{} changed on disk; the new files took over", name, v);
                }
            } catch (LoadGate.GateException | ModelLoadException | RuntimeException ex) {
                String reason = ex.getMessage();
                metrics.recordLoadFailure(name, v, ex instanceof LoadGate.GateException g ? g.check() : "load");
                if (cur != null) {
                    next.add(cur);
                    reason += "; the version loaded earlier keeps serving";
                    st.put(v, new ModelStatus(name, v, State.READY, "reload refused: " + reason));
                    anyWantedReady = true;
                } else {
                    st.put(v, new ModelStatus(name, v, State.UNAVAILABLE, reason));
                }
                LOG.warn("model {}/{} refused: {}", name, v, reason);
            }
        }
        // served versions that are no longer wanted or no longer on disk
        for (ServedVersion v : current.newestFirst()) {
            if (next.contains(v) || drop.contains(v)) {
                continue;
            }
            boolean gone = !onDisk.containsKey(v.version());
            if (gone || anyWantedReady) {
                drop.add(v);
                String reason = gone ? "its folder was removed" : "not selected by the " + policyText;
                st.put(v.version(), new ModelStatus(name, v.version(), State.UNLOADING, reason));
            } else {
                next.add(v);
                st.put(v.version(), new ModelStatus(name, v.version(), State.READY,
                        "kept serving: no version selected by the " + policyText + " passed its gate"));
            }
        }
        next.sort((a, b) -> Long.compare(b.number(), a.number()));
        Map<String, Served> m = new TreeMap<>(served);
        if (next.isEmpty() && onDisk.isEmpty() && (single == null && !Files.isDirectory(root.resolve(name)))) {
            m.remove(name);
        } else {
            m.put(name, new Served(name, List.copyOf(next)));
        }
        served = Collections.unmodifiableMap(m);
        if (onDisk.isEmpty() && next.isEmpty() && st.isEmpty()) {
            st.put("", new ModelStatus(name, "", State.UNAVAILABLE, "the model folder holds no <version>/ folders"));
        }
        statuses.put(name, st);
        if (single == null && !Files.isDirectory(root.resolve(name)) && drop.isEmpty()) {
            statuses.remove(name);
        }
        for (ServedVersion v : drop) {
            retire(v, st.containsKey(v.version()) ? st.get(v.version()).reason() : "replaced");
        }
    }

    private void retire(ServedVersion v, String reason) {
        LOG.info("model {}/{} retired ({}); {} request(s) in flight finish on it first", v.model(), v.version(), reason,
                v.inFlight());
        v.retire().whenComplete((ok, e) -> {
            LOG.info("model {}/{} closed{}", v.model(), v.version(), Boolean.TRUE.equals(ok) ? "" : " (not cleanly)");
            statuses.computeIfPresent(v.model(), (k, m) -> {
                ModelStatus s = m.get(v.version());
                if (s != null && s.state() == State.UNLOADING) {
                    Map<String, ModelStatus> n = new TreeMap<>(m);
                    n.put(v.version(), new ModelStatus(v.model(), v.version(), State.UNAVAILABLE, s.reason()));
                    return n;
                }
                return m;
            });
        });
    }

    private ServedVersion loadVersion(String name, String version, Path dir)
            throws LoadGate.GateException, ModelLoadException {
        long t0 = System.nanoTime();
        LoadGate.Checked c = LoadGate.checkFiles(dir, requireParity);
        ModelRuntime rt = loader.open(dir, name, version);
        try {
            LoadGate.selfTest(rt, c.manifest());
        } catch (LoadGate.GateException | RuntimeException e) {
            rt.close(closeTimeout);
            throw e;
        }
        if (!c.parityProven()) {
            LOG.warn("model {}/{} has no parity.json and is served UNVERIFIED (--allow-unverified)", name, version);
        }
        LOG.info("model {}/{} passed its gate (hashes, onnx, {}, self_test) and is ready in {} ms", name, version,
                c.parityProven() ? "parity" : "parity SKIPPED", (System.nanoTime() - t0) / 1_000_000);
        long number = VERSION.matcher(version).matches() ? Long.parseLong(version) : 0;
        return new ServedVersion(name, version, number, rt, c.fingerprint(), closer, closeTimeout);
    }

    /** Returns the name a request without a model gets, or null when nothing is served. */
    public String defaultModel() {
        if (defaultModel != null) {
            return defaultModel;
        }
        Map<String, Served> s = served;
        for (Map.Entry<String, Served> e : s.entrySet()) {
            if (!e.getValue().newestFirst().isEmpty()) {
                return e.getKey();
            }
        }
        return s.isEmpty() ? null : s.keySet().iterator().next();
    }

    /**
     * Takes a lease on {@code model}/{@code version} for one request.
     *
     * @param model the name; null or empty = the default model
     * @param version the version; null or empty = the newest ready version
     * @throws ModelNotFoundException when the model or version is not served
     * @throws UnavailableException when the model has no ready version right now
     */
    public ModelLease acquire(String model, String version) {
        String name = model == null || model.isEmpty() ? defaultModel() : model;
        for (int attempt = 0; attempt < 8; attempt++) {
            Served s = name == null ? null : served.get(name);
            if (s == null) {
                throw new ModelNotFoundException(name == null ? "no model is served" : "model '" + name
                        + "' is not served; served models: " + readyNames());
            }
            if (version == null || version.isEmpty()) {
                for (ServedVersion v : s.newestFirst()) {
                    if (v.tryAcquire()) {
                        return new ModelLease(v);
                    }
                }
                if (s.newestFirst().isEmpty()) {
                    throw new UnavailableException("model '" + name + "' has no ready version: " + reasons(name));
                }
            } else {
                ServedVersion v = s.find(version);
                if (v == null) {
                    throw new ModelNotFoundException("version '" + version + "' of model '" + name + "' is not served; "
                            + "ready versions: " + versions(s) + statusOf(name, version));
                }
                if (v.tryAcquire()) {
                    return new ModelLease(v);
                }
            }
            Thread.onSpinWait(); // a swap retired what we found; the new map is already published
        }
        throw new UnavailableException("model '" + name + "' is being reloaded; retry");
    }

    private String statusOf(String name, String version) {
        Map<String, ModelStatus> m = statuses.get(name);
        ModelStatus s = m == null ? null : m.get(version);
        return s == null || s.reason().isEmpty() ? "" : " (" + version + ": " + s.reason() + ")";
    }

    private String reasons(String name) {
        List<String> out = new ArrayList<>();
        for (ModelStatus s : index(name)) {
            out.add((s.version().isEmpty() ? "" : s.version() + ": ") + s.state() + (s.reason().isEmpty() ? "" : " " + s.reason()));
        }
        return out.isEmpty() ? "nothing loaded yet" : String.join("; ", out);
    }

    private static List<String> versions(Served s) {
        List<String> out = new ArrayList<>();
        for (ServedVersion v : s.newestFirst()) {
            out.add(v.version());
        }
        return out;
    }

    private List<String> readyNames() {
        List<String> out = new ArrayList<>();
        served.forEach((k, v) -> {
            if (!v.newestFirst().isEmpty()) {
                out.add(k);
            }
        });
        return out;
    }

    /** Returns the repository index: every model and version seen, by name then version. */
    public List<ModelStatus> index() {
        List<ModelStatus> out = new ArrayList<>();
        new TreeMap<>(statuses).forEach((k, m) -> out.addAll(m.values()));
        return out;
    }

    /** Returns one model's entries of the index. */
    public List<ModelStatus> index(String name) {
        Map<String, ModelStatus> m = statuses.get(name);
        return m == null ? List.of() : List.copyOf(m.values());
    }

    /** Returns whether {@code model} (default when empty) has a ready version (or that very version). */
    public boolean ready(String model, String version) {
        try (ModelLease l = acquire(model, version)) {
            return true;
        } catch (ModelNotFoundException | UnavailableException e) {
            return false;
        }
    }

    /** Returns the images waiting in every published version's batchers. */
    public int queueDepth() {
        int d = 0;
        for (Served s : served.values()) {
            for (ServedVersion v : s.newestFirst()) {
                d += v.runtime().queueDepth();
            }
        }
        return d;
    }

    /** Returns the published versions (for statistics). */
    public List<ServedVersion> published() {
        List<ServedVersion> out = new ArrayList<>();
        for (Served s : served.values()) {
            out.addAll(s.newestFirst());
        }
        return out;
    }

    /**
     * Stops polling and loading, retires every version and waits (at most {@code timeout}) for them to close.
     *
     * @return whether every version closed cleanly in time
     */
    public boolean close(Duration timeout) {
        closed = true;
        if (poller != null) {
            poller.shutdownNow();
        }
        worker.shutdown();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            worker.awaitTermination(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<CompletableFuture<Boolean>> all = new ArrayList<>();
        for (ServedVersion v : published()) {
            all.add(v.retire());
        }
        served = Map.of();
        boolean clean = true;
        for (CompletableFuture<Boolean> f : all) {
            try {
                clean &= f.get(Math.max(0, deadline - System.nanoTime()) + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                clean = false;
            }
        }
        if (clean) {
            closer.shutdown(); // else a late last request still closes its version on it (daemon thread)
        }
        return clean;
    }

    @Override
    public void close() {
        close(closeTimeout);
    }

    /** Orders version strings numerically (shorter digit strings first), the model entry "" first. */
    private static final class Comparator {
        static final java.util.Comparator<String> VERSIONS = (a, b) -> a.length() != b.length()
                ? Integer.compare(a.length(), b.length()) : a.compareTo(b);
    }
}
