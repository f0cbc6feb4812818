package dev.ledgerbox.outbox.spi;

import dev.ledgerbox.outbox.ConfigurationException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxies whose {@code X-Forwarded-For} Ledgerbox believes (for the audit log's and the inbox's client
 * address), as addresses and CIDR blocks
 * ({@code 10.0.0.0/8, 192.168.1.7, fd00::/8}). Immutable.
 */
public final class TrustedProxies {

    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    private record Block(byte[] network, int prefix) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }
    }

    private final List<Block> blocks;

    private TrustedProxies(List<Block> blocks) {
        this.blocks = blocks;
    }

    /** Parses a comma-separated list; {@code setting} names its source in error messages. */
    public static TrustedProxies parse(String list, String setting) {
        if (list == null || list.isBlank()) {
            return NONE;
        }
        List<Block> blocks = new ArrayList<>();
        for (String entry : list.split(",")) {
            String item = entry.trim();
            if (item.isEmpty()) {
                continue;
            }
            String[] parts = item.split("/", 2);
            byte[] address = literal(parts[0]);
            if (address == null) {
                throw new ConfigurationException(
                        setting + " has '" + item + "', which is not an IP address or CIDR block");
            }
            int prefix = address.length * 8;
            if (parts.length == 2) {
                try {
                    prefix = Integer.parseInt(parts[1]);
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > address.length * 8) {
                    throw new ConfigurationException(
                            setting + " has '" + item + "': the prefix length must be 0 to " + address.length * 8);
                }
            }
            blocks.add(new Block(address, prefix));
        }
        return new TrustedProxies(List.copyOf(blocks));
    }

    public boolean trusts(String address) {
        byte[] bytes = literal(address);
        return bytes != null && blocks.stream().anyMatch(b -> b.contains(bytes));
    }

    /**
     * The client's address: the peer's, unless the peer is a trusted proxy; then the right-most
     * address of {@code X-Forwarded-For} that is not a trusted proxy.
     */
    public String clientAddress(String peer, String forwardedFor) {
        if (forwardedFor == null || blocks.isEmpty() || !trusts(peer)) {
            return peer;
        }
        String[] hops = forwardedFor.split(",");
        String client = peer;
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            if (literal(hop) == null) {
                break; // garbage from an untrusted hop: stop at the last address we can vouch for
            }
            client = hop;
            if (!trusts(hop)) {
                break;
            }
        }
        return client;
    }

    /** The bytes of an IP literal, or null; never resolves host names. */
    static byte[] literal(String text) {
        if (text == null) {
            return null;
        }
        String s = text.trim();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        boolean ipv4 = s.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean ipv6 = s.contains(":") && s.matches("[0-9a-fA-F:.]+");
        if (!ipv4 && !ipv6) {
            return null;
        }
        try {
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
