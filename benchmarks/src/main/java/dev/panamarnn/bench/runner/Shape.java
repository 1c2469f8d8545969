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
        return new Shape(cell, v[0], v[1], v[2], v[3], v.length > 4 ? v[4] : 1, p.length == 6);
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
