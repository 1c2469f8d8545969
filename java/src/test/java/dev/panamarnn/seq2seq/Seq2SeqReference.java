package dev.panamarnn.seq2seq;

import dev.panamarnn.CellType;
import java.util.Map;

/**
 * The model's loss in double precision, written as plainly as possible from the equations
 * (PyTorch's LSTM and GRU cells, packed encoder, bridge, input feeding, Luong general attention,
 * output layer, masked mean cross-entropy): the reference the finite-difference test
 * differentiates. Not fast and not clever on purpose.
 */
final class Seq2SeqReference {
    private final Seq2SeqConfig c;
    private final Map<String, double[]> p;

    Seq2SeqReference(Seq2SeqConfig config, Map<String, double[]> params) {
        this.c = config;
        this.p = params;
    }

    double loss(int[][] sources, int[][] targets) {
        int batch = sources.length, hid = c.hidden(), d = c.directions(), cs = c.contextSize();
        double total = 0;
        int count = 0;
        for (int b = 0; b < batch; b++) {
            int[] src = sources[b];
            int len = src.length;
            // encoder: layer by layer, each direction over the row's own length
            double[][] in = new double[len][];
            for (int s = 0; s < len; s++) {
                in[s] = row("source_embedding.weight", src[s], c.embedding());
            }
            double[][] hN = new double[c.layers() * d][], cN = new double[c.layers() * d][];
            for (int l = 0; l < c.layers(); l++) {
                double[][] out = new double[len][d * hid];
                for (int dir = 0; dir < d; dir++) {
                    String sfx = "_l" + l + (dir == 1 ? "_reverse" : "");
                    double[] h = new double[hid], cc = new double[hid];
                    for (int k = 0; k < len; k++) {
                        int s = dir == 0 ? k : len - 1 - k;
                        double[][] next = cell("encoder.", sfx, in[s], h, cc, hid);
                        h = next[0];
                        cc = next[1];
                        System.arraycopy(h, 0, out[s], dir * hid, hid);
                    }
                    hN[l * d + dir] = h;
                    cN[l * d + dir] = cc;
                }
                in = out;
            }
            double[][] enc = in;                                                   // (len, C)
            double[][] keys = new double[len][];
            for (int s = 0; s < len; s++) {
                keys[s] = matVec("attention.weight", enc[s], cs, cs, null);
            }
            double[][] hs = new double[c.layers()][cs], csState = new double[c.layers()][cs];
            for (int l = 0; l < c.layers(); l++) {
                for (int dir = 0; dir < d; dir++) {
                    System.arraycopy(hN[l * d + dir], 0, hs[l], dir * hid, hid);
                    System.arraycopy(cN[l * d + dir], 0, csState[l], dir * hid, hid);
                }
            }
            double[] ctx = new double[cs];
            int[] tgt = targets[b];
            for (int t = 0; t < tgt.length; t++) {
                int prev = t == 0 ? c.bos() : tgt[t - 1];
                double[] x = concat(row("target_embedding.weight", prev, c.embedding()), ctx);
                for (int l = 0; l < c.layers(); l++) {
                    double[][] next = cell("decoder.", "_l" + l, x, hs[l], csState[l], cs);
                    hs[l] = next[0];
                    csState[l] = next[1];
                    x = hs[l];
                }
                double[] ht = hs[c.layers() - 1];
                double[] score = new double[len];
                double max = Double.NEGATIVE_INFINITY;
                for (int s = 0; s < len; s++) {
                    score[s] = dot(ht, keys[s]);
                    max = Math.max(max, score[s]);
                }
                double z = 0;
                for (int s = 0; s < len; s++) {
                    z += Math.exp(score[s] - max);
                }
                ctx = new double[cs];
                for (int s = 0; s < len; s++) {
                    double a = Math.exp(score[s] - max) / z;
                    for (int i = 0; i < cs; i++) {
                        ctx[i] += a * enc[s][i];
                    }
                }
                double[] logits = matVec("output.weight", concat(ht, ctx), c.targetVocab(), 2 * cs, "output.bias");
                double lmax = Double.NEGATIVE_INFINITY;
                for (double v : logits) {
                    lmax = Math.max(lmax, v);
                }
                double lz = 0;
                for (double v : logits) {
                    lz += Math.exp(v - lmax);
                }
                total += -(logits[tgt[t]] - lmax - Math.log(lz));
                count++;
            }
        }
        return total / count;
    }

    /** One step of the cell: {h', c'} (c' unused for GRU). */
    private double[][] cell(String prefix, String sfx, double[] x, double[] h, double[] cPrev, int hid) {
        int in = x.length;
        double[] gi = matVec(prefix + "weight_ih" + sfx, x, c.cell().gates() * hid, in, prefix + "bias_ih" + sfx);
        double[] gh = matVec(prefix + "weight_hh" + sfx, h, c.cell().gates() * hid, hid, prefix + "bias_hh" + sfx);
        double[] hOut = new double[hid], cOut = new double[hid];
        if (c.cell() == CellType.LSTM) {
            for (int k = 0; k < hid; k++) {
                double i = sigmoid(gi[k] + gh[k]), f = sigmoid(gi[hid + k] + gh[hid + k]);
                double g = Math.tanh(gi[2 * hid + k] + gh[2 * hid + k]), o = sigmoid(gi[3 * hid + k] + gh[3 * hid + k]);
                cOut[k] = f * cPrev[k] + i * g;
                hOut[k] = o * Math.tanh(cOut[k]);
            }
        } else if (c.cell() == CellType.GRU) {
            for (int k = 0; k < hid; k++) {
                double r = sigmoid(gi[k] + gh[k]), z = sigmoid(gi[hid + k] + gh[hid + k]);
                double n = Math.tanh(gi[2 * hid + k] + r * gh[2 * hid + k]);
                hOut[k] = (1 - z) * n + z * h[k];
            }
        } else {
            throw new IllegalArgumentException("reference covers LSTM and GRU");
        }
        return new double[][] {hOut, cOut};
    }

    private double[] matVec(String weight, double[] x, int rows, int cols, String bias) {
        double[] w = p.get(weight), out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = bias == null ? 0 : p.get(bias)[r];
            for (int k = 0; k < cols; k++) {
                s += w[r * cols + k] * x[k];
            }
            out[r] = s;
        }
        return out;
    }

    private double[] row(String name, int index, int dim) {
        double[] out = new double[dim];
        System.arraycopy(p.get(name), index * dim, out, 0, dim);
        return out;
    }

    private static double[] concat(double[] a, double[] b) {
        double[] out = new double[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }
}
