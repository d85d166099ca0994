package dev.glyph.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.EngineException;
import dev.glyph.trainer.internal.engine.LibTorchLocator;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DJL's PYTORCH_* variables checked before DJL reads them, and DJL's load failures explained on one line. */
class LibTorchLocatorTest {

    static final Set<String> BUNDLED = Set.of("cpu", "cu128");

    @TempDir
    Path tmp;

    final Map<String, String> vars = new HashMap<>();

    LibTorchLocator.Override check() {
        return LibTorchLocator.check(vars::get, BUNDLED);
    }

    Path libtorchFolder(String name, boolean cuda, String versionPy) throws IOException {
        Path lib = Files.createDirectories(tmp.resolve(name).resolve("torch").resolve("lib"));
        Files.write(lib.resolve("libtorch.so"), new byte[] {0x7f, 'E', 'L', 'F'});
        Files.write(lib.resolve("libtorch_cpu.so"), new byte[] {0x7f, 'E', 'L', 'F'});
        if (cuda) {
            Files.write(lib.resolve("libtorch_cuda.so"), new byte[] {0x7f, 'E', 'L', 'F'});
        }
        if (versionPy != null) {
            Files.writeString(lib.getParent().resolve("version.py"), "__version__ = '" + versionPy + "'\ndebug = False\n");
        }
        return lib;
    }

    @Test
    void check_nothingSet_returnsNull() {
        assertNull(check());
    }

    @Test
    void check_cpuFolderWithoutFlavor_defaultsToCpu() throws Exception {
        Path lib = libtorchFolder("cpu", false, "2.7.1+cpu");
        vars.put("PYTORCH_LIBRARY_PATH", lib.toString());
        LibTorchLocator.Override o = check();
        assertEquals(lib.toAbsolutePath(), o.dir());
        assertEquals("cpu", o.flavor());
        assertTrue(o.flavorDefaulted());
        assertEquals("2.7.1+cpu", o.version());
        assertFalse(o.cuda());
    }

    @Test
    void check_cudaWheelWithoutFlavor_defaultsToTheBundledCudaJni() throws Exception {
        Path lib = libtorchFolder("cu126", true, "2.7.1+cu126");
        vars.put("PYTORCH_LIBRARY_PATH", lib.toString());
        LibTorchLocator.Override o = check();
        assertEquals("cu128", o.flavor());
        assertTrue(o.cuda());
    }

    @Test
    void check_pathListWithLibtorchInSecondEntry_findsIt() throws Exception {
        Path lib = libtorchFolder("cpu", false, null);
        vars.put("PYTORCH_LIBRARY_PATH", tmp.resolve("absent") + java.io.File.pathSeparator + lib);
        assertEquals(lib.toAbsolutePath(), check().dir());
    }

    @Test
    void check_folderWithoutLibtorch_throwsOneLineNamingFolderAndExpectation() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.writeString(empty.resolve("libfoo.so"), "x");
        vars.put("PYTORCH_LIBRARY_PATH", empty.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, this::check);
        assertTrue(e.getMessage().startsWith("PYTORCH_LIBRARY_PATH=" + empty + ": " + empty + " holds no libtorch.so"
                + " (found libfoo.so); expected the lib/ folder of a libtorch 2.7.1 build"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void check_absentFolder_saysItDoesNotExist() {
        vars.put("PYTORCH_LIBRARY_PATH", tmp.resolve("typo").toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, this::check);
        assertTrue(e.getMessage().contains(tmp.resolve("typo") + " does not exist"), e.getMessage());
    }

    @Test
    void check_folderOfAnotherVersion_throwsNamingBothVersions() throws Exception {
        Path lib = libtorchFolder("old", true, "2.5.1+cu124");
        vars.put("PYTORCH_LIBRARY_PATH", lib.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, this::check);
        assertTrue(e.getMessage().contains("holds libtorch 2.5.1+cu124; Glyph's DJL 0.36.0 JNI needs libtorch 2.7.1"),
                e.getMessage());
    }

    @Test
    void check_debiansPythonTorch_isRefusedAsAnotherVersion() {
        Path debian = dev.glyph.testtools.OutsideTools.requireData(Path.of("/usr/lib/python3/dist-packages/torch/lib"
                + "/libtorch.so"), "sudo apt-get install python3-torch").getParent();
        vars.put("PYTORCH_LIBRARY_PATH", debian.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, this::check);
        assertTrue(e.getMessage().contains("holds libtorch 1.13"), e.getMessage());
    }

    @Test
    void check_versionOtherThan271_throws() {
        vars.put("PYTORCH_VERSION", "2.5.1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, this::check);
        assertEquals("PYTORCH_VERSION=2.5.1: Glyph's DJL 0.36.0 JNI (pytorch-jni 2.7.1-0.36.0) is built for libtorch"
                + " 2.7.1; expected PYTORCH_VERSION=2.7.1 or unset", e.getMessage());
    }

    @Test
    void check_version271WithBuildSuffix_isAccepted() throws Exception {
        vars.put("PYTORCH_VERSION", "2.7.1+cu126");
        vars.put("PYTORCH_LIBRARY_PATH", libtorchFolder("v", true, null).toString());
        assertEquals("cu128", check().flavor());
    }

    @Test
    void check_flavorWithoutBundledJni_throwsNamingTheBundledOnes() throws Exception {
        vars.put("PYTORCH_LIBRARY_PATH", libtorchFolder("f", true, null).toString());
        vars.put("PYTORCH_FLAVOR", "cu126");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, this::check);
        assertTrue(e.getMessage().startsWith("PYTORCH_FLAVOR=cu126: pytorch-jni 2.7.1-0.36.0 bundles JNI libraries for"
                + " cpu, cu128 only"), e.getMessage());
    }

    @Test
    void check_cudaFlavorOnCpuFolder_throws() throws Exception {
        vars.put("PYTORCH_LIBRARY_PATH", libtorchFolder("c", false, null).toString());
        vars.put("PYTORCH_FLAVOR", "cu128");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, this::check);
        assertTrue(e.getMessage().contains("holds no libtorch_cuda.so"), e.getMessage());
    }

    @Test
    void check_explicitFlavor_isKeptAndNotDefaulted() throws Exception {
        vars.put("PYTORCH_LIBRARY_PATH", libtorchFolder("e", true, null).toString());
        vars.put("PYTORCH_FLAVOR", "cpu");
        LibTorchLocator.Override o = check();
        assertEquals("cpu", o.flavor());
        assertFalse(o.flavorDefaulted());
    }

    @Test
    void bundledFlavors_pytorchJniEntries_listsThisPlatformsFlavours() {
        List<String> entries = List.of("jnilib/pytorch.properties", "jnilib/linux-x86_64/cpu/libdjl_torch.so",
                "jnilib/linux-x86_64/cu128/libdjl_torch.so", "jnilib/linux-aarch64/cpu/libdjl_torch.so",
                "jnilib/win-x86_64/cu128/djl_torch.dll", "jnilib/osx-aarch64/cpu/libdjl_torch.dylib");
        assertEquals(Set.of("cpu", "cu128"), LibTorchLocator.bundledFlavors(entries, "linux-x86_64"));
        assertEquals(Set.of("cpu"), LibTorchLocator.bundledFlavors(entries, "osx-aarch64"));
    }

    @Test
    void flavorOfJni_djlCachePaths_givesFlavour() {
        assertEquals("cpu", LibTorchLocator.flavorOfJni(
                "/root/.djl.ai/pytorch/2.7.1-20250812-cpu-linux-x86_64/0.36.0-libdjl_torch.so"));
        assertEquals("cu128", LibTorchLocator.flavorOfJni("/c/pytorch/2.7.1-cu128-linux-x86_64/0.36.0-libdjl_torch.so"));
        assertEquals("cpu", LibTorchLocator.flavorOfJni("/c/pytorch/2.7.1-cpu-precxx11-linux-x86_64/0.36.0-libdjl_torch.so"));
        assertNull(LibTorchLocator.flavorOfJni("/usr/lib/libdjl_torch.so"));
        assertNull(LibTorchLocator.flavorOfJni(null));
    }

    @Test
    void explain_offline_namesTheOptionAndTheVariable() {
        Exception e = new EngineException("Failed to save pytorch index file",
                new IOException("Offline mode is enabled."));
        String m = LibTorchLocator.explain(e, false, BUNDLED);
        assertTrue(m.startsWith("libtorch is not on the class path and DJL is in offline mode"), m);
        assertTrue(m.contains("--allow-engine-download") && m.contains("GLYPH_ENGINE_DOWNLOAD=1")
                && m.contains("PYTORCH_LIBRARY_PATH"), m);
    }

    @Test
    void explain_unknownHost_namesTheHostAndTheCause() {
        Exception e = new EngineException("Failed to save pytorch index file", new UnknownHostException("publish.djl.ai"));
        assertEquals("cannot download libtorch 2.7.1 from https://publish.djl.ai (UnknownHostException: publish.djl.ai);"
                + " check the network and proxy (-Dhttps.proxyHost), or point PYTORCH_LIBRARY_PATH at a libtorch 2.7.1"
                + " lib folder instead", LibTorchLocator.explain(e, true, BUNDLED));
    }

    @Test
    void explain_connectionRefusedWithNewlines_isOneLine() {
        Exception e = new IllegalStateException("Failed to download PyTorch native library",
                new ConnectException("Connection refused\n  at proxy"));
        String m = LibTorchLocator.explain(e, true, BUNDLED);
        assertTrue(m.contains("(ConnectException: Connection refused at proxy)"), m);
        assertEquals(1, m.lines().count());
    }

    @Test
    void explain_missingJni_namesTheBundledFlavours() {
        String m = LibTorchLocator.explain(new EngineException("Cannot copy jni files", new IOException("x")), false, BUNDLED);
        assertTrue(m.contains("bundles cpu, cu128") && m.contains("PYTORCH_FLAVOR"), m);
    }

    @Test
    void explain_linkError_saysWhatLibtorchIsExpected() {
        String m = LibTorchLocator.explain(new UnsatisfiedLinkError("libcudart.so.12: cannot open shared object file"),
                false, BUNDLED);
        assertTrue(m.startsWith("libtorch could not be loaded (UnsatisfiedLinkError: libcudart.so.12"), m);
        assertTrue(m.contains("LD_LIBRARY_PATH"), m);
    }
}
