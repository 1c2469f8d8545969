package dev.panamarnn.unroll;

/** PyTorch state_dict names: weight_ih_l0, bias_hh_l1_reverse, ... */
public final class Names {
    private Names() {}

    public static String weightIh(int layer, int direction) {
        return "weight_ih_l" + layer + suffix(direction);
    }

    public static String weightHh(int layer, int direction) {
        return "weight_hh_l" + layer + suffix(direction);
    }

    public static String biasIh(int layer, int direction) {
        return "bias_ih_l" + layer + suffix(direction);
    }

    public static String biasHh(int layer, int direction) {
        return "bias_hh_l" + layer + suffix(direction);
    }

    private static String suffix(int direction) {
        return direction == 0 ? "" : "_reverse";
    }
}
