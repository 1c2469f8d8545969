package dev.panamarnn.service;

/**
 * One request's answer, in its connection's queue of answers from the moment the request is read:
 * filled on the event loop (a refusal, a count, the stats) or by the batcher's thread (a step's
 * outputs), and written once it and every answer before it on the connection are ready, so a
 * pipelining client gets its answers in request order. A step's answer is reused by its connection
 * once written ({@link #reuse}), so a connection allocates no answers in a steady state.
 */
final class Answer implements StreamRegistry.StepDone {
    final StepHandler connection;
    boolean keepAlive;
    /** (outputs) the batcher writes the step's outputs here; null for an answer that is not a step's. */
    final float[] output;
    int status;
    String text;             // the body of an answer that is not a step's outputs
    long events = -1;        // the stream's event count after the step (X-Stream-Events), -1 when not a step's answer
    boolean ready;           // event loop only: may be written
    /** A step's stage times when the service traces ({@code --trace}), else null. */
    final StageTrace trace;

    /** A step's answer, filled when the batcher completes it; {@code traced}: it records its stage times. */
    Answer(StepHandler connection, boolean keepAlive, int outputs, boolean traced) {
        this.connection = connection;
        this.keepAlive = keepAlive;
        this.output = new float[outputs];
        this.trace = traced ? new StageTrace() : null;
    }

    /** A written step's answer made ready for the connection's next step (event loop only). */
    Answer reuse(boolean keepAlive) {
        this.keepAlive = keepAlive;
        status = 0;
        text = null;
        events = -1;
        ready = false;
        return this;
    }

    /** An answer known at once. */
    Answer(StepHandler connection, boolean keepAlive, int status, String text) {
        this.connection = connection;
        this.keepAlive = keepAlive;
        this.output = null;
        this.status = status;
        this.text = text;
        this.ready = true;
        this.trace = null;
    }

    /** The batcher's completion (its thread): fills the answer and hands it to the connection's event loop. */
    @Override
    public void done(float[] y, long eventCount, Throwable failure) {
        if (failure == null) {
            status = 200;
            events = eventCount;
        } else {
            status = 500;
            text = "the step failed: " + failure;
        }
        if (trace != null) {
            trace.computed = System.nanoTime();
            trace.collected = connection.registry().batchCollectedNanos();
            trace.steps = connection.registry().batchSteps();
        }
        connection.outbox().add(this);    // the outbox's queue publishes these fields to the event loop
    }
}
