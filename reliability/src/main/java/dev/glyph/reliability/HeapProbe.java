package dev.glyph.reliability;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Reads another JVM's heap through the attach API and its local JMX agent (what {@code jcmd} and
 * {@code jconsole} use): heap used after a full collection, i.e. the live set, and non-heap used
 * (metaspace, code cache).
 *
 * <pre>{@code
 * try (HeapProbe heap = HeapProbe.attach(server.pid())) {
 *     long live = heap.liveHeapBytes();
 * }
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe.
 */
public final class HeapProbe implements AutoCloseable {

    private final JMXConnector connector;
    private final MemoryMXBean memory;
    private final java.lang.management.CompilationMXBean jit;

    private HeapProbe(JMXConnector connector, MemoryMXBean memory, java.lang.management.CompilationMXBean jit) {
        this.connector = connector;
        this.memory = memory;
        this.jit = jit;
    }

    /** Attaches to process {@code pid} (same user) and connects to its local management agent. */
    public static HeapProbe attach(long pid) throws IOException {
        String address;
        try {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
        } catch (AttachNotSupportedException e) {
            throw new IOException("cannot attach to process " + pid + ": " + e.getMessage(), e);
        }
        JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(address));
        MemoryMXBean m = ManagementFactory.newPlatformMXBeanProxy(c.getMBeanServerConnection(),
                ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
        java.lang.management.CompilationMXBean j = ManagementFactory.newPlatformMXBeanProxy(c.getMBeanServerConnection(),
                ManagementFactory.COMPILATION_MXBEAN_NAME, java.lang.management.CompilationMXBean.class);
        return new HeapProbe(c, m, j);
    }

    /** Runs a full collection in the target and returns the heap then in use, in bytes. */
    public long liveHeapBytes() {
        memory.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** Returns the target's non-heap memory in use (metaspace, code cache), in bytes. */
    public long nonHeapBytes() {
        return memory.getNonHeapMemoryUsage().getUsed();
    }

    /** Returns the time the target's JIT compilers have spent so far, in milliseconds. */
    public long jitMillis() {
        return jit.getTotalCompilationTime();
    }

    /** Returns the target's committed heap, in bytes. */
    public long committedHeapBytes() {
        return memory.getHeapMemoryUsage().getCommitted();
    }

    /** Disconnects. Idempotent. */
    @Override
    public void close() throws IOException {
        connector.close();
    }
}
