package dev.panamarnn.onnx;

import java.util.function.Function;

/**
 * Writes a SequenceModel's head: {@code nn.Linear(D*H, K)} (head.weight, head.bias), or
 * Linear -> ReLU -> Linear (head.0.*, head.2.*). Per step the input is (T, B, D*H) and each Linear
 * is MatMul by the transposed weight plus Add; once per sequence it is (B, D*H) and each Linear is
 * one Gemm with transB = 1.
 */
final class HeadGraph {
    private HeadGraph() {}

    /**
     * @param x          (T, B, in) per step, or (B, in) per sequence
     * @param headHidden K' of the hidden ReLU layer, or 0 for one Linear
     */
    static String write(GraphBuilder g, Function<String, float[]> parameter, String x, boolean perStep, int in, int headHidden,
                        int outputs, String output) {
        if (headHidden == 0) {
            return linear(g, parameter, "head.", x, perStep, in, outputs, output);
        }
        String hidden = linear(g, parameter, "head.0.", x, perStep, in, headHidden, "head.0.output");
        String relu = g.apply("Relu", "head.1.output", hidden);
        return linear(g, parameter, "head.2.", relu, perStep, headHidden, outputs, output);
    }

    /** y = x W^T + b, W (out, in), b (out). */
    private static String linear(GraphBuilder g, Function<String, float[]> parameter, String prefix, String x, boolean perStep,
                                 int in, int out, String y) {
        float[] weight = parameter.apply(prefix + "weight");
        String bias = g.weights(prefix + "bias", parameter.apply(prefix + "bias"), out);
        if (!perStep) {
            String w = g.weights(prefix + "weight", weight, out, in);
            g.node("Gemm", prefix + "gemm", new String[] {x, w, bias}, y).addAttribute(GraphBuilder.intAttribute("transB", 1));
            return y;
        }
        String wT = g.weights(prefix + "weight_t", transpose(weight, out, in), in, out);
        String product = g.apply("MatMul", prefix + "matmul", x, wT);      // (T, B, in) x (in, out) -> (T, B, out)
        return g.apply("Add", y, product, bias);
    }

    private static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }
}
