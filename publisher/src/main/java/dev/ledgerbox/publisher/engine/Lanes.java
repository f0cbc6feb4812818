package dev.ledgerbox.publisher.engine;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Work that waits for a slot of its lane: at most a lane's limit run at once, the rest wait in
 * claim order. A lane that hangs holds only its own slots. Thread-safe.
 */
final class Lanes<W> {

    private static final class Lane<W> {
        final ArrayDeque<W> waiting = new ArrayDeque<>();
        int running;
        int limit;
    }

    private final Map<Object, Lane<W>> lanes = new HashMap<>();
    private final Consumer<W> start;

    /** {@code start} hands a piece to a worker; it runs outside this object's lock. */
    Lanes(Consumer<W> start) {
        this.start = start;
    }

    /** Queues a piece in its lane and starts what has a free slot. */
    void add(Object lane, int limit, W work) {
        synchronized (this) {
            Lane<W> l = lanes.computeIfAbsent(lane, k -> new Lane<>());
            l.limit = Math.max(1, limit);
            l.waiting.add(work);
        }
        pump(lane);
    }

    /** Frees a slot of the lane and starts the next piece waiting for one. */
    void finished(Object lane) {
        synchronized (this) {
            Lane<W> l = lanes.get(lane);
            l.running--;
        }
        pump(lane);
    }

    /** How many pieces wait for a slot of their lane now, in all lanes. */
    synchronized int waiting() {
        int waiting = 0;
        for (Lane<W> l : lanes.values()) {
            waiting += l.waiting.size(); // lanes with work in hand only: a few
        }
        return waiting;
    }

    private void pump(Object lane) {
        for (W next; (next = nextToStart(lane)) != null; ) {
            start.accept(next);
        }
    }

    private synchronized W nextToStart(Object lane) {
        Lane<W> l = lanes.get(lane);
        if (l == null) {
            return null;
        }
        if (l.waiting.isEmpty() || l.running >= l.limit) {
            if (l.waiting.isEmpty() && l.running == 0) {
                lanes.remove(lane);
            }
            return null;
        }
        l.running++;
        return l.waiting.poll();
    }
}
