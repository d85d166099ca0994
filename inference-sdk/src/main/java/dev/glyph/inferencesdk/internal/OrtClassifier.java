package dev.glyph.inferencesdk.internal;

import dev.glyph.inferencesdk.ModelInfo;
import dev.glyph.inferencesdk.ModelLoadException;
import dev.glyph.inferencesdk.Options;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.inferencesdk.DigitImage;
import java.nio.file.Path;
import java.util.List;

/** The ONNX Runtime session behind {@link dev.glyph.inferencesdk.DigitClassifier}. Thread-safe. */
public final class OrtClassifier implements AutoCloseable {
    /** Opens a model folder. */
    public static OrtClassifier open(Path dir, Options options) throws ModelLoadException {
        throw new ModelLoadException("not implemented yet");
    }

    /** Classifies a batch. */
    public List<Prediction> classifyBatch(List<DigitImage> images) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Returns the model info. */
    public ModelInfo modelInfo() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Returns the provider. */
    public String activeProvider() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Returns the options. */
    public Options options() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Returns whether closed. */
    public boolean isClosed() {
        return false;
    }

    @Override
    public void close() {
    }
}
