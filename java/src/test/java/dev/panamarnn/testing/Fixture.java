package dev.panamarnn.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panamarnn.CellType;
import dev.panamarnn.RnnConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A PyTorch reference fixture (java/src/test/resources/fixtures, format in its README.md). */
public record Fixture(String name, RnnConfig config, int steps, int batch, int[] lengths,
                      Map<String, Array> tensors, Map<String, Array> params, Map<String, Array> grads) {

    /** A tensor from the fixture: shape and row-major float data. */
    public record Array(int[] shape, float[] data) {}

    /** File names of all fixtures (the test resources are a directory on the test class path). */
    public static List<String> names() {
        try {
            var url = Fixture.class.getResource("/fixtures/README.md");
            if (url == null) {
                throw new IllegalStateException("fixtures/ missing from the test class path");
            }
            try (var files = java.nio.file.Files.list(java.nio.file.Path.of(url.toURI()).getParent())) {
                List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
                if (names.isEmpty()) {
                    throw new IllegalStateException("no fixtures in " + url);
                }
                return names;
            }
        } catch (IOException | java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot list the fixtures", e);
        }
    }

    public static Fixture load(String name) {
        try (InputStream in = Fixture.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) {
                throw new IllegalStateException("fixture " + name + " not on the class path");
            }
            JsonNode root = new ObjectMapper().readTree(in);
            RnnConfig config = RnnConfig.builder(CellType.fromId(root.get("cell").asText()),
                            root.get("input_size").asInt(), root.get("hidden_size").asInt())
                    .layers(root.get("num_layers").asInt())
                    .bidirectional(root.get("bidirectional").asBoolean())
                    .build();
            int[] lengths = null;
            if (!root.get("lengths").isNull()) {
                lengths = new int[root.get("lengths").size()];
                for (int i = 0; i < lengths.length; i++) {
                    lengths[i] = root.get("lengths").get(i).asInt();
                }
            }
            Map<String, Array> tensors = new LinkedHashMap<>();
            for (String key : List.of("x", "h0", "c0", "output", "h_n", "c_n")) {
                put(tensors, key, root.get(key));
            }
            JsonNode weights = root.get("loss_weights");
            put(tensors, "w_output", weights.get("output"));
            put(tensors, "w_h_n", weights.get("h_n"));
            put(tensors, "w_c_n", weights.get("c_n"));
            Map<String, Array> params = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.get("params").fields(); it.hasNext(); ) {
                var e = it.next();
                put(params, e.getKey(), e.getValue());
            }
            Map<String, Array> grads = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.get("grads").fields(); it.hasNext(); ) {
                var e = it.next();
                put(grads, e.getKey(), e.getValue());
            }
            return new Fixture(name, config, root.get("seq_len").asInt(), root.get("batch").asInt(), lengths, tensors, params, grads);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read fixture " + name, e);
        }
    }

    private static void put(Map<String, Array> map, String key, JsonNode node) {
        if (node == null || node.isNull()) {
            return;
        }
        JsonNode shapeNode = node.get("shape"), dataNode = node.get("data");
        int[] shape = new int[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asInt();
        }
        float[] data = new float[dataNode.size()];
        for (int i = 0; i < data.length; i++) {
            data[i] = Float.parseFloat(dataNode.get(i).asText());
        }
        map.put(key, new Array(shape, data));
    }

    public Array tensor(String key) {
        return tensors.get(key);
    }

    @Override
    public String toString() {
        return name;
    }

    /** Names of all fixtures, listed for parameterised tests. */
    public static List<String> list() {
        return new ArrayList<>(names());
    }
}
