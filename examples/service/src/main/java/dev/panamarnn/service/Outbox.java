package dev.panamarnn.service;

import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Hands the batcher's completed answers to one event loop in bulk: the batcher's thread queues each
 * answer, and only the first of a run schedules a task on the loop; that task takes every answer
 * queued by then and writes each connection's ready answers with one flush. A batch of steps thus
 * costs the loop about one wake-up and one write per connection instead of one of each per step.
 */
final class Outbox {
    private final EventExecutor loop;
    private final ConcurrentLinkedQueue<Answer> completed = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final ArrayList<StepHandler> touched = new ArrayList<>();   // event loop only
    private final Runnable drain = this::drain;

    Outbox(EventExecutor loop) {
        this.loop = loop;
    }

    /** Any thread: queues a filled answer for the loop. */
    void add(Answer answer) {
        completed.add(answer);
        if (!scheduled.get() && scheduled.compareAndSet(false, true)) {
            loop.execute(drain);
        }
    }

    /** On the loop: every queued answer marked ready, then each touched connection written and flushed once. */
    private void drain() {
        scheduled.set(false);           // before taking: an answer queued from now on schedules another drain
        for (Answer a; (a = completed.poll()) != null; ) {
            a.ready = true;
            if (a.trace != null) {
                a.trace.drained = System.nanoTime();
            }
            if (a.connection.markTouched()) {
                touched.add(a.connection);
            }
        }
        for (int i = 0; i < touched.size(); i++) {
            touched.get(i).writeReady();
        }
        touched.clear();
    }
}
