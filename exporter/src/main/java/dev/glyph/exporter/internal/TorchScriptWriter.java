package dev.glyph.exporter.internal;

import static dev.glyph.exporter.internal.Pickler.Op.BINPERSID;
import static dev.glyph.exporter.internal.Pickler.Op.BUILD;
import static dev.glyph.exporter.internal.Pickler.Op.EMPTY_DICT;
import static dev.glyph.exporter.internal.Pickler.Op.EMPTY_TUPLE;
import static dev.glyph.exporter.internal.Pickler.Op.MARK;
import static dev.glyph.exporter.internal.Pickler.Op.NEWOBJ;
import static dev.glyph.exporter.internal.Pickler.Op.REDUCE;
import static dev.glyph.exporter.internal.Pickler.Op.SETITEMS;
import static dev.glyph.exporter.internal.Pickler.Op.TUPLE;

import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.ModelWeights;
import dev.glyph.trainer.Tensor;

import dev.glyph.modelformat.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes {@link ModelWeights} as a TorchScript archive ({@code .pt}) that {@code torch.jit.load} (PyTorch 1.13 and
 * 2.x) and libtorch through DJL load as an eval-mode {@code MnistNet}.
 *
 * <p>The archive is a zip with every entry under {@code archive/}: {@code extra/<name>} for each extra file,
 * {@code data/0..7} (raw little-endian float32 storages of the eight parameters in {@link MnistNet#PARAMETERS}
 * order), {@code data.pkl} (pickle protocol 2 of the root module), the TorchScript sources under {@code code/},
 * {@code constants.pkl} (an empty tuple) and {@code version} ({@value #FILE_FORMAT_VERSION}). The module tree is
 * {@code __torch__.MnistNet} with submodules {@code conv1}, {@code conv2} ({@code
 * __torch__.torch.nn.modules.conv.Conv2d}) and {@code fc1}, {@code fc2} ({@code
 * __torch__.torch.nn.modules.linear.Linear}), each registering {@code weight} and {@code bias} as parameters, so
 * {@code state_dict()} and {@code named_parameters()} show {@code conv1.weight} etc. exactly as the reference
 * PyTorch module does. {@code training} is false everywhere and the graph has no dropout.
 *
 * <p>All entries are STORED with a fixed timestamp and extra files are written in name order, so the same
 * weights and extra files always give byte-identical output.
 *
 * <pre>{@code
 * TorchScriptWriter.write(weights, Map.of("provenance.json", json), Path.of("model.pt"));
 * }</pre>
 *
 * <p>Thread-safety: stateless; safe to call from several threads for different output files.
 */
public final class TorchScriptWriter {

    /** The archive's top folder. */
    public static final String TOP_FOLDER = "archive";
    /** The file format number written to {@code version} (the lowest a torch writer produces). */
    public static final int FILE_FORMAT_VERSION = 3;

    private static final String ROOT_QUALIFIER = "__torch__";
    private static final String ROOT_CLASS = "MnistNet";
    private static final String CONV_QUALIFIER = "__torch__.torch.nn.modules.conv";
    private static final String CONV_CLASS = "Conv2d";
    private static final String LINEAR_QUALIFIER = "__torch__.torch.nn.modules.linear";
    private static final String LINEAR_CLASS = "Linear";
    private static final List<String> SUBMODULES = List.of("conv1", "conv2", "fc1", "fc2");
    /** DOS epoch; zip entries carry this time so output does not depend on the clock or the time zone. */
    private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(1980, 1, 1, 0, 0, 0);

    private static final String ROOT_SOURCE = """
            class MnistNet(Module):
              __parameters__ = []
              __buffers__ = []
              training : bool
              conv1 : __torch__.torch.nn.modules.conv.Conv2d
              conv2 : __torch__.torch.nn.modules.conv.Conv2d
              fc1 : __torch__.torch.nn.modules.linear.Linear
              fc2 : __torch__.torch.nn.modules.linear.Linear
              def forward(self: __torch__.MnistNet,
                x: Tensor) -> Tensor:
                h1 = torch.relu((self.conv1).forward(x, ))
                h2 = torch.relu((self.conv2).forward(h1, ))
                h3 = torch.max_pool2d(h2, [2, 2], [2, 2], [0, 0], [1, 1], False)
                h4 = torch.flatten(h3, 1)
                h5 = torch.relu((self.fc1).forward(h4, ))
                h6 = (self.fc2).forward(h5, )
                return torch.log_softmax(h6, 1)
            """;

    /** A layer with a weight and a bias, as torch.jit.save writes it: %1$s qualifier, %2$s class, %3$s result. */
    private static final String LAYER_SOURCE = """
            class %2$s(Module):
              __parameters__ = ["weight", "bias", ]
              __buffers__ = []
              weight : Tensor
              bias : Tensor
              training : bool
              def forward(self: %1$s.%2$s,
                x: Tensor) -> Tensor:
                return %3$s
            """;
    private static final String CONV_SOURCE = LAYER_SOURCE.formatted(CONV_QUALIFIER, CONV_CLASS,
            "torch.conv2d(x, self.weight, self.bias, [1, 1], [0, 0], [1, 1], 1)");
    private static final String LINEAR_SOURCE = LAYER_SOURCE.formatted(LINEAR_QUALIFIER, LINEAR_CLASS,
            "torch.linear(x, self.weight, self.bias)");

    private TorchScriptWriter() {
    }

    /**
     * Writes {@code weights} as a TorchScript archive to {@code out}, replacing any existing file.
     *
     * @param weights the eval-mode parameters
     * @param extraFiles entries stored as {@code extra/<name>} (readable with {@code torch.jit.load(...,
     *     _extra_files=...)}); {@code null} means none. Names must be relative paths without empty, {@code .} or
     *     {@code ..} segments, backslashes or control characters
     * @param out the file to write, atomically ({@link AtomicFiles}); its parent directory must exist
     * @throws IllegalArgumentException if {@code weights} is null or an extra file name or value is invalid
     * @throws IOException if the file cannot be written
     */
    public static void write(ModelWeights weights, Map<String, byte[]> extraFiles, Path out) throws IOException {
        if (weights == null) {
            throw new IllegalArgumentException("weights are null");
        }
        if (out == null) {
            throw new IllegalArgumentException("output path is null");
        }
        Map<String, byte[]> extras = sortedExtras(extraFiles);
        Path parent = out.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new NoSuchFileException(out + ": the folder " + parent + " does not exist; expected an existing "
                    + "folder to write the TorchScript archive into");
        }
        AtomicFiles.write(out, file -> {
            // finish(), not close(): AtomicFiles owns the stream and fsyncs it before the rename.
            ZipOutputStream zip = new ZipOutputStream(file, StandardCharsets.UTF_8);
            for (Map.Entry<String, byte[]> e : extras.entrySet()) {
                putStored(zip, "extra/" + e.getKey(), e.getValue());
            }
            List<Tensor> tensors = weights.tensors();
            for (int i = 0; i < tensors.size(); i++) {
                putStored(zip, "data/" + i, littleEndian(tensors.get(i).data()));
            }
            putStored(zip, "data.pkl", dataPickle(weights));
            putStored(zip, "code/__torch__.py", ascii(ROOT_SOURCE));
            putStored(zip, "code/__torch__/torch/nn/modules/conv.py", ascii(CONV_SOURCE));
            putStored(zip, "code/__torch__/torch/nn/modules/linear.py", ascii(LINEAR_SOURCE));
            putStored(zip, "constants.pkl", new Pickler().op(EMPTY_TUPLE).finish());
            putStored(zip, "version", ascii(FILE_FORMAT_VERSION + "\n"));
            zip.finish();
        });
    }

    /**
     * Returns {@code data.pkl}: the root module object with its {@code training} flag and the four submodules, each
     * holding {@code weight}, {@code bias} (tensors over storages {@code data/0..7}) and {@code training}.
     */
    static byte[] dataPickle(ModelWeights weights) {
        Pickler p = new Pickler();
        p.global(ROOT_QUALIFIER, ROOT_CLASS).op(EMPTY_TUPLE).op(NEWOBJ);
        p.op(EMPTY_DICT).op(MARK);
        p.string("training").bool(false);
        int storage = 0;
        for (String sub : SUBMODULES) {
            boolean conv = sub.startsWith("conv");
            p.string(sub);
            p.global(conv ? CONV_QUALIFIER : LINEAR_QUALIFIER, conv ? CONV_CLASS : LINEAR_CLASS)
                    .op(EMPTY_TUPLE).op(NEWOBJ);
            p.op(EMPTY_DICT).op(MARK);
            for (String field : List.of("weight", "bias")) {
                Tensor t = weights.get(sub + "." + field);
                if (!weights.tensors().get(storage).name().equals(t.name())) {
                    throw new IllegalStateException("parameter order does not match MnistNet.PARAMETERS at "
                            + t.name());
                }
                p.string(field);
                floatParameter(p, Integer.toString(storage), t.shape());
                storage++;
            }
            p.string("training").bool(false);
            p.op(SETITEMS).op(BUILD);
        }
        p.op(SETITEMS).op(BUILD);
        return p.finish();
    }

    /** Writes a contiguous float32 parameter tensor over storage {@code data/<key>}. */
    private static void floatParameter(Pickler p, String key, long[] shape) {
        p.global("torch._utils", "_rebuild_tensor_v2");
        p.op(MARK);
        // 1. storage: persistent id ('storage', FloatStorage, key, location, numel)
        p.op(MARK).string("storage").global("torch", "FloatStorage").string(key).string("cpu")
                .integer(Tensor.numel(shape)).op(TUPLE).op(BINPERSID);
        // 2. storage offset
        p.integer(0);
        // 3. size and 4. stride, as tuples
        p.op(MARK);
        for (long d : shape) {
            p.integer(d);
        }
        p.op(TUPLE);
        p.op(MARK);
        long stride = 1;
        long[] strides = new long[shape.length];
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = stride;
            stride *= shape[i];
        }
        for (long s : strides) {
            p.integer(s);
        }
        p.op(TUPLE);
        // 5. requires_grad (true for parameters), 6. backward hooks
        p.bool(true);
        p.global("collections", "OrderedDict").op(EMPTY_TUPLE).op(REDUCE);
        p.op(TUPLE).op(REDUCE);
    }

    private static Map<String, byte[]> sortedExtras(Map<String, byte[]> extraFiles) {
        Map<String, byte[]> sorted = new TreeMap<>();
        if (extraFiles == null) {
            return sorted;
        }
        for (Map.Entry<String, byte[]> e : extraFiles.entrySet()) {
            String name = e.getKey();
            checkExtraName(name);
            if (e.getValue() == null) {
                throw new IllegalArgumentException("extra file '" + name + "' has no content (null)");
            }
            sorted.put(name, e.getValue());
        }
        return sorted;
    }

    private static void checkExtraName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("extra file name is empty; expected a relative name such as "
                    + "provenance.json");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7F || c == '\\') {
                throw new IllegalArgumentException("extra file name '" + name.replaceAll("\\p{Cntrl}", "?")
                        + "' contains a control character or backslash; expected a relative name such as "
                        + "provenance.json");
            }
        }
        for (String segment : name.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("extra file name '" + name + "' is not a plain relative path "
                        + "(empty, '.' or '..' segment); expected a relative name such as provenance.json");
            }
        }
    }

    private static void putStored(ZipOutputStream zip, String name, byte[] content) throws IOException {
        ZipEntry entry = new ZipEntry(TOP_FOLDER + "/" + name);
        entry.setMethod(ZipEntry.STORED);
        entry.setTimeLocal(ENTRY_TIME);
        entry.setSize(content.length);
        entry.setCompressedSize(content.length);
        CRC32 crc = new CRC32();
        crc.update(content);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(content);
        zip.closeEntry();
    }

    private static byte[] littleEndian(float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return buf.array();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
