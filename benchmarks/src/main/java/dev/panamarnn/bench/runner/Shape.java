package dev.panamarnn.bench.runner;

import dev.panamarnn.CellType;
import dev.panamarnn.RnnConfig;

/** One benchmark case: cell and sizes (T, B, I, H, layers, directions). */
public record Shape(CellType cell, int steps, int batch, int input, int hidden, int layers, boolean bidirectional) {

    /** Parses {@code T,B,I,H[,layers][,bi]}, e.g. {@code 100,64,512,512} or {@code 100,64,256,256,2,bi}. */
    public static Shape parse(CellType cell, String spec) {
        String[] p = spec.split(",");
        String usage = "shape '" + spec + "' must be T,B,I,H[,layers][,bi] with positive integers, e.g. 100,64,512,512 or 100,64,256,256,2,bi";
        if (p.length < 4 || p.length > 6 || (p.length == 6 && !p[5].trim().equalsIgnoreCase("bi"))) {
            throw new IllegalArgumentException(usage);
        }
        int[] v = new int[p.length > 4 ? 5 : 4];
        for (int i = 0; i < v.length; i++) {
            try {
                v[i] = Integer.parseInt(p[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(usage + "; '" + p[i].trim() + "' is not an integer");
            }
            if (v[i] < 1) {
                throw new IllegalArgumentException(usage + "; got " + v[i]);
            }
        }
        Shape shape = new Shape(cell, v[0], v[1], v[2], v[3], v.length > 4 ? v[4] : 1, p.length == 6);
        if (shape.layers() > MAX_LAYERS) {
            throw new IllegalArgumentException("shape '" + spec + "': layers must be in [1, " + MAX_LAYERS + "], got " + shape.layers());
        }
        double bytes = shape.trainingBytes();
        if (bytes > LIMIT_BYTES) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "shape '%s' (%s) would need about %.1f GiB for its "
                    + "weights, gradients and the training step's workspace; the limit is %.0f GiB: use a smaller shape",
                    spec, shape.label(), bytes / (1L << 30), LIMIT_BYTES / (1L << 30)));
        }
        return shape;
    }

    /** The most layers a benchmark shape may stack, as the training commands allow. */
    static final int MAX_LAYERS = 16;
    /** The most a benchmark case may need, estimated before anything is allocated: 8 GiB. */
    static final double LIMIT_BYTES = 8.0 * (1L << 30);

    /**
     * About what measuring this shape allocates, in bytes: the parameters four times over (native and
     * Java weights, their gradients), the input and its gradient, and what a training step's workspace
     * keeps per step, row, layer and direction (the gates and two more values per hidden unit), twice
     * (the native and the pure-Java workspace).
     */
    double trainingBytes() {
        double g = cell.gates(), d = directions(), h = hidden, parameters = 0;
        for (int l = 0; l < layers; l++) {
            parameters += d * g * h * ((l == 0 ? input : d * h) + h + 2);
        }
        double activations = (double) steps * batch * layers * d * h * (g + 2);
        return 4 * (4 * parameters + 2 * (double) steps * batch * input + 2 * activations);
    }

    public RnnConfig config() {
        return RnnConfig.builder(cell, input, hidden).layers(layers).bidirectional(bidirectional).seed(1).build();
    }

    int directions() {
        return bidirectional ? 2 : 1;
    }

    /** Useful forward FLOPs: 2*B*(In_l+H)*G*H per step per layer and direction (GEMMs only). */
    public double forwardFlops() {
        double g = cell.gates(), total = 0;
        for (int l = 0; l < layers; l++) {
            int in = l == 0 ? input : directions() * hidden;
            total += 2.0 * batch * (in + hidden) * g * hidden * steps * directions();
        }
        return total;
    }

    /** Useful FLOPs of a training step: forward + backward (twice the forward). */
    public double trainFlops() {
        return 3 * forwardFlops();
    }

    public String label() {
        return cell.id() + " T=" + steps + " B=" + batch + " I=" + input + " H=" + hidden
                + (layers > 1 ? " L=" + layers : "") + (bidirectional ? " bi" : "");
    }
}
