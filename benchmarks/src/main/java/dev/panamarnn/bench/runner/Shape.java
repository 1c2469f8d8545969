package dev.panamarnn.bench.runner;

import dev.panamarnn.CellType;
import dev.panamarnn.RnnConfig;

/** One benchmark case: cell and sizes (T, B, I, H, layers, directions). */
public record Shape(CellType cell, int steps, int batch, int input, int hidden, int layers, boolean bidirectional) {

    /** Parses {@code T,B,I,H[,layers][,bi]}, e.g. {@code 100,64,512,512} or {@code 100,64,256,256,2,bi}. */
    public static Shape parse(CellType cell, String spec) {
        String[] p = spec.split(",");
        if (p.length < 4) {
            throw new IllegalArgumentException("shape '" + spec + "' must be T,B,I,H[,layers][,bi]");
        }
        int layers = p.length > 4 ? Integer.parseInt(p[4].trim()) : 1;
        boolean bi = p.length > 5 && p[5].trim().equalsIgnoreCase("bi");
        return new Shape(cell, Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()), Integer.parseInt(p[2].trim()),
                Integer.parseInt(p[3].trim()), layers, bi);
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
