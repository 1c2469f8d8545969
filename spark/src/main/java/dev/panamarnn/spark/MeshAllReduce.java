package dev.panamarnn.spark;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The all-reduce of one barrier task, over a {@link GradientMesh}, with the arithmetic of the driver's
 * sum. The flat gradient slab of P floats is cut into N chunks, chunk c = [c P / N, (c+1) P / N), and
 * worker c owns chunk c.
 * <ol>
 *   <li>Reduce-scatter: worker i sends every other worker k its loss terms w_i, its mean loss and its
 *       piece of chunk k. Worker c now holds all N pieces of chunk c and sums them with
 *       {@link GradientSum#combine}, in shard order 0..N-1: the same float operations on the same values
 *       as the driver's sum over the whole slab, so the same bits.</li>
 *   <li>All-gather: worker c sends its summed chunk to every other worker.</li>
 * </ol>
 * Each worker sends (N-1)/N x 4P bytes in each phase (plus 16 bytes of header per peer), as a ring
 * all-reduce does, and every worker ends with the whole sum g = sum_i (w_i / W) g_i and the combined loss.
 * The buffers are allocated once per stage.
 */
final class MeshAllReduce {
    private static final int HEADER = Long.BYTES + Double.BYTES;   // w_i, loss_i

    private final GradientMesh mesh;
    private final int self, workers;
    private final int[] start;            // (N + 1): chunk c is [start[c], start[c + 1])
    private final ByteBuffer[] toPeer;    // [k]: header + my piece of chunk k, then (phase 2) my summed chunk
    private final ByteBuffer[] fromPeer;  // [k]: header + k's piece of my chunk, then (phase 2) k's summed chunk
    private final float[][] pieces;       // [i]: worker i's piece of my chunk (my chunk's length)
    private final float[] summed;         // (my chunk's length): sum_i (w_i / W) pieces[i]
    private final float[] zeros;          // (P): the gradient of a worker without a batch this step (weight 0)

    MeshAllReduce(GradientMesh mesh, int parameters) {
        this.mesh = mesh;
        this.self = mesh.self();
        this.workers = mesh.workers();
        this.start = new int[workers + 1];
        for (int c = 0; c <= workers; c++) {
            start[c] = (int) ((long) c * parameters / workers);
        }
        int mine = length(self);
        this.toPeer = new ByteBuffer[workers];
        this.fromPeer = new ByteBuffer[workers];
        for (int k = 0; k < workers; k++) {
            int bytes = HEADER + Float.BYTES * Math.max(length(k), mine);
            toPeer[k] = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
            fromPeer[k] = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }
        this.pieces = new float[workers][mine];
        this.summed = new float[mine];
        this.zeros = new float[parameters];
    }

    private int length(int chunk) {
        return start[chunk + 1] - start[chunk];
    }

    /**
     * Sums every worker's {@code own} part of this step into {@code out} (P floats, every element set).
     * @return the combined mean loss
     */
    double sum(WorkerStep.Result own, float[] out, long step) throws IOException {
        float[] gradient = own.gradient() != null ? own.gradient() : zeros;
        int mine = length(self), lo = start[self];
        // phase 1, reduce-scatter: my piece of chunk k to worker k; worker k's piece of my chunk from it
        for (int k = 0; k < workers; k++) {
            if (k != self) {
                ByteBuffer b = toPeer[k].clear().putLong(own.weight()).putDouble(own.loss());
                b.asFloatBuffer().put(gradient, start[k], length(k));
                b.position(HEADER + Float.BYTES * length(k)).flip();
                fromPeer[k].clear().limit(HEADER + Float.BYTES * mine);
            }
        }
        mesh.exchange(toPeer, fromPeer, "the reduce-scatter of step " + step);
        List<GradientSum.Part> parts = new ArrayList<>(workers);
        for (int i = 0; i < workers; i++) {
            if (i == self) {
                System.arraycopy(gradient, lo, pieces[i], 0, mine);
                parts.add(new GradientSum.Part(own.weight(), own.loss(), pieces[i]));
            } else {
                ByteBuffer b = fromPeer[i].flip();
                long weight = b.getLong();
                double loss = b.getDouble();
                b.asFloatBuffer().get(pieces[i], 0, mine);
                parts.add(new GradientSum.Part(weight, loss, pieces[i]));
            }
        }
        GradientSum.combine(parts, summed);
        double loss = GradientSum.loss(parts);
        // phase 2, all-gather: my summed chunk to every worker; worker k's summed chunk from it
        System.arraycopy(summed, 0, out, lo, mine);
        for (int k = 0; k < workers; k++) {
            if (k != self) {
                ByteBuffer b = toPeer[k].clear();
                b.asFloatBuffer().put(summed, 0, mine);
                b.position(Float.BYTES * mine).flip();
                fromPeer[k].clear().limit(Float.BYTES * length(k));
            }
        }
        mesh.exchange(toPeer, fromPeer, "the all-gather of step " + step);
        for (int k = 0; k < workers; k++) {
            if (k != self) {
                fromPeer[k].flip().asFloatBuffer().get(out, start[k], length(k));
            }
        }
        return loss;
    }
}
