package dev.glyph.grpcserver.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.inprocess.InProcessSocketAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.junit.jupiter.api.Test;

class LocalCallerInterceptorTest {

    @Test
    void isLocal_loopbackOrInProcess_true() {
        assertTrue(LocalCallerInterceptor.isLocal(new InetSocketAddress("127.0.0.1", 5000)));
        assertTrue(LocalCallerInterceptor.isLocal(new InetSocketAddress("127.8.9.10", 5000)));
        assertTrue(LocalCallerInterceptor.isLocal(new InetSocketAddress("::1", 5000)));
        assertTrue(LocalCallerInterceptor.isLocal(new InProcessSocketAddress("glyph")));
    }

    @Test
    void isLocal_otherOrUnknownAddress_false() {
        assertFalse(LocalCallerInterceptor.isLocal(new InetSocketAddress("10.1.2.3", 5000)));
        assertFalse(LocalCallerInterceptor.isLocal(new InetSocketAddress("192.168.0.7", 5000)));
        assertFalse(LocalCallerInterceptor.isLocal(new InetSocketAddress("2001:db8::1", 5000)));
        assertFalse(LocalCallerInterceptor.isLocal(InetSocketAddress.createUnresolved("localhost", 5000)));
        assertFalse(LocalCallerInterceptor.isLocal(null));
        assertFalse(LocalCallerInterceptor.isLocal(new SocketAddress() {
            private static final long serialVersionUID = 1L;
        }));
    }
}
