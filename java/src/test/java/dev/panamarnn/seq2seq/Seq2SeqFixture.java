package dev.panamarnn.seq2seq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.panamarnn.CellType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** A fixture of scripts/make_seq2seq_fixtures.py (java/src/test/resources/seq2seq). */
record Seq2SeqFixture(String name, Seq2SeqConfig config, int sourceSteps, int targetSteps, int batch,
                      int[][] sources, int[][] targets, Map<String, float[]> params, float[] logits,
                      float[] attention, double loss, Map<String, float[]> grads) {

    static Seq2SeqFixture load(String name) {
        try (InputStream in = Seq2SeqFixture.class.getResourceAsStream("/seq2seq/" + name + ".json")) {
            if (in == null) {
                throw new IllegalStateException("fixture " + name + " not on the class path");
            }
            JsonNode r = new ObjectMapper().readTree(in);
            Seq2SeqConfig config = new Seq2SeqConfig(CellType.fromId(r.get("cell").asText()), r.get("source_vocab").asInt(),
                    r.get("target_vocab").asInt(), r.get("embedding").asInt(), r.get("hidden").asInt(), r.get("layers").asInt(),
                    r.get("bidirectional").asBoolean(), r.get("bos").asInt(), r.get("eos").asInt(), 0);
            return new Seq2SeqFixture(name, config, r.get("source_steps").asInt(), r.get("target_steps").asInt(),
                    r.get("batch").asInt(), ints(r.get("sources")), ints(r.get("targets")), map(r.get("params")),
                    floats(r.get("logits")), floats(r.get("attention")), r.get("loss").asDouble(), map(r.get("grads")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int[][] ints(JsonNode rows) {
        int[][] out = new int[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new int[rows.get(i).size()];
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = rows.get(i).get(j).asInt();
            }
        }
        return out;
    }

    private static float[] floats(JsonNode node) {
        float[] out = new float[node.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) node.get(i).asDouble();
        }
        return out;
    }

    private static Map<String, float[]> map(JsonNode node) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            var e = it.next();
            out.put(e.getKey(), floats(e.getValue()));
        }
        return out;
    }
}
