package dev.panamarnn.examples.experiment;

/**
 * Two sizes of a square matrix W (n, n), in double precision, for the gradient-flow experiment:
 * <ul>
 * <li>{@link #of}: the spectral radius rho(W) = max |lambda_i|, the number that decides whether
 *     W^k v grows or shrinks in the long run. Computed with Gelfand's formula
 *     rho(W) = lim_{k -> inf} ||W^k||^{1/k} by repeated squaring: W^{2^m} is formed with m matrix
 *     products, each renormalised to Frobenius norm 1 while the logarithm of the scale is kept, so
 *     k = 2^m reaches 2^60 without overflow. Since ||W^k||^{1/k} >= rho(W) and the excess factor is
 *     at most (condition of the eigenvectors * sqrt(n))^{1/k} (for a Jordan block, k^{1/k}), the
 *     estimate is exact to double precision long before m = 60.</li>
 * <li>{@link #spectralNorm}: the largest singular value ||W||_2 = sqrt(rho(W^T W)), by power
 *     iteration on W^T W. It bounds the radius from above (rho(W) <= ||W||_2) and the two differ
 *     for non-normal matrices: the norm is NOT the radius.</li>
 * </ul>
 * Not an eigenvalue solver: the eigenvalues themselves are not computed.
 */
public final class SpectralRadius {
    /** Squarings: k = 2^MAX_SQUARINGS at most. */
    private static final int MAX_SQUARINGS = 60;

    private SpectralRadius() {}

    /**
     * rho(W) for a row-major (n, n) matrix.
     * @param w (n, n) row-major, n*n finite values
     */
    public static double of(double[] w, int n) {
        check(w, n);
        double norm = frobenius(w);
        if (norm == 0) {
            return 0;
        }
        double[] b = new double[n * n];          // (n, n) W^k / ||W^k||_F
        double[] square = new double[n * n];     // (n, n) scratch for b * b
        for (int i = 0; i < b.length; i++) {
            b[i] = w[i] / norm;
        }
        double logScale = Math.log(norm);        // ln ||W^k||_F with k = 2^m
        double k = 1;
        double estimate = norm;                  // ||W^k||_F^{1/k}
        for (int m = 1; m <= MAX_SQUARINGS; m++) {
            multiply(square, b, b, n);           // W^{2k} / ||W^k||_F^2
            double s = frobenius(square);
            if (s == 0) {
                return 0;                        // nilpotent: every eigenvalue is 0
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = square[i] / s;
            }
            logScale = 2 * logScale + Math.log(s);
            k *= 2;
            double next = Math.exp(logScale / k);
            if (m >= 8 && Math.abs(next - estimate) <= 1e-13 * next) {
                return next;
            }
            estimate = next;
        }
        return estimate;
    }

    /** rho(W) for a float matrix (a W_hh read from an Rnn). */
    public static double of(float[] w, int n) {
        return of(toDouble(w), n);
    }

    /**
     * ||W||_2, the largest singular value, by power iteration on W^T W from a fixed start vector
     * (up to 10,000 iterations, stopping when the estimate changes by less than 1e-12 relative).
     */
    public static double spectralNorm(double[] w, int n) {
        check(w, n);
        double[] v = new double[n];
        double[] wv = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = 1.0 / Math.sqrt(n) * (1 + 0.01 * i);   // not orthogonal to the top singular vector in practice
        }
        double sigma = 0;
        for (int iteration = 0; iteration < 10_000; iteration++) {
            for (int i = 0; i < n; i++) {                  // wv = W v
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    sum += w[i * n + j] * v[j];
                }
                wv[i] = sum;
            }
            double next = Math.sqrt(dot(wv, wv));         // ||W v|| with ||v|| = 1
            for (int j = 0; j < n; j++) {                  // v = W^T W v / ||W^T W v||
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    sum += w[i * n + j] * wv[i];
                }
                v[j] = sum;
            }
            double length = Math.sqrt(dot(v, v));
            if (length == 0) {
                return next;
            }
            for (int j = 0; j < n; j++) {
                v[j] /= length;
            }
            if (Math.abs(next - sigma) <= 1e-12 * next) {
                return next;
            }
            sigma = next;
        }
        return sigma;
    }

    public static double spectralNorm(float[] w, int n) {
        return spectralNorm(toDouble(w), n);
    }

    /** c = a b for row-major (n, n) matrices; c must not be a or b. */
    static void multiply(double[] c, double[] a, double[] b, int n) {
        java.util.Arrays.fill(c, 0);
        for (int i = 0; i < n; i++) {
            for (int l = 0; l < n; l++) {
                double ail = a[i * n + l];
                if (ail == 0) {
                    continue;
                }
                for (int j = 0; j < n; j++) {
                    c[i * n + j] += ail * b[l * n + j];
                }
            }
        }
    }

    private static double frobenius(double[] a) {
        double max = 0;                          // scaled, so 1e200 entries do not overflow
        for (double x : a) {
            max = Math.max(max, Math.abs(x));
        }
        if (max == 0) {
            return 0;
        }
        double sum = 0;
        for (double x : a) {
            sum += (x / max) * (x / max);
        }
        return max * Math.sqrt(sum);
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static double[] toDouble(float[] w) {
        double[] d = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            d[i] = w[i];
        }
        return d;
    }

    private static void check(double[] w, int n) {
        if (n < 1 || w == null || w.length != (long) n * n) {
            throw new IllegalArgumentException("expected a square (n, n) matrix with n >= 1: n = " + n + ", got "
                    + (w == null ? "null" : w.length + " values"));
        }
        for (int i = 0; i < w.length; i++) {
            if (!Double.isFinite(w[i])) {
                throw new IllegalArgumentException("matrix entry " + i + " is not finite: " + w[i]);
            }
        }
    }
}
