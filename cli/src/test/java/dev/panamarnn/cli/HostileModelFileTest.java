package dev.panamarnn.cli;

import static dev.panamarnn.cli.CliEndToEndTest.rnn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.cli.CliEndToEndTest.Run;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model files written by the commands, then edited as an attacker would (their JSON header
 * rewritten), and the one-line errors the commands give for them.
 */
class HostileModelFileTest {
    @TempDir
    Path dir;

    /** {@code model} with {@code from} replaced by {@code to} in its JSON header, written to {@code name}. */
    static Path edited(Path model, String from, String to, Path target) throws Exception {
        ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(model)).order(ByteOrder.LITTLE_ENDIAN);
        int length = (int) file.getLong(0);
        String header = new String(file.array(), 8, length, StandardCharsets.UTF_8);
        assertTrue(header.contains(from), header);
        byte[] edited = header.replace(from, to).getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + edited.length + file.capacity() - 8 - length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(edited.length).put(edited).put(file.array(), 8 + length, file.capacity() - 8 - length);
        Files.write(target, out.array());
        return target;
    }

    private Path seriesModel() {
        Path out = dir.resolve("series");
        Run train = rnn("train", "series", "--hidden", "4", "--steps", "2", "--window", "12", "--batch", "4", "--holdout", "12",
                "--out", out.toString());
        assertEquals(0, train.exit(), train.err());
        return out.resolve("series.safetensors");
    }

    @Test
    void aSeriesModelNamingAFileIsRefusedNotRead() throws Exception {
        Path csv = dir.resolve("secret.csv");
        Files.writeString(csv, "time,value\n" + "1,2\n2,3\n3,5\n".repeat(20));
        Path model = edited(seriesModel(), "\"embedded:sunspot_month.csv\"", "\"" + csv + "\"", dir.resolve("evil.safetensors"));
        Run run = rnn("forecast", "--model", model.toString(), "--png", dir.resolve("f.png").toString());
        assertEquals(1, run.exit(), run.out());
        assertEquals("rnn forecast: model file " + model + ": metadata 'series.embedded' must name an embedded series (embedded:NAME), got '"
                + csv + "'; a model file never names a file to read", run.err().strip());
    }

    private Path sequencesModel() {
        Path out = dir.resolve("seq");
        Run train = rnn("train", "sequences", "--hidden", "4", "--steps", "1", "--out", out.toString());
        assertEquals(0, train.exit(), train.err());
        return out.resolve("model.safetensors");
    }

    private Path textModel() throws Exception {
        Path corpus = Files.writeString(dir.resolve("abc.txt"), "abc def abc def\n".repeat(200));
        Path out = dir.resolve("text");
        Run train = rnn("train", "text", "--corpus", corpus.toString(), "--steps", "2", "--hidden", "4", "--embedding", "4", "--layers", "1",
                "--batch", "2", "--seq-len", "8", "--sample-every", "0", "--out", out.toString());
        assertEquals(0, train.exit(), train.err());
        return out.resolve("model.safetensors");
    }

    @Test
    void metadataErrorsNameTheModelFileEscaped() throws Exception {
        Path sequences = sequencesModel();
        Path twoRoles = edited(sequences, "\"csv.label\":\"digit\"", "\"csv.label\":\"c0\"", dir.resolve("roles.safetensors"));
        Run predict = rnn("predict", "--model", twoRoles.toString(), "--csv", "embedded:digits.csv.gz");
        assertEquals(1, predict.exit(), predict.out());
        assertEquals("rnn predict: model file " + twoRoles + ": column 'c0' has two roles in the CSV layout", predict.err().strip());

        Path named = dir.resolve("evil\u001b]0;title\u0007.safetensors");       // a file name with a terminal escape in it
        edited(sequences, "\"csv.label\":\"digit\"", "\"csv.label\":\"c0\"", named);
        Run escaped = rnn("predict", "--model", named.toString(), "--csv", "embedded:digits.csv.gz");
        assertEquals(1, escaped.exit(), escaped.out());
        assertEquals("rnn predict: model file " + dir + "/evil\\u001b]0;title\\u0007.safetensors: column 'c0' has two roles in the CSV layout",
                escaped.err().strip());

        Path text = textModel();                                   // class names "\n", " ", a, b, ...: a and b swapped
        Path unsorted = edited(text, "\\na\\nb\\n", "\\nb\\na\\n", dir.resolve("unsorted.safetensors"));
        Run sample = rnn("sample", "--model", unsorted.toString(), "--prime", "a", "--length", "5");
        assertEquals(1, sample.exit(), sample.out());
        assertEquals("rnn sample: model file " + unsorted + ": its characters (class names) are not a vocabulary: vocabulary characters "
                + "must be sorted and distinct; position 3 is not", sample.err().strip());

        Run forecast = rnn("forecast", "--model", text.toString(), "--png", dir.resolve("f.png").toString());
        assertEquals(1, forecast.exit(), forecast.out());
        assertTrue(forecast.err().startsWith("rnn forecast: model file " + text + ": a forecaster needs a unidirectional model"),
                forecast.err());
    }

    @Test
    void aCsvLayoutThatDoesNotFitTheNetworkIsRefusedBeforeAnyPrediction() throws Exception {
        Path sequences = sequencesModel();                            // 8 features c0..c7 per step, a digit label per sequence
        Path validation = dir.resolve("seq").resolve("validation.csv");
        Path fewer = edited(sequences, "\"csv.features\":\"c0,c1,c2,c3,c4,c5,c6,c7\"", "\"csv.features\":\"c0,c1\"",
                dir.resolve("fewer.safetensors"));
        Run features = rnn("predict", "--model", fewer.toString(), "--csv", validation.toString());
        assertEquals(1, features.exit(), features.out());
        assertEquals("rnn predict: model file " + fewer + ": its network reads 8 feature(s) per step, its CSV layout (csv.features) names "
                + "2 feature column(s)", features.err().strip());
        Path perStep = edited(sequences, "\"csv.per_step\":\"false\"", "\"csv.per_step\":\"true\"", dir.resolve("step.safetensors"));
        Run step = rnn("predict", "--model", perStep.toString(), "--csv", validation.toString());
        assertEquals(1, step.exit(), step.out());
        assertEquals("rnn predict: model file " + perStep + ": its network predicts per sequence, its CSV layout (csv.per_step) says true",
                step.err().strip());
        assertTrue(step.out().isEmpty(), "no predictions before the error: " + step.out());
    }

    @Test
    void samplingAModelThatIsNotACharacterModelSaysWhatItIs() throws Exception {
        Path sequences = sequencesModel();
        Run sample = rnn("sample", "--model", sequences.toString(), "--prime", "a", "--length", "5");
        assertEquals(1, sample.exit(), sample.out());
        assertEquals("rnn sample: model file " + sequences + ": not a character language model: it is a classification model of 8 "
                + "feature(s) (features F=8 normalised -> gru H=4 L=1 -> head -> 10 classification sequence)", sample.err().strip());
        assertTrue(!sample.err().contains("0 characters"), sample.err());
    }

    @Test
    void anOutputOverItsInputOrOnADirectoryIsRefusedBeforeTheWork() throws Exception {
        Path series = seriesModel();
        byte[] before = Files.readAllBytes(series);
        Run png = rnn("forecast", "--model", series.toString(), "--png", series.toString());
        assertEquals(1, png.exit(), png.out());
        assertEquals("rnn forecast: --png " + series + " is the input " + series + "; writing it would destroy it: name another file",
                png.err().strip());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(series)), "the model is intact");

        Path out = dir.resolve("seq");
        Run train = rnn("train", "sequences", "--hidden", "4", "--steps", "1", "--out", out.toString());
        assertEquals(0, train.exit(), train.err());
        Path model = out.resolve("model.safetensors");
        Run over = rnn("predict", "--model", model.toString(), "--csv", "embedded:digits.csv.gz", "--out", model.toString());
        assertEquals("rnn predict: --out " + model + " is the input " + model + "; writing it would destroy it: name another file",
                over.err().strip());
        Run directory = rnn("predict", "--model", model.toString(), "--csv", "embedded:digits.csv.gz", "--out", dir.toString());
        assertEquals(1, directory.exit(), directory.out());
        assertEquals("rnn predict: --out " + dir + " is not a regular file (a directory, pipe or device); name a file to write",
                directory.err().strip());
        Path unwritable = dir.resolve("no").resolve("x.csv");
        Files.writeString(dir.resolve("no"), "a file where a directory is needed");
        Run cannot = rnn("predict", "--model", model.toString(), "--csv", "embedded:digits.csv.gz", "--out", unwritable.toString());
        assertEquals(1, cannot.exit(), cannot.out());
        assertTrue(cannot.err().startsWith("rnn predict: cannot write " + unwritable + ": "), cannot.err());
    }
}
