package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The spectral radius against matrices whose eigenvalues are known by construction. */
class SpectralRadiusTest {

    @Test
    void scaledRotationHasRadiusR() {
        for (double r : new double[] {0.3, 1.0, 2.5}) {
            double a = 0.7;
            double[] w = {r * Math.cos(a), -r * Math.sin(a), r * Math.sin(a), r * Math.cos(a)};   // eigenvalues r e^{+-ia}
            assertEquals(r, SpectralRadius.of(w, 2), 1e-12 * r, "rotation scaled by " + r);
            assertEquals(r, SpectralRadius.spectralNorm(w, 2), 1e-9 * r, "a scaled rotation is normal: norm = radius");
        }
    }

    @Test
    void companionMatrixHasTheLargestRootAsRadius() {
        // p(x) = (x - 2)(x + 3)(x^2 + 1) = x^4 + x^3 - 5x^2 + x - 6: roots 2, -3, +-i, so rho = 3
        double[] c = {1, -5, 1, -6};   // coefficients of x^3, x^2, x, 1
        int n = 4;
        double[] w = new double[n * n];
        for (int j = 0; j < n; j++) {
            w[j] = -c[j];                 // first row: -a_{n-1} .. -a_0
        }
        for (int i = 1; i < n; i++) {
            w[i * n + i - 1] = 1;         // sub-diagonal ones
        }
        assertEquals(3.0, SpectralRadius.of(w, n), 1e-10);
        assertTrue(SpectralRadius.spectralNorm(w, n) > 3.5, "the companion matrix is far from normal: ||W||_2 > rho(W)");
    }

    @Test
    void triangularMatrixRadiusIsItsLargestDiagonalEntryNotItsNorm() {
        double[] w = {0.5, 10, 3, 0, -0.9, 7, 0, 0, 0.2};   // eigenvalues 0.5, -0.9, 0.2
        assertEquals(0.9, SpectralRadius.of(w, 3), 1e-10);
        assertTrue(SpectralRadius.spectralNorm(w, 3) > 10, "the spectral norm is > 10 here");
        double[] jordan = {0.8, 1, 0, 0.8};                // defective: ||W^k|| ~ k 0.8^k
        assertEquals(0.8, SpectralRadius.of(jordan, 2), 1e-10);
        assertEquals(0.0, SpectralRadius.of(new double[] {0, 1, 0, 0}, 2), 0.0, "nilpotent");
        assertEquals(0.0, SpectralRadius.of(new double[4], 2), 0.0, "zero matrix");
    }

    @Test
    void radiusIsInvariantUnderSimilarityAndScalesWithTheMatrix() {
        SplittableRandom random = new SplittableRandom(7);
        int n = 12;
        double[] a = new double[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextDouble() * 2 - 1;
        }
        double rho = SpectralRadius.of(a, n);
        // S = I + strictly upper triangular U, S^-1 = I - U + U^2 - ... (finite: U is nilpotent)
        double[] s = new double[n * n], u = new double[n * n];
        for (int i = 0; i < n; i++) {
            s[i * n + i] = 1;
            for (int j = i + 1; j < n; j++) {
                u[i * n + j] = 0.5 * (random.nextDouble() * 2 - 1);
                s[i * n + j] = u[i * n + j];
            }
        }
        double[] inverse = new double[n * n], power = new double[n * n], next = new double[n * n];
        for (int i = 0; i < n; i++) {
            inverse[i * n + i] = 1;
            power[i * n + i] = 1;
        }
        for (int p = 1; p < n; p++) {               // inverse = sum_p (-U)^p
            SpectralRadius.multiply(next, power, u, n);
            System.arraycopy(next, 0, power, 0, n * n);
            for (int i = 0; i < n * n; i++) {
                inverse[i] += (p % 2 == 0 ? 1 : -1) * power[i];
            }
        }
        double[] sa = new double[n * n], similar = new double[n * n];
        SpectralRadius.multiply(sa, s, a, n);
        SpectralRadius.multiply(similar, sa, inverse, n);
        assertEquals(rho, SpectralRadius.of(similar, n), 1e-9 * rho, "S A S^-1 has A's eigenvalues");
        double[] transposed = new double[n * n], scaled = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                transposed[j * n + i] = a[i * n + j];
                scaled[i * n + j] = -3 * a[i * n + j];
            }
        }
        assertEquals(rho, SpectralRadius.of(transposed, n), 1e-10 * rho);
        assertEquals(3 * rho, SpectralRadius.of(scaled, n), 1e-10 * rho);
        assertTrue(rho <= SpectralRadius.spectralNorm(a, n) * (1 + 1e-12), "rho <= ||A||_2");
    }

    @Test
    void rejectsNonSquareAndNonFinite() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SpectralRadius.of(new double[5], 2));
        assertTrue(e.getMessage().contains("n = 2") && e.getMessage().contains("5 values"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SpectralRadius.of(new double[] {1, Double.NaN, 0, 1}, 2));
    }
}
