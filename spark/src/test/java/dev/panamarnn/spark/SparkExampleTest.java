package dev.panamarnn.spark;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.spark.example.SparkExample;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/spark.md's example on the shipped digits-400.csv (400 sequences of 8 rows of 8 pixels, 10 classes): train, then score. */
class SparkExampleTest {
    @Test
    void trainsAndScoresTheShippedDigits(@TempDir Path dir) throws Exception {
        Path csv = Path.of(System.getProperty("rnn.project.root", ".."), "examples/consumer/data/digits-400.csv");
        Dataset<Row> rows = TestSpark.session().read().option("header", true).option("inferSchema", true).csv(csv.toString());
        double loss = SparkExample.train(TestSpark.session(), rows, CsvLayout.id("image").time("row").label("digit"), 2, 4,
                dir.resolve("digits.safetensors"));
        double accuracy = SparkExample.score(rows, "image", "row", "digit", dir.resolve("digits.safetensors"), dir.resolve("scores").toString());
        assertTrue(loss < 2.0 && accuracy > 0.4, "after 4 epochs: loss " + loss + " (ln 10 = 2.30 at chance), accuracy " + accuracy);
        assertTrue(Files.isDirectory(dir.resolve("scores")));
    }
}
