package dev.ledgerbox.publisher.webhook;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;

/**
 * Refuses webhook targets inside the publisher's own network (SSRF): loopback, private (RFC 1918),
 * carrier-grade NAT, link-local (including the cloud metadata address 169.254.169.254),
 * unique-local IPv6, multicast, the unspecified address, and IPv4 addresses wrapped in IPv6.
 * Checked when an endpoint is registered and again at connect time, where {@link #resolver()}
 * resolves the host, checks every address and hands only checked addresses to the connection.
 * Thread-safe.
 */
final class TargetGuard {

    private TargetGuard() {}

    /** Parses and checks an endpoint URL: http(s), a host, no user info. */
    public static URI url(String text) {
        URI uri;
        try {
            uri = new URI(text == null ? "" : text.trim());
        } catch (URISyntaxException e) {
            throw new WebhookException("endpoint URL '" + text + "' is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw new WebhookException("endpoint URL '" + text + "' must start with https:// (or http://)");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw new WebhookException("endpoint URL '" + text + "' has no host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new WebhookException("endpoint URL '" + redactUserInfo(uri)
                    + "' carries credentials: put them in a header of the endpoint instead");
        }
        return uri;
    }

    /** Resolves the URL's host and refuses it if any address is internal. */
    public static void check(URI uri) {
        String host = uri.getHost();
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(bare(host));
        } catch (UnknownHostException e) {
            throw new WebhookException("endpoint host '" + host + "' does not resolve");
        }
        for (InetAddress address : addresses) {
            String why = internal(address);
            if (why != null) {
                throw new WebhookException(refusal(host, address, why));
            }
        }
    }

    /** Whether the host is an IPv4 or IPv6 address rather than a name. */
    static boolean literal(String host) {
        String h = bare(host);
        return org.apache.hc.core5.net.InetAddressUtils.isIPv4(h) || org.apache.hc.core5.net.InetAddressUtils.isIPv6(h);
    }

    /** A DNS resolver for the HTTP client that only returns addresses that pass the check. */
    public static DnsResolver resolver() {
        return new DnsResolver() {
            @Override
            public InetAddress[] resolve(String host) throws UnknownHostException {
                InetAddress[] addresses = SystemDefaultDnsResolver.INSTANCE.resolve(host);
                for (InetAddress address : addresses) {
                    String why = internal(address);
                    if (why != null) {
                        throw new RefusedTargetException(refusal(host, address, why));
                    }
                }
                return addresses;
            }

            @Override
            public String resolveCanonicalHostname(String host) throws UnknownHostException {
                return SystemDefaultDnsResolver.INSTANCE.resolveCanonicalHostname(host);
            }
        };
    }

    /** Thrown at connect time; an {@link UnknownHostException} so that the client stops there. */
    public static final class RefusedTargetException extends UnknownHostException {
        private static final long serialVersionUID = 1L;

        RefusedTargetException(String message) {
            super(message);
        }
    }

    /** Why the address is internal, or null when it is a public address. */
    static String internal(InetAddress address) {
        if (address instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            boolean mapped = true; // ::ffff:a.b.c.d
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            mapped &= (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
            boolean compatible = true; // ::a.b.c.d (deprecated, still routed by some stacks)
            for (int i = 0; i < 12; i++) {
                compatible &= b[i] == 0;
            }
            if (mapped || (compatible && !address.isLoopbackAddress() && !address.isAnyLocalAddress())) {
                return "an IPv4 address inside IPv6";
            }
            if ((b[0] & 0xfe) == 0xfc) {
                return "a unique-local address";
            }
        }
        if (address.isLoopbackAddress()) {
            return "a loopback address";
        }
        if (address.isAnyLocalAddress()) {
            return "the unspecified address";
        }
        if (address.isLinkLocalAddress()) {
            return "a link-local address (cloud metadata lives there)";
        }
        if (address.isSiteLocalAddress()) {
            return "a private address";
        }
        if (address.isMulticastAddress()) {
            return "a multicast address";
        }
        if (address instanceof Inet4Address) {
            byte[] b = address.getAddress();
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            if (first == 0) {
                return "a 'this network' address";
            }
            if (first == 100 && second >= 64 && second <= 127) {
                return "a carrier-grade NAT address";
            }
            if (first == 192 && second == 0 && (b[2] & 0xff) == 0) {
                return "an IETF protocol address";
            }
            if (first == 198 && (second == 18 || second == 19)) {
                return "a benchmarking address";
            }
            if (first >= 240) {
                return "a reserved address";
            }
        }
        return null;
    }

    private static String refusal(String host, InetAddress address, String why) {
        return "endpoint host '" + host + "' resolves to " + address.getHostAddress() + ", " + why
                + ": refused (create the endpoint with allow-private to deliver inside your network)";
    }

    private static String bare(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static String redactUserInfo(URI uri) {
        return uri.getScheme() + "://***@" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }
}
