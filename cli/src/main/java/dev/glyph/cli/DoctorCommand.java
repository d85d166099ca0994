package dev.glyph.cli;

import dev.glyph.cli.internal.Doctor;
import dev.glyph.cli.internal.DoctorReport;
import dev.glyph.datasets.Datasets;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code glyph doctor}: what this machine has for Glyph, and for each problem one line saying what to do. The
 * command a user runs first, and the one to paste into a bug report.
 *
 * <pre>
 * glyph doctor [--device auto|cpu|gpu] [--data data/mnist] [--dataset mnist] [--json]
 *              [--python /usr/bin/python3] [--reference benchmarks/reference/ref_train.py|none]
 *              [--allow-engine-download]
 * </pre>
 *
 * <p>It reports the CPU (model, AVX2, AVX-512, VNNI, BF16), cores and memory; Java, DJL and PyTorch; which
 * libtorch DJL loaded (flavour, folder, bundled jar / {@code PYTORCH_LIBRARY_PATH} / download) and whether
 * offline mode is on; the GPUs seen by DJL, by the driver ({@code nvidia-smi -L}) and by ONNX Runtime (its
 * providers); whether the CUDA libraries of ONNX Runtime's CUDA provider are on the loader path; whether the
 * data set is fetched and verified (MNIST: the pinned SHA-256); and the BLAS behind {@code bench train}'s
 * python3-torch reference. With {@code --json}: one JSON object.
 *
 * <p>Exit 0 when everything the default job needs (CPU training, export and serving, offline: libtorch and
 * the data) is present, and with {@code --device gpu} also a GPU for training and for serving; 1 otherwise; 2
 * on a usage error.
 *
 * <p>Thread-safety: one invocation per instance.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check what this machine has for Glyph (CPU, memory, Java, DJL/libtorch, GPUs, CUDA libraries,"
            + " data, the reference's BLAS), with one line per problem saying what to do.",
            "Exit 0 when the default job (CPU training, export, offline serving) can run; with --device gpu, also the GPU."})
public final class DoctorCommand extends GlyphSubcommand {

    @Mixin
    DeviceOption.AutoDefault device;

    @Option(names = "--data", paramLabel = "DIR", description = "Data folder to check (default: data/<dataset>).")
    Path data;

    @Mixin
    SharedOptions.DatasetName dataset;

    @Option(names = "--python", defaultValue = "/usr/bin/python3",
            description = "Python of bench train's PyTorch reference, for the BLAS probe (default: ${DEFAULT-VALUE}).")
    String python;

    @Option(names = "--reference", defaultValue = "${env:GLYPH_HOME:-.}/benchmarks/reference/ref_train.py",
            description = "bench train's reference script (default: ${DEFAULT-VALUE}); 'none' skips the BLAS probe.")
    String reference;

    @Mixin
    SharedOptions.EngineDownload engineDownload;

    @Mixin
    SharedOptions.Json json;

    @Override
    public Integer call() {
        String name = dataset.name;
        if (!Datasets.NAMES.contains(name)) {
            throw usage("--dataset must be one of " + Datasets.NAMES + ", found '" + name + "'");
        }
        boolean gpu = device.value().kind() == DeviceOption.Value.Kind.GPU;
        Path dir = data != null ? data : Path.of("data", name);
        boolean defaultDir = dir.toAbsolutePath().normalize().equals(Path.of("data", name).toAbsolutePath().normalize());
        Path script = "none".equals(reference) ? null : Path.of(reference);
        DoctorReport r = Doctor.run(new Doctor.Settings(device.value().toString(), gpu, name, dir, defaultDir, python, script), Doctor.Probes.system());
        out().print(json.on ? r.json() + System.lineSeparator() : r.text());
        out().flush();
        return r.ok() ? 0 : 1;
    }
}
