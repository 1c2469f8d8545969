package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.data.CharVocabulary;
import dev.panamarnn.infer.CharSampler;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.tensor.Slab;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The closed-form parameter count against the real model's layout, and the equal-count chooser. */
class TextSizingTest {
    /** The layout of the experiment's model (CharSampler.languageModel) over V characters. */
    private static Slab.Layout layout(CellType cell, int v, int e, int h, int layers) {
        CharVocabulary vocabulary = CharVocabulary.of(IntStream.range(0, v).collect(StringBuilder::new,
                (text, i) -> text.appendCodePoint('A' + i), StringBuilder::append));       // V distinct characters
        assertEquals(v, vocabulary.size());
        return SequenceModel.layout(CharSampler.languageModel(vocabulary, e).cell(cell).hidden(h).layers(layers).spec());
    }

    private static long layoutCount(CellType cell, int v, int e, int h, int layers) {
        return layout(cell, v, e, h, layers).entries().stream().mapToLong(Slab.Layout.Entry::elements).sum();
    }

    @Test
    void formulaAgreesWithTheLanguageModelLayout() {
        for (CellType cell : CellType.values()) {
            for (int[] size : new int[][] {{73, 32, 128, 1}, {5, 3, 7, 2}, {2, 1, 1, 1}, {100, 64, 255, 3}, {73, 32, 149, 1}}) {
                assertEquals(layoutCount(cell, size[0], size[1], size[2], size[3]),
                        TextSizing.parameterCount(cell, size[0], size[1], size[2], size[3]),
                        cell + " V, E, H, L = " + java.util.Arrays.toString(size));
            }
        }
    }

    @Test
    void recurrentCountIsTheRnnPartOfTheLayout() {
        Slab.Layout layout = layout(CellType.GRU, 73, 32, 149, 2);
        long rnn = layout.entries().stream().filter(e -> e.name().startsWith(SequenceModel.RNN))
                .mapToLong(Slab.Layout.Entry::elements).sum();
        assertEquals(rnn, TextSizing.recurrentParameterCount(CellType.GRU, 32, 149, 2));
    }

    @Test
    void chosenHiddenSizesMatchTheLstmCountWithinOnePercentAndAreTheNearest() {
        for (int[] ref : new int[][] {{73, 32, 128}, {73, 32, 64}, {73, 64, 256}, {30, 16, 96}}) {
            int v = ref[0], e = ref[1];
            long target = TextSizing.parameterCount(CellType.LSTM, v, e, ref[2], 1);
            for (CellType cell : new CellType[] {CellType.GRU, CellType.RNN_TANH}) {
                int h = TextSizing.hiddenForParameterCount(cell, v, e, 1, target);
                long count = layoutCount(cell, v, e, h, 1);
                assertTrue(TextSizing.relativeDifference(count, target) < 0.01,
                        cell + " H " + h + ": " + count + " parameters vs LSTM's " + target);
                for (int other : new int[] {h - 1, h + 1}) {
                    assertTrue(Math.abs(layoutCount(cell, v, e, other, 1) - target) >= Math.abs(count - target),
                            cell + ": H " + other + " would be nearer the target than H " + h);
                }
            }
            assertEquals(ref[2], TextSizing.hiddenForParameterCount(CellType.LSTM, v, e, 1, target), "LSTM finds itself");
        }
    }

    @Test
    void defaultSizesAreTheOnesTheDocsQuote() {
        long lstm = TextSizing.parameterCount(CellType.LSTM, 73, 32, 128, 1);
        assertEquals(149, TextSizing.hiddenForParameterCount(CellType.GRU, 73, 32, 1, lstm));
        assertEquals(255, TextSizing.hiddenForParameterCount(CellType.RNN_TANH, 73, 32, 1, lstm));
    }
}
