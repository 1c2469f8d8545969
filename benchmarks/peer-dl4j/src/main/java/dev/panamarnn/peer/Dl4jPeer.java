package dev.panamarnn.peer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Deeplearning4j peer of {@code rnn bench}: the same shapes through DL4J's {@code LSTM} and
 * {@code SimpleRnn} (tanh) layers, timed as a training step (forward + backward, no update:
 * {@code computeGradientAndScore}) and an inference forward ({@code output}), printed in the same
 * columns as {@code rnn bench} and {@code peer_pytorch.py}. DL4J 1.0.0-M2.1 has no GRU layer in
 * MultiLayerNetwork, so {@code gru} rows are reported as skipped.
 *
 * <p>Each network ends in an {@code RnnOutputLayer} with one output unit (DL4J needs an output layer
 * for a backward pass); its work, 2*T*B*H FLOPs, is under 0.1 % of the recurrent layers' and is not
 * counted. FLOPs count the recurrent GEMMs only: forward 2*B*(I+H)*G*H per step per layer and
 * direction, training 3x that.
 *
 * <p>Usage: {@code Dl4jPeer [--cells lstm,rnn_tanh] [--shape T,B,I,H[,L[,bi]]]... [--warmup s]
 * [--measure s] [--json file]}; benchmarks/peer_dl4j.sh builds it and sets the thread count.
 */
public final class Dl4jPeer {
    private static final List<String> DEFAULT_SHAPES = List.of("100,64,512,512", "100,64,256,256",
            "50,32,128,128", "100,128,1024,1024", "200,16,64,64", "100,64,256,256,2",
            "100,64,256,256,1,bi", "100,1,256,256");
    private static final int MIN_REPEATS = 5;
    private static final int MAX_REPEATS = 200;

    private Dl4jPeer() {
    }

    /** One shape of the table: T steps, B rows, I inputs, H hidden, L layers, both directions or one. */
    record Shape(int steps, int batch, int inputs, int hidden, int layers, boolean bidirectional) {
        static Shape parse(String spec) {
            String[] p = spec.split(",");
            if (p.length < 4 || p.length > 6) {
                throw new IllegalArgumentException("shape '" + spec + "': expected T,B,I,H[,L[,bi]]");
            }
            int[] v = new int[5];
            v[4] = 1;
            for (int k = 0; k < Math.min(p.length, 5); k++) {
                v[k] = Integer.parseInt(p[k].trim());
                if (v[k] <= 0) {
                    throw new IllegalArgumentException("shape '" + spec + "': expected positive sizes, got " + v[k]);
                }
            }
            boolean bi = p.length == 6 && p[5].trim().equalsIgnoreCase("bi");
            if (p.length == 6 && !bi) {
                throw new IllegalArgumentException("shape '" + spec + "': the sixth field must be 'bi', got '" + p[5] + "'");
            }
            return new Shape(v[0], v[1], v[2], v[3], v[4], bi);
        }

        int directions() {
            return bidirectional ? 2 : 1;
        }

        String label(String cell) {
            return cell + " T=" + steps + " B=" + batch + " I=" + inputs + " H=" + hidden
                    + (layers > 1 ? " L=" + layers : "") + (bidirectional ? " bi" : "");
        }

        /** GEMM FLOPs of one forward pass: 2*B*(I+H)*G*H per step, layer and direction. */
        double forwardFlops(int gates) {
            double total = 0;
            for (int layer = 0; layer < layers; layer++) {
                int in = layer == 0 ? inputs : directions() * hidden;
                total += 2.0 * batch * (in + hidden) * gates * hidden * steps * directions();
            }
            return total;
        }
    }

    /** Median, min and max of one timed call, in milliseconds. */
    record Timing(double medianMs, double minMs, double maxMs) {
    }

    public static void main(String[] args) throws IOException {
        List<String> cells = List.of("lstm", "gru", "rnn_tanh");
        List<String> shapes = new ArrayList<>();
        double warmup = 1.0;
        double measure = 3.0;
        String json = "bench-dl4j.json";
        for (int k = 0; k < args.length; k++) {
            String value = k + 1 < args.length ? args[k + 1] : null;
            switch (args[k]) {
                case "--cells" -> cells = Arrays.asList(required(args[k], value).split(","));
                case "--shape" -> shapes.add(required(args[k], value));
                case "--warmup" -> warmup = Double.parseDouble(required(args[k], value));
                case "--measure" -> measure = Double.parseDouble(required(args[k], value));
                case "--json" -> json = required(args[k], value);
                default -> throw new IllegalArgumentException("unknown option " + args[k]
                        + " (expected --cells, --shape, --warmup, --measure, --json)");
            }
            k++;
        }
        List<Shape> table = (shapes.isEmpty() ? DEFAULT_SHAPES : shapes).stream().map(Shape::parse).toList();

        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        Map<String, Object> environment = new LinkedHashMap<>();
        environment.put("dl4j", "1.0.0-M2.1");
        environment.put("nd4jClassifier", System.getProperty("nd4j.classifier", "unknown"));
        environment.put("ompThreads", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        environment.put("openblasCoretype", System.getenv().getOrDefault("OPENBLAS_CORETYPE", "unset"));
        environment.put("blasVendor", String.valueOf(Nd4j.factory().blas().getBlasVendor()));
        System.out.println("Deeplearning4j " + environment);
        System.out.printf(Locale.ROOT, "%-40s %5s | %9s %11s %7s%n", "shape", "mode", "dl4j ms", "min-max", "GFLOP/s");

        List<Map<String, Object>> rows = new ArrayList<>();
        for (String cell : cells) {
            for (Shape shape : table) {
                String label = shape.label(cell);
                if (cell.equals("gru")) {
                    System.out.printf(Locale.ROOT, "%-40s %5s | skipped: DL4J %s has no GRU layer%n", label, "", "1.0.0-M2.1");
                    continue;
                }
                MultiLayerNetwork net = network(cell, shape);
                INDArray input = Nd4j.randn(DataType.FLOAT, shape.batch(), shape.inputs(), shape.steps());   // (B, I, T), DL4J's NCW
                INDArray labels = Nd4j.randn(DataType.FLOAT, shape.batch(), 1, shape.steps());               // (B, 1, T)
                double flops = shape.forwardFlops(cell.equals("lstm") ? 4 : 1);
                Runnable train = () -> {
                    net.setInput(input);
                    net.setLabels(labels);
                    net.computeGradientAndScore();
                };
                Runnable infer = () -> net.output(input, false);
                for (String mode : List.of("train", "infer")) {
                    double modeFlops = mode.equals("train") ? 3 * flops : flops;
                    Timing t = time(mode.equals("train") ? train : infer, warmup, measure);
                    System.out.printf(Locale.ROOT, "%-40s %5s | %9.2f %5.2f-%5.2f %7.1f%n", mode.equals("train") ? label : "",
                            mode, t.medianMs(), t.minMs(), t.maxMs(), modeFlops / (t.medianMs() * 1e6));
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("shape", label);
                    row.put("mode", mode);
                    row.put("ms", t.medianMs());
                    row.put("min", t.minMs());
                    row.put("max", t.maxMs());
                    row.put("flops", modeFlops);
                    rows.add(row);
                }
                net.close();
            }
        }
        Map<String, Object> out = new LinkedHashMap<>(environment);
        out.put("rows", rows);
        File file = new File(json);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file, out);
        System.out.println("results written to " + file.getAbsolutePath());
    }

    private static String required(String option, String value) {
        if (value == null) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return value;
    }

    /** The recurrent layers of the shape, then a one-unit RnnOutputLayer (DL4J's backward needs a loss). */
    static MultiLayerNetwork network(String cell, Shape shape) {
        NeuralNetConfiguration.ListBuilder layers = new NeuralNetConfiguration.Builder()
                .seed(1)
                .dataType(DataType.FLOAT)
                .updater(new NoOp())
                .weightInit(WeightInit.XAVIER)
                .list();
        for (int layer = 0; layer < shape.layers(); layer++) {
            int in = layer == 0 ? shape.inputs() : shape.directions() * shape.hidden();
            Layer recurrent = switch (cell) {
                case "lstm" -> new LSTM.Builder().nIn(in).nOut(shape.hidden()).activation(Activation.TANH).build();
                case "rnn_tanh" -> new SimpleRnn.Builder().nIn(in).nOut(shape.hidden()).activation(Activation.TANH).build();
                default -> throw new IllegalArgumentException("cell '" + cell + "': expected lstm, gru or rnn_tanh");
            };
            layers.layer(shape.bidirectional() ? new Bidirectional(Bidirectional.Mode.CONCAT, recurrent) : recurrent);
        }
        layers.layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                .nIn(shape.directions() * shape.hidden()).nOut(1).build());
        // the input type fixes every layer's data format to NCW (B, features, T): without it the
        // Bidirectional wrapper hands RnnOutputLayer its output in another format and backward fails
        MultiLayerConfiguration conf = layers.setInputType(InputType.recurrent(shape.inputs(), shape.steps(), RNNFormat.NCW))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Warm up for warmupS seconds, then time calls for measureS seconds (at least 5, at most 200). */
    static Timing time(Runnable call, double warmupS, double measureS) {
        long end = System.nanoTime() + (long) (warmupS * 1e9);
        call.run();
        while (System.nanoTime() < end) {
            call.run();
        }
        List<Double> samples = new ArrayList<>();
        end = System.nanoTime() + (long) (measureS * 1e9);
        while (samples.size() < MAX_REPEATS && (samples.size() < MIN_REPEATS || System.nanoTime() < end)) {
            long t0 = System.nanoTime();
            call.run();
            samples.add((System.nanoTime() - t0) / 1e6);
        }
        double[] sorted = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Timing(median, sorted[0], sorted[n - 1]);
    }
}
