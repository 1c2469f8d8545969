package dev.panamarnn.internal.checks;

/**
 * The check of values set from outside (parameters, states): every element finite, or an
 * {@link IllegalArgumentException} naming what was set, the first bad element and its value. Where
 * values are computed (forward passes, training) NaN is not checked here; training has its own
 * non-finite guard.
 */
public final class Finite {
    private Finite() {}

    /**
     * @param what names the values, e.g. "parameter 'weight_ih_l0'"
     * @param rule the rule, e.g. "parameters must be finite"
     */
    public static void require(float[] values, String what, String rule) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException(what + " element " + i + " is " + values[i] + "; " + rule);
            }
        }
    }
}
