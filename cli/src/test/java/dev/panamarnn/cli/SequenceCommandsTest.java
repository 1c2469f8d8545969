package dev.panamarnn.cli;

import static dev.panamarnn.cli.CliEndToEndTest.rnn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.cli.CliEndToEndTest.Run;
import dev.panamarnn.io.SafeTensors;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rnn train sequences} and {@code rnn predict} end to end on small CSVs: a classifier and
 * per-sequence and per-step regressors trained for a few steps, their predictions (one line per
 * sequence or step, scored when the label or targets are there, the same score as training's last
 * validation), and every bad input as one line {@code rnn <command>: <problem>} with exit code 1.
 */
class SequenceCommandsTest {
    @TempDir
    Path dir;

    /**
     * 24 sequences of 3 to 5 steps, columns id,t,x1,x2,label,y,z: label is whether x1 sums above 0,
     * y (per sequence) is the sum of x1, z (per step) the running sum of x1. Rows in time order
     * reversed, to exercise the time column.
     */
    private Path data(boolean withLabel) throws Exception {
        SplittableRandom r = new SplittableRandom(3);
        StringBuilder csv = new StringBuilder(withLabel ? "id,t,x1,x2,label,y,z\n" : "id,t,x1,x2\n");
        for (int i = 0; i < 24; i++) {
            int steps = 3 + r.nextInt(3);
            double[] x1 = new double[steps];
            double sum = 0;
            for (int t = 0; t < steps; t++) {
                x1[t] = Math.round(r.nextGaussian() * 100) / 100.0;
                sum += x1[t];
            }
            double running = sum;
            for (int t = steps - 1; t >= 0; t--) {
                csv.append("s").append(i).append(',').append(t).append(',').append(x1[t]).append(',').append(t % 2);
                if (withLabel) {
                    csv.append(',').append(sum > 0 ? "up" : "down").append(',').append((float) sum).append(',').append((float) running);
                }
                running -= x1[t];
                csv.append('\n');
            }
        }
        Path file = dir.resolve(withLabel ? "train.csv" : "inputs.csv");
        Files.writeString(file, csv);
        return file;
    }

    @Test
    void classifiesThenPredictsWithTheSameScoreAndWithoutTheLabel() throws Exception {
        Path out = dir.resolve("cls");
        Run train = rnn("train", "sequences", "--csv", data(true).toString(), "--id", "id", "--time", "t", "--features", "x1,x2",
                "--label", "label", "--hidden", "8", "--batch", "4", "--epochs", "2", "--validation", "0.25", "--lr", "1e-2",
                "--out", out.toString());
        assertEquals(0, train.exit(), train.err() + train.out());
        assertTrue(train.out().contains("epoch 2 (step 10): training loss"), train.out());
        assertTrue(isPng(out.resolve("learning-curves.png")));
        assertTrue(train.out().contains("./rnn predict --model " + out.resolve("model.safetensors")), train.out());
        double trained = number(train.out(), "validation: loss \\S+  accuracy (\\S+)");

        Path predictions = dir.resolve("predictions.csv");
        Run predict = rnn("predict", "--model", out.resolve("model.safetensors").toString(), "--csv",
                out.resolve("validation.csv").toString(), "--out", predictions.toString());
        assertEquals(0, predict.exit(), predict.err());
        assertEquals(trained, number(predict.out(), "accuracy (\\S+)  \\(\\d+ of 6 sequences\\)"), predict.out());
        List<String> lines = Files.readAllLines(predictions);
        assertEquals("id,predicted_label,probability", lines.getFirst());
        assertEquals(1 + 6, lines.size(), lines.toString());
        for (String line : lines.subList(1, lines.size())) {
            assertTrue(line.matches("s\\d+,(up|down),(0\\.[5-9]\\d*|1\\.0+)"), line);
        }

        Run bare = rnn("predict", "--model", out.resolve("model.safetensors").toString(), "--csv", data(false).toString());
        assertEquals(0, bare.exit(), bare.err());
        assertEquals(1 + 24, bare.out().strip().lines().count(), bare.out());
        assertTrue(bare.out().startsWith("id,predicted_label,probability\ns0,"), bare.out());
        assertTrue(bare.err().contains("predicted 24 sequences") && !bare.err().contains("accuracy"), bare.err());
    }

    @Test
    void regressesPerSequenceAndPerStep() throws Exception {
        Path csv = data(true);
        Path perSequence = dir.resolve("reg");
        Run train = rnn("train", "sequences", "--csv", csv.toString(), "--id", "id", "--time", "t", "--features", "x1",
                "--target", "y", "--hidden", "8", "--batch", "4", "--steps", "5", "--cell", "lstm", "--out", perSequence.toString());
        assertEquals(0, train.exit(), train.err() + train.out());
        assertTrue(train.out().contains("1 target value(s) per sequence"), train.out());
        assertTrue(isPng(perSequence.resolve("learning-curves.png")));
        double rmse = number(train.out(), "validation: mse \\S+ \\(normalised\\)  mae \\S+  rmse (\\S+)");
        Path predictions = dir.resolve("reg.csv");
        Run predict = rnn("predict", "--model", perSequence.resolve("model.safetensors").toString(), "--csv", csv.toString(),
                "--out", predictions.toString());
        assertEquals(0, predict.exit(), predict.err());
        assertTrue(predict.out().matches("(?s).*MAE \\S+  RMSE \\S+  \\(24 sequences\\).*"), predict.out());
        List<String> lines = Files.readAllLines(predictions);
        assertEquals("id,predicted_y", lines.getFirst());
        assertEquals(25, lines.size());
        assertTrue(Double.isFinite(rmse));

        Path perStep = dir.resolve("step");
        Run stepTrain = rnn("train", "sequences", "--csv", csv.toString(), "--id", "id", "--time", "t", "--features", "x1,x2",
                "--target", "z", "--per-step", "--hidden", "8", "--batch", "4", "--steps", "3", "--out", perStep.toString());
        assertEquals(0, stepTrain.exit(), stepTrain.err() + stepTrain.out());
        Path held = perStep.resolve("validation.csv");
        long heldSteps = Files.readAllLines(held).size() - 1;
        Run stepPredict = rnn("predict", "--model", perStep.resolve("model.safetensors").toString(), "--csv", held.toString(),
                "--out", dir.resolve("steps.csv").toString());
        assertEquals(0, stepPredict.exit(), stepPredict.err());
        assertTrue(stepPredict.out().contains("(" + heldSteps + " steps)"), stepPredict.out());
        List<String> stepLines = Files.readAllLines(dir.resolve("steps.csv"));
        assertEquals("id,step,predicted_z", stepLines.getFirst());
        assertEquals(1 + heldSteps, stepLines.size());
    }

    @Test
    void badInputIsOneLineAndExitCodeOne() throws Exception {
        Path csv = data(true);
        String[] tiny = {"--hidden", "4", "--steps", "1"};
        assertError("rnn train sequences: CSV file " + dir.resolve("nope.csv") + " does not exist",
                train(dir.resolve("nope.csv"), "--id", "id", "--label", "label"));
        assertError("rnn train sequences: " + csv + " has no column 'kind'; its columns are id, t, x1, x2, label, y, z",
                train(csv, "--id", "id", "--label", "kind"));
        assertError("rnn train sequences: " + csv + " has no column 'x3'; its columns are id, t, x1, x2, label, y, z",
                train(csv, "--id", "id", "--features", "x1,x3", "--target", "y"));
        assertError("rnn train sequences: give --label (classification) or --target (regression), not both",
                train(csv, "--id", "id", "--label", "label", "--target", "y"));
        assertError("rnn train sequences: give --label COLUMN (classification) or --target COLUMN[,COLUMN...] (regression)",
                train(csv, "--id", "id"));
        assertError("rnn train sequences: give one of --epochs, --steps or --minutes",
                train(csv, "--id", "id", "--label", "label", "--epochs", "1", "--steps", "1"));
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "id,x,label\na,1,p\na,abc,p\n");
        assertError("rnn train sequences: " + bad + " line 3: column 'x' is not a finite number: 'abc'",
                train(bad, "--id", "id", "--label", "label"));

        Path model = dir.resolve("m");
        Run ok = rnn(concat(new String[] {"train", "sequences", "--csv", csv.toString(), "--id", "id", "--time", "t",
                "--features", "x1,x2", "--label", "label", "--out", model.toString()}, tiny));
        assertEquals(0, ok.exit(), ok.err());
        Path modelFile = model.resolve("model.safetensors");
        Path lacking = dir.resolve("lacking.csv");
        Files.writeString(lacking, "id,t,x1,label\na,0,1,up\n");
        assertError("rnn predict: " + lacking + " lacks the column(s) x2 that the model reads; its columns are id, t, x1, label",
                rnn("predict", "--model", modelFile.toString(), "--csv", lacking.toString()));
        Path series = dir.resolve("series.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            SafeTensors.write(series, Map.of("w", Tensor.allocate(arena, 2)), Map.of("panama_rnn.kind", "series-forecaster"));
        }
        assertError("rnn predict: " + series + " is not a sequence model (its kind is 'series-forecaster'); "
                + "predict reads the model.safetensors of `rnn train sequences`",
                rnn("predict", "--model", series.toString(), "--csv", csv.toString()));
        Path garbage = dir.resolve("garbage.safetensors");
        Files.writeString(garbage, "not a model");
        Run damaged = rnn("predict", "--model", garbage.toString(), "--csv", csv.toString());
        assertEquals(1, damaged.exit());
        assertEquals(1, damaged.err().strip().lines().count(), damaged.err());
        assertTrue(damaged.err().startsWith("rnn predict: ") && damaged.err().contains(garbage.toString()), damaged.err());
    }

    private Run train(Path csv, String... options) {
        return rnn(concat(new String[] {"train", "sequences", "--csv", csv.toString(), "--hidden", "4",
                "--out", dir.resolve("unused").toString()}, options));
    }

    private void assertError(String expected, Run run) {
        assertEquals(1, run.exit(), run.out());
        assertEquals(expected, run.err().strip(), run.err());
        assertFalse(Files.exists(dir.resolve("unused")), "nothing written for a failed run");
    }

    /** A trained model exported to ONNX predicts through `rnn predict --model x.onnx` exactly as its safetensors file does. */
    @Test
    void anExportedOnnxModelPredictsTheSameAsItsModelFile() throws Exception {
        Path out = dir.resolve("onnx");
        Run train = rnn("train", "sequences", "--csv", data(true).toString(), "--id", "id", "--time", "t", "--features", "x1,x2",
                "--label", "label", "--hidden", "8", "--batch", "4", "--epochs", "1", "--validation", "0.25", "--out", out.toString());
        assertEquals(0, train.exit(), train.err() + train.out());
        Path model = out.resolve("model.safetensors"), onnx = out.resolve("model.onnx");
        Run export = rnn("export", "--model", model.toString(), "--format", "onnx", "--out", onnx.toString());
        assertEquals(0, export.exit(), export.err());
        Path fromFile = dir.resolve("from-file.csv"), fromOnnx = dir.resolve("from-onnx.csv");
        Run a = rnn("predict", "--model", model.toString(), "--csv", out.resolve("validation.csv").toString(), "--out", fromFile.toString());
        Run b = rnn("predict", "--model", onnx.toString(), "--csv", out.resolve("validation.csv").toString(), "--out", fromOnnx.toString());
        assertEquals(0, a.exit(), a.err());
        assertEquals(0, b.exit(), b.err());
        assertEquals(Files.readString(fromFile), Files.readString(fromOnnx));
        assertEquals(a.out().replace(fromFile.toString(), "X"), b.out().replace(fromOnnx.toString(), "X"));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "'" + regex + "' in:\n" + text);
        return Double.parseDouble(m.group(1));
    }

    private static boolean isPng(Path file) throws Exception {
        byte[] head = Files.readAllBytes(file);
        return head.length > 8 && (head[0] & 0xff) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G';
    }
}
