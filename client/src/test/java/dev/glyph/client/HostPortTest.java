package dev.glyph.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HostPortTest {

    @Test
    void parse_hostAndPort_bothParts() {
        assertEquals(new HostPort("localhost", 50051), HostPort.parse(" localhost:50051 "));
        assertEquals("localhost", HostPort.parse("localhost:1").uriHost());
    }

    @Test
    void parse_bracketedIpv6_hostWithoutBrackets() {
        HostPort hp = HostPort.parse("[::1]:9000");
        assertEquals(new HostPort("::1", 9000), hp);
        assertEquals("[::1]", hp.uriHost());
    }

    @Test
    void parse_badAddresses_messageSaysFoundAndExpected() {
        for (String bad : new String[] {"nohostport", ":50051", "host:", "host:x1", "host:0", "host:70000"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostPort.parse(bad));
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HostPort.parse(" ")).getMessage()
                .contains("expected host:port"));
    }
}
