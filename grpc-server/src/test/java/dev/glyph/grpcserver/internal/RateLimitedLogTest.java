package dev.glyph.grpcserver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RateLimitedLogTest {

    @Test
    void warn_manyWithinInterval_logsOnceAndCountsTheRest() {
        RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(RateLimitedLogTest.class), Duration.ofHours(1));
        assertTrue(log.warn("first"));
        int logged = 0;
        for (int i = 0; i < 1000; i++) {
            logged += log.warn("again " + i) ? 1 : 0;
        }
        assertEquals(0, logged);
        assertEquals(1000, log.suppressed());
    }

    @Test
    void warn_zeroInterval_logsEveryTime() {
        RateLimitedLog log = new RateLimitedLog(LoggerFactory.getLogger(RateLimitedLogTest.class), Duration.ZERO);
        assertTrue(log.warn("a"));
        assertTrue(log.warn("b"));
        assertFalse(log.suppressed() > 0);
    }
}
