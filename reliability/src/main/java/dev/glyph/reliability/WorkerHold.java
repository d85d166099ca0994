package dev.glyph.reliability;

import com.sun.jdi.Bootstrap;
import com.sun.jdi.IncompatibleThreadStateException;
import com.sun.jdi.StackFrame;
import com.sun.jdi.ThreadReference;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.connect.AttachingConnector;
import com.sun.jdi.connect.Connector;
import com.sun.jdi.connect.IllegalConnectorArgumentsException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Holds a server's batcher worker thread still, so that tests can fill its queue, let deadlines
 * pass or cancel calls before a batch forms, deterministically and in a real {@code glyph serve}
 * process. It attaches over JDWP ({@link ServerProcess.Builder#debugger(boolean)}) and suspends
 * only the worker, and only while it is parked idle in its queue's {@code Condition.await()}, so
 * the queue lock is free and the transport and handler threads keep running.
 *
 * <pre>{@code
 * try (WorkerHold hold = WorkerHold.attach(server.debugPort(), "-batcher")) {
 *     hold.pause();        // the worker is idle and stays so
 *     ...                  // calls now queue up; nothing is executed
 *     hold.release();      // the next batch forms from what is queued
 * }
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe; use from the test thread.
 */
public final class WorkerHold implements AutoCloseable {

    private static final String CONDITION = "java.util.concurrent.locks.AbstractQueuedSynchronizer$ConditionObject";

    private final VirtualMachine vm;
    private final List<ThreadReference> workers;
    private boolean paused;

    private WorkerHold(VirtualMachine vm, List<ThreadReference> workers) {
        this.vm = vm;
        this.workers = workers;
    }

    /**
     * Attaches to the JDWP socket on loopback {@code port} and finds every thread whose name ends with
     * {@code threadNamePart}, optionally followed by {@code -<number>} (the batcher workers are named
     * {@code glyph-server-N-batcher[-i]}; their {@code ...-batcher-deadlines} timer threads are not workers).
     */
    public static WorkerHold attach(int port, String threadNamePart) throws IOException {
        AttachingConnector socket = null;
        for (AttachingConnector c : Bootstrap.virtualMachineManager().attachingConnectors()) {
            if (c.name().equals("com.sun.jdi.SocketAttach")) {
                socket = c;
            }
        }
        if (socket == null) {
            throw new IOException("this JDK has no com.sun.jdi.SocketAttach connector");
        }
        Map<String, Connector.Argument> args = socket.defaultArguments();
        args.get("hostname").setValue("127.0.0.1");
        args.get("port").setValue(Integer.toString(port));
        VirtualMachine vm;
        try {
            vm = socket.attach(args);
        } catch (IllegalConnectorArgumentsException e) {
            throw new IOException(e);
        }
        List<ThreadReference> found = new ArrayList<>();
        for (ThreadReference t : vm.allThreads()) {
            if (t.name().matches(".*" + java.util.regex.Pattern.quote(threadNamePart) + "(-[0-9]+)?")) {
                found.add(t);
            }
        }
        if (found.isEmpty()) {
            vm.dispose();
            throw new IOException("no thread named *" + threadNamePart + "* in the server");
        }
        return new WorkerHold(vm, found);
    }

    /** Returns the names of the held threads. */
    public List<String> threadNames() {
        return workers.stream().map(ThreadReference::name).toList();
    }

    /**
     * Suspends every worker at a moment it is parked idle in {@code Condition.await()} (no batch
     * forming, lock released), retrying for at most {@code timeout}.
     *
     * @throws IllegalStateException if a worker was never seen idle within the timeout
     */
    public void pause(Duration timeout) throws InterruptedException {
        long giveUp = System.nanoTime() + timeout.toNanos();
        for (ThreadReference t : workers) {
            while (true) {
                t.suspend();
                if (idle(t)) {
                    break;
                }
                t.resume();
                if (System.nanoTime() > giveUp) {
                    throw new IllegalStateException("batcher worker " + t.name() + " was never idle within " + timeout);
                }
                Thread.sleep(5);
            }
        }
        paused = true;
    }

    /** Same as {@link #pause(Duration)} with 60 s. */
    public void pause() throws InterruptedException {
        pause(Duration.ofSeconds(60));
    }

    private static boolean idle(ThreadReference t) {
        try {
            List<StackFrame> frames = t.frames();
            boolean parked = !frames.isEmpty() && frames.get(0).location().method().name().equals("park");
            boolean inAwait = false;
            for (StackFrame f : frames) {
                var m = f.location().method();
                if (m.declaringType().name().equals(CONDITION)) {
                    inAwait |= m.name().equals("await");
                }
            }
            return parked && inAwait;
        } catch (IncompatibleThreadStateException e) {
            return false;
        }
    }

    /** Resumes the workers. */
    public void release() {
        if (paused) {
            for (ThreadReference t : workers) {
                while (t.suspendCount() > 0) {
                    t.resume();
                }
            }
            paused = false;
        }
    }

    /** Releases the workers and detaches. Idempotent. */
    @Override
    public void close() {
        try {
            release();
        } finally {
            try {
                vm.dispose();
            } catch (RuntimeException alreadyGone) {
                // the server exited
            }
        }
    }
}
