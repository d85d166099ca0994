package dev.glyph.testfixtures;

import dev.glyph.modelformat.ModelFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that writes one {@link TestModels#folder(Path, long) model folder} of a seed into a fresh
 * temporary folder before a test class's {@code @BeforeAll} methods, and deletes it after the class.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final TestModelFolder MODEL = new TestModelFolder(42);
 * ... Harness.config(MODEL.dir()) ...                // <temp>/mnist/1 with model.onnx and manifest.json
 * }</pre>
 *
 * <p>Thread-safety: written once before the class's tests run; read-only while they run.
 */
public final class TestModelFolder implements BeforeAllCallback, AfterAllCallback {

    private final long seed;
    private volatile Path root;

    /** A model folder for the weights of {@code seed}. */
    public TestModelFolder(long seed) {
        this.seed = seed;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        root = Files.createTempDirectory("glyph-model-");
        TestModels.folder(dir(), seed);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (root != null) {
            ModelFolder.deleteRecursively(root);
        }
    }

    /** The model folder, {@code <temp>/mnist/1}. */
    public Path dir() {
        return temp().resolve("mnist/1");
    }

    /** The temporary folder that holds {@link #dir()}, for other files of the test class. */
    public Path temp() {
        if (root == null) {
            throw new IllegalStateException("TestModelFolder is used before its beforeAll; register it with "
                    + "@RegisterExtension on a static field");
        }
        return root;
    }
}
