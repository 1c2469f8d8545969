package dev.panamarnn.onnx;

import dev.panamarnn.CellType;
import dev.panamarnn.RnnConfig;
import java.util.function.Function;

/**
 * Writes a recurrent stack as one ONNX LSTM/GRU/RNN node per layer, time-major (layout 0):
 * <pre>
 *   x (T, B, I) --layer 0--> Y (T, D, B, H) --Transpose, Reshape--> (T, B, D*H) --layer 1--> ...
 *   h0 (L*D, B, H) --Slice [k*D, (k+1)*D)--> initial_h of layer k;  hn = Concat(Y_h of every layer)
 * </pre>
 * W (D, G*H, in), R (D, G*H, H) and B (D, 2*G*H) = [b_ih; b_hh] per layer, gates in ONNX's order,
 * from the PyTorch-named parameters {@code weight_ih_l{k}[_reverse]} etc. PyTorch's GRU applies the
 * reset gate after the recurrent product ({@code linear_before_reset = 1}); the reset-before GRU
 * ({@link CellType#GRU_RESET_BEFORE}) is ONNX's default, {@code linear_before_reset = 0}.
 */
final class RecurrentStackGraph {
    /** The values a written stack offers the rest of the graph. */
    record Written(String topOutput, String topFinalHidden) {}

    private RecurrentStackGraph() {}

    /**
     * @param x         (T, B, I) the stack's input
     * @param lengths   (B) int32 sequence lengths, or "" for full-length sequences
     * @param h0        (L*D, B, H) initial hidden states; {@code c0} likewise for LSTM (else unused)
     * @param hn        name of the graph output (L*D, B, H); {@code cn} likewise for LSTM
     * @param parameter a parameter's values (row-major) by its PyTorch name, e.g. weight_hh_l1_reverse
     */
    static Written write(GraphBuilder g, RnnConfig config, Function<String, float[]> parameter, String x, String lengths,
                         String h0, String c0, String hn, String cn) {
        CellType cell = config.cell();
        int layers = config.numLayers(), directions = config.directions(), hidden = config.hiddenSize();
        boolean lstm = cell.hasCellState();
        String[] finalHidden = new String[layers], finalCell = new String[layers];
        String layerInput = x, y = null;
        for (int k = 0; k < layers; k++) {
            String layer = "l" + k;
            String initialH = slice(g, h0, layer + ".initial_h", k, directions);
            String initialC = lstm ? slice(g, c0, layer + ".initial_c", k, directions) : "";
            String w = g.weights(layer + ".W", stacked(config, parameter, "weight_ih_l" + k, config.layerInputSize(k)),
                    directions, (long) cell.gates() * hidden, config.layerInputSize(k));
            String r = g.weights(layer + ".R", stacked(config, parameter, "weight_hh_l" + k, hidden),
                    directions, (long) cell.gates() * hidden, hidden);
            String b = g.weights(layer + ".B", biases(config, parameter, k), directions, 2L * cell.gates() * hidden);
            y = layer + ".Y";
            finalHidden[k] = layers == 1 ? hn : layer + ".Y_h";
            finalCell[k] = lstm ? (layers == 1 ? cn : layer + ".Y_c") : null;
            String[] inputs = lstm ? new String[] {layerInput, w, r, b, lengths, initialH, initialC}
                                   : new String[] {layerInput, w, r, b, lengths, initialH};
            String[] outputs = lstm ? new String[] {y, finalHidden[k], finalCell[k]} : new String[] {y, finalHidden[k]};
            var node = g.node(opType(cell), "rnn_" + layer, inputs, outputs);
            node.addAttribute(GraphBuilder.intAttribute("hidden_size", hidden));
            node.addAttribute(GraphBuilder.stringAttribute("direction", directions == 2 ? "bidirectional" : "forward"));
            if (cell == CellType.GRU || cell == CellType.GRU_RESET_BEFORE) {
                node.addAttribute(GraphBuilder.intAttribute("linear_before_reset", cell == CellType.GRU ? 1 : 0));
            }
            if (cell == CellType.RNN_RELU) {
                node.addAttribute(directions == 2 ? GraphBuilder.stringsAttribute("activations", "Relu", "Relu")
                                                  : GraphBuilder.stringsAttribute("activations", "Relu"));
            }
            if (k + 1 < layers) {
                layerInput = timeMajorFeatures(g, y, layer + ".output", directions);
            }
        }
        if (layers > 1) {
            g.node("Concat", "hn", finalHidden, hn).addAttribute(GraphBuilder.intAttribute("axis", 0));
            if (lstm) {
                g.node("Concat", "cn", finalCell, cn).addAttribute(GraphBuilder.intAttribute("axis", 0));
            }
        }
        return new Written(y, finalHidden[layers - 1]);
    }

    /** Y (T, D, B, H) as (T, B, D*H): the layer's output with both directions on the feature axis. */
    static String timeMajorFeatures(GraphBuilder g, String y, String name, int directions) {
        if (directions == 1) {
            return g.apply("Squeeze", name, y, g.int64s(name + ".axes", 1));
        }
        String tbdh = g.node("Transpose", name + ".transpose", new String[] {y}, name + ".tbdh")
                .addAttribute(GraphBuilder.intsAttribute("perm", 0, 2, 1, 3)).getOutput(0);
        return g.apply("Reshape", name, tbdh, g.int64s(name + ".shape", 0, 0, -1));
    }

    private static String slice(GraphBuilder g, String state, String name, int layer, int directions) {
        return g.apply("Slice", name, state, g.int64s(name + ".starts", (long) layer * directions),
                g.int64s(name + ".ends", (long) (layer + 1) * directions), g.int64s(name + ".axes", 0));
    }

    private static String opType(CellType cell) {
        return switch (cell) {
            case LSTM -> "LSTM";
            case GRU, GRU_RESET_BEFORE -> "GRU";
            case RNN_TANH, RNN_RELU -> "RNN";
        };
    }

    /** (D, G*H, cols): the direction's PyTorch (G*H, cols) matrix with its gate blocks in ONNX's order. */
    private static float[] stacked(RnnConfig config, Function<String, float[]> parameter, String name, int cols) {
        int[] order = GateOrder.onnxFromPyTorch(config.cell());
        float[][] perDirection = new float[config.directions()][];
        for (int d = 0; d < config.directions(); d++) {
            perDirection[d] = GateOrder.permuteBlocks(parameter.apply(name + (d == 1 ? "_reverse" : "")), order, config.hiddenSize(), cols);
        }
        return concat(perDirection);
    }

    /** (D, 2*G*H): per direction [b_ih; b_hh], each in ONNX's gate order (ONNX's Wb then Rb). */
    private static float[] biases(RnnConfig config, Function<String, float[]> parameter, int layer) {
        int[] order = GateOrder.onnxFromPyTorch(config.cell());
        float[][] parts = new float[2 * config.directions()][];
        for (int d = 0; d < config.directions(); d++) {
            String suffix = layer + (d == 1 ? "_reverse" : "");
            parts[2 * d] = GateOrder.permuteBlocks(parameter.apply("bias_ih_l" + suffix), order, config.hiddenSize(), 1);
            parts[2 * d + 1] = GateOrder.permuteBlocks(parameter.apply("bias_hh_l" + suffix), order, config.hiddenSize(), 1);
        }
        return concat(parts);
    }

    private static float[] concat(float[][] parts) {
        int n = 0;
        for (float[] p : parts) {
            n = Math.addExact(n, p.length);
        }
        float[] all = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
