package dev.glyph.cli;

import dev.glyph.inferencesdk.Device;
import dev.glyph.trainer.DeviceChoice;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The one {@code --device} option of every command: {@code auto}, {@code cpu}, {@code gpu} or
 * {@code gpu:N}. {@code cuda} and {@code cuda:N} are accepted as deprecated aliases with a warning.
 * A command mixes in {@link AutoDefault} or {@link CpuDefault} and maps the value with
 * {@link Value#forTrainer()} or {@link Value#forSdk()}.
 *
 * <pre>{@code
 * @Mixin DeviceOption.CpuDefault device;
 * ... device.value().forSdk() ...
 * }</pre>
 *
 * <p>Thread-safety: one invocation per instance.
 */
public abstract class DeviceOption {

    /** The accepted forms, for help and error messages. */
    static final String ACCEPTED = "auto, cpu, gpu or gpu:N";
    static final String HELP = "auto (a GPU when the engine has one, else the CPU), cpu, gpu or gpu:N"
            + " (default: ${DEFAULT-VALUE}).";

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    private Value value;

    /** Returns the parsed device. */
    public Value value() {
        return value;
    }

    void set(String text) {
        try {
            value = Value.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(mixee.commandLine(), "--device: " + e.getMessage());
        }
        if (value.deprecatedAlias()) {
            PrintWriter err = mixee.commandLine().getErr();
            err.println(Errors.prefix(mixee) + "--device " + text + " is deprecated; use " + value);
            err.flush();
        }
    }

    /** {@code --device}, default {@code auto} ({@code glyph train}). */
    public static final class AutoDefault extends DeviceOption {
        @Option(names = "--device", defaultValue = "auto", paramLabel = "DEV", description = HELP)
        void device(String text) {
            set(text);
        }
    }

    /** {@code --device}, default {@code cpu} ({@code serve}, {@code classify}, {@code bench train}). */
    public static final class CpuDefault extends DeviceOption {
        @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEV", description = HELP)
        void device(String text) {
            set(text);
        }
    }

    /**
     * A parsed {@code --device} value.
     *
     * @param kind auto, cpu or gpu
     * @param index the GPU ordinal (0 unless {@code gpu:N})
     * @param deprecatedAlias whether it was written {@code cuda} or {@code cuda:N}
     */
    public record Value(Kind kind, int index, boolean deprecatedAlias) {

        /** The three kinds. */
        public enum Kind {
            /** A GPU when the engine has one, else the CPU. */
            AUTO,
            /** The CPU. */
            CPU,
            /** GPU number {@code index}. */
            GPU
        }

        /**
         * Parses {@code auto}, {@code cpu}, {@code gpu}, {@code gpu:N} (or the deprecated {@code cuda},
         * {@code cuda:N}), case-insensitively.
         *
         * @throws IllegalArgumentException naming the accepted forms
         */
        public static Value parse(String text) {
            String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
            switch (t) {
                case "auto":
                    return new Value(Kind.AUTO, 0, false);
                case "cpu":
                    return new Value(Kind.CPU, 0, false);
                case "gpu":
                    return new Value(Kind.GPU, 0, false);
                case "cuda":
                    return new Value(Kind.GPU, 0, true);
                default:
                    break;
            }
            int colon = t.indexOf(':');
            String head = colon < 0 ? t : t.substring(0, colon);
            if (colon > 0 && (head.equals("gpu") || head.equals("cuda"))) {
                String n = t.substring(colon + 1);
                if (n.matches("[0-9]{1,4}")) {
                    return new Value(Kind.GPU, Integer.parseInt(n), head.equals("cuda"));
                }
            }
            throw new IllegalArgumentException("'" + text + "' is not a device; expected " + ACCEPTED);
        }

        /**
         * Returns the trainer's device choice.
         *
         * @throws IllegalArgumentException for {@code gpu:N} with N &gt; 0: the trainer uses the first GPU
         */
        public DeviceChoice forTrainer() {
            if (kind == Kind.GPU && index != 0) {
                throw new IllegalArgumentException("--device gpu:" + index
                        + ": training runs on the first GPU only; expected auto, cpu, gpu or gpu:0");
            }
            return switch (kind) {
                case AUTO -> DeviceChoice.AUTO;
                case CPU -> DeviceChoice.CPU;
                case GPU -> DeviceChoice.GPU;
            };
        }

        /** Returns the SDK's device; {@code auto} is {@link Device#auto()}. */
        public Device forSdk() {
            return switch (kind) {
                case AUTO -> Device.auto();
                case CPU -> Device.cpu();
                case GPU -> Device.cuda(index);
            };
        }

        @Override
        public String toString() {
            return switch (kind) {
                case AUTO -> "auto";
                case CPU -> "cpu";
                case GPU -> "gpu:" + index;
            };
        }
    }
}
