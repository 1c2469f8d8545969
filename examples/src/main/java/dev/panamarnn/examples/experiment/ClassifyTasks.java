package dev.panamarnn.examples.experiment;

import dev.panamarnn.data.SequenceDataset;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The generated sequence-classification tasks of {@code rnn experiment classify}. Each example is
 * a univariate window x_0 .. x_{T-1} and a class id; classes are drawn uniformly, so chance is 1/C.
 * <ul>
 *   <li>{@link Task#ORDER}: two events, each a spike of +1 or -1, at two distinct random steps in
 *       Gaussian noise. The class is the pair (sign of the first, sign of the second): ++, +-, -+,
 *       --. Which sign came first is all that separates +- from -+.</li>
 *   <li>{@link Task#FREQUENCY}: a sine with random amplitude and phase whose frequency may switch
 *       once, at a random step in the middle third, between slow (period 16) and fast (period 5).
 *       The class is (first frequency, second frequency): slow-slow, fast-fast, slow-fast,
 *       fast-slow. The mean of every step is 0 in every class (random phase).</li>
 * </ul>
 * This file only makes data; the models are ClassifyNetwork and ClassifyLogistic.
 */
public final class ClassifyTasks {
    private ClassifyTasks() {}

    /** Standard deviation of the Gaussian noise added to every step of both tasks. */
    public static final double NOISE = 0.2;
    /** Periods (in steps) of the frequency task's slow and fast sines. */
    public static final double SLOW_PERIOD = 16, FAST_PERIOD = 5;

    /**
     * N windows of T steps and their labels, and the same as a {@link SequenceDataset} (N sequences
     * of T steps of one feature, a class each) for the recurrent classifier.
     */
    public record Dataset(Task task, float[][] windows, int[] labels, SequenceDataset sequences) {
        public Dataset {
            if (windows.length != labels.length) {
                throw new IllegalArgumentException("windows and labels must have the same count, got "
                        + windows.length + " and " + labels.length);
            }
        }

        public Dataset(Task task, float[][] windows, int[] labels) {
            this(task, windows, labels, asSequences(windows, labels, task.classNames().size()));
        }

        private static SequenceDataset asSequences(float[][] windows, int[] labels, int classes) {
            float[][][] inputs = new float[windows.length][][];                          // (N, T, 1)
            for (int i = 0; i < windows.length; i++) {
                inputs[i] = new float[windows[i].length][];
                for (int t = 0; t < windows[i].length; t++) {
                    inputs[i][t] = new float[] {windows[i][t]};
                }
            }
            return SequenceDataset.ofArrays(inputs, labels, classes);
        }

        public int size() {
            return labels.length;
        }

        public int steps() {
            return task.steps();
        }

        public int classes() {
            return task.classNames().size();
        }
    }

    /** The tasks, their window length T and their class names (index = class id). */
    public enum Task {
        ORDER("order", 40, List.of("++", "+-", "-+", "--")),
        FREQUENCY("frequency", 60, List.of("slow-slow", "fast-fast", "slow-fast", "fast-slow"));

        private final String id;
        private final int steps;
        private final List<String> classNames;

        Task(String id, int steps, List<String> classNames) {
            this.id = id;
            this.steps = steps;
            this.classNames = classNames;
        }

        public String id() {
            return id;
        }

        public int steps() {
            return steps;
        }

        public List<String> classNames() {
            return classNames;
        }

        public static Task fromId(String id) {
            for (Task t : values()) {
                if (t.id.equalsIgnoreCase(id)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unknown task '" + id + "'; expected order or frequency");
        }

        /** {@code n} examples drawn from {@code random}: label uniform in [0, C), then the window. */
        public Dataset generate(int n, SplittableRandom random) {
            if (n < 1) {
                throw new IllegalArgumentException("a data set needs n >= 1 examples, got " + n);
            }
            float[][] windows = new float[n][];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = random.nextInt(classNames.size());
                windows[i] = this == ORDER ? orderWindow(labels[i], random) : frequencyWindow(labels[i], random);
            }
            return new Dataset(this, windows, labels);
        }
    }

    /** Signs (first event, second event) of an order class: ++ +- -+ --. */
    static int[] orderSigns(int label) {
        return new int[] {label < 2 ? 1 : -1, label % 2 == 0 ? 1 : -1};
    }

    /** Whether a frequency class is fast before the switch, and after it: slow-slow fast-fast slow-fast fast-slow. */
    static boolean[] frequencyFast(int label) {
        return switch (label) {
            case 0 -> new boolean[] {false, false};
            case 1 -> new boolean[] {true, true};
            case 2 -> new boolean[] {false, true};
            case 3 -> new boolean[] {true, false};
            default -> throw new IllegalArgumentException("frequency task class must be in [0, 4), got " + label);
        };
    }

    /** x_t = noise, plus s_1 at step p_1 and s_2 at step p_2 > p_1 (both uniform over the window). */
    static float[] orderWindow(int label, SplittableRandom random) {
        int steps = Task.ORDER.steps();
        float[] x = noise(steps, random);
        int a = random.nextInt(steps), b = random.nextInt(steps - 1);
        if (b >= a) {
            b++;                                            // b uniform over the other steps
        }
        int[] signs = orderSigns(label);
        x[Math.min(a, b)] += signs[0];
        x[Math.max(a, b)] += signs[1];
        return x;
    }

    /** x_t = A sin(theta_t) + noise; theta_{t+1} = theta_t + 2 pi f_t; f switches at a step in [T/3, 2T/3). */
    static float[] frequencyWindow(int label, SplittableRandom random) {
        int steps = Task.FREQUENCY.steps();
        boolean[] fast = frequencyFast(label);
        float[] x = noise(steps, random);
        double amplitude = 0.5 + random.nextDouble();       // A ~ U(0.5, 1.5)
        double theta = random.nextDouble() * 2 * Math.PI;   // theta_0 ~ U(0, 2 pi)
        int switchAt = steps / 3 + random.nextInt(steps / 3);
        for (int t = 0; t < steps; t++) {
            x[t] += (float) (amplitude * Math.sin(theta));
            boolean f = t < switchAt ? fast[0] : fast[1];
            theta += 2 * Math.PI / (f ? FAST_PERIOD : SLOW_PERIOD);
        }
        return x;
    }

    private static float[] noise(int steps, SplittableRandom random) {
        float[] x = new float[steps];
        for (int t = 0; t < steps; t++) {
            x[t] = (float) (NOISE * gaussian(random));
        }
        return x;
    }

    /** A standard normal draw (Box-Muller), from the caller's seeded stream. */
    static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();                 // (0, 1]
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
