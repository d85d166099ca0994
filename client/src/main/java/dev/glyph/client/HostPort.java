package dev.glyph.client;

/**
 * A parsed server address {@code host:port} (IPv6 hosts in brackets), shared by every client.
 *
 * <pre>{@code
 * HostPort hp = HostPort.parse("[::1]:50051");   // host "::1", port 50051
 * String url = "http://" + hp.uriHost() + ":9464/metrics";
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param host host name or address (IPv6 without brackets)
 * @param port port 1..65535
 */
public record HostPort(String host, int port) {

    /**
     * Parses {@code host:port} or {@code [v6]:port}.
     *
     * @throws IllegalArgumentException with what was found and what was expected
     */
    public static HostPort parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("server address is empty; expected host:port, e.g. localhost:50051");
        }
        String t = text.trim();
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
            throw new IllegalArgumentException("server address is '" + text + "'; expected host:port, e.g. localhost:50051");
        }
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(t.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("server address is '" + text + "'; the port is not a number");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("server address is '" + text + "'; expected a port in 1..65535");
        }
        return new HostPort(host, port);
    }

    /** Returns the host as it goes into a URI: IPv6 addresses in brackets. */
    public String uriHost() {
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
