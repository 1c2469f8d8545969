package dev.panamarnn.examples.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.panamarnn.examples.support.Plots;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The results of one experiment: its settings, one or more tables, and the figures it wrote.
 * {@link #print} shows the tables as Markdown (so the docs can quote them as printed) and
 * {@link #writeJson} records the same numbers in {@code <out>/<name>.json}, written atomically.
 */
public final class ExperimentReport {
    /** A table: column names and rows of cells (numbers are formatted by the caller). */
    public record Table(String title, List<String> columns, List<List<String>> rows) {
        public Table {
            for (List<String> row : rows) {
                if (row.size() != columns.size()) {
                    throw new IllegalArgumentException("table '" + title + "': a row has " + row.size()
                            + " cells, expected " + columns.size() + " (" + columns + ")");
                }
            }
        }
    }

    private final String name;
    private final Map<String, Object> settings = new LinkedHashMap<>();
    private final List<Table> tables = new ArrayList<>();
    private final List<String> figures = new ArrayList<>();

    /** A fraction as a table cell: 0.934 -> "93.4%". */
    public static String percent(double fraction) {
        return String.format("%.1f%%", 100 * fraction);
    }

    public ExperimentReport(String name, ExperimentOptions options) {
        this.name = name;
        settings.put("seed", options.seed());
        settings.put("budget_seconds", options.budget().toMillis() / 1000.0);
    }

    public String name() {
        return name;
    }

    /** Records one setting (model size, sequence length, ...) in the JSON. */
    public ExperimentReport setting(String key, Object value) {
        settings.put(key, value);
        return this;
    }

    public ExperimentReport table(String title, List<String> columns, List<List<String>> rows) {
        tables.add(new Table(title, List.copyOf(columns), rows.stream().map(List::copyOf).toList()));
        return this;
    }

    /** Records a figure the experiment wrote (path as given, for the JSON and the printout). */
    public ExperimentReport figure(Path file) {
        figures.add(file.toString());
        return this;
    }

    public List<Table> tables() {
        return List.copyOf(tables);
    }

    /** Prints every table as Markdown, then the figures written. */
    public void print(PrintStream out) {
        for (Table table : tables) {
            out.println();
            out.println("### " + table.title());
            out.println();
            out.println("| " + String.join(" | ", table.columns()) + " |");
            out.println("|" + "---|".repeat(table.columns().size()));
            for (List<String> row : table.rows()) {
                out.println("| " + String.join(" | ", row) + " |");
            }
        }
        out.println();
        for (String figure : figures) {
            out.println("figure: " + figure);
        }
    }

    /** Writes {@code <directory>/<name>.json} atomically and returns its path. */
    public Path writeJson(Path directory) throws IOException {
        Files.createDirectories(directory);
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("experiment", name);
        document.put("settings", settings);
        List<Map<String, Object>> tableDocuments = new ArrayList<>();
        for (Table table : tables) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("title", table.title());
            t.put("columns", table.columns());
            t.put("rows", table.rows());
            tableDocuments.add(t);
        }
        document.put("tables", tableDocuments);
        document.put("figures", figures);
        Path file = directory.resolve(name + ".json").toAbsolutePath();
        Path temp = Files.createTempFile(file.getParent(), name, ".json.part");
        try {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(temp.toFile(), document);
            Plots.readableByAll(temp);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
        return file;
    }
}
