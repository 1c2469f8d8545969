package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Labels and transcripts, normalisation, and the voice split (no test voice in training). */
class SpeechDatasetTest {
    @Test
    void labelsAreDigitPlusOneWithTheBlankAtZero() {
        assertArrayEquals(new int[] {1, 10, 5}, SpeechDataset.labelsOf("094"));
        assertEquals("094", SpeechDataset.transcriptOf(new int[] {1, 10, 5}));
        assertEquals(SpeechDataset.CLASSES, SpeechDataset.CLASS_NAMES.size());
        assertEquals("_", SpeechDataset.CLASS_NAMES.get(SpeechDataset.BLANK));
        assertThrows(IllegalArgumentException.class, () -> SpeechDataset.labelsOf("12a"));
        assertThrows(IllegalArgumentException.class, () -> SpeechDataset.transcriptOf(new int[] {0}));
        assertThrows(IllegalArgumentException.class, () -> SpeechDataset.transcriptOf(new int[] {11}));
    }

    static SpeechDataset.Split split(float offset, int... frames) {
        List<float[][]> inputs = new java.util.ArrayList<>();
        List<int[]> labels = new java.util.ArrayList<>();
        List<SpeechDataset.Utterance> utterances = new java.util.ArrayList<>();
        for (int i = 0; i < frames.length; i++) {
            float[][] x = new float[frames[i]][3];
            for (int t = 0; t < x.length; t++) {
                for (int b = 0; b < 3; b++) {
                    x[t][b] = offset + (b + 1) * (t + i) + 0.25f * b;
                }
            }
            inputs.add(x);
            labels.add(SpeechDataset.labelsOf("12" + i));
            utterances.add(new SpeechDataset.Utterance("12" + i, "one two " + i, "en-us+m" + i, 170, 50, 20));
        }
        return new SpeechDataset.Split(inputs, labels, utterances);
    }

    private static final SpeechFeatures.Config THREE_BANDS = SpeechFeatures.DEFAULT.withBands(3);

    @Test
    void utteranceNormalisationGivesEachBandMeanZeroVarianceOne() {
        SpeechDataset data = new SpeechDataset(split(0, 5, 9), split(100, 4), THREE_BANDS).normalised(SpeechDataset.Normalisation.UTTERANCE);
        for (SpeechDataset.Split s : List.of(data.train(), data.test())) {
            for (float[][] x : s.inputs()) {
                double[][] stats = SpeechDataset.statistics(List.<float[][]>of(x), 3);
                for (int b = 0; b < 3; b++) {
                    assertEquals(0, stats[0][b], 1e-5);
                    assertEquals(1, stats[1][b], 1e-5);
                }
            }
        }
    }

    @Test
    void globalNormalisationUsesTheTrainingStatisticsForBothSplits() {
        SpeechDataset raw = new SpeechDataset(split(0, 5, 9), split(100, 4), THREE_BANDS);
        SpeechDataset data = raw.normalised(SpeechDataset.Normalisation.GLOBAL);
        double[][] train = SpeechDataset.statistics(data.train().inputs(), 3);
        double[][] rawTrain = SpeechDataset.statistics(raw.train().inputs(), 3);
        for (int b = 0; b < 3; b++) {
            assertEquals(0, train[0][b], 1e-5);
            assertEquals(1, train[1][b], 1e-5);
            // the test split is shifted by the training mean, not its own: its offset of 100 stays visible
            assertEquals((raw.test().inputs().get(0)[0][b] - rawTrain[0][b]) / rawTrain[1][b], data.test().inputs().get(0)[0][b], 1e-4);
        }
        assertTrue(data.test().inputs().get(0)[0][0] > 5);
        assertEquals(raw, raw.normalised(SpeechDataset.Normalisation.NONE));
    }

    @Test
    void splitsRefuseMismatchedCounts() {
        assertThrows(IllegalArgumentException.class, () -> new SpeechDataset.Split(List.<float[][]>of(new float[1][1]), List.of(), List.of()));
    }

    @Test
    void noTestVoiceIsATrainingVoice() {
        Set<String> train = new HashSet<>(SpokenDigits.trainVoices());
        List<String> test = SpokenDigits.testVoices();
        assertEquals(SpokenDigits.TRAIN_ACCENTS.size() * SpokenDigits.TRAIN_VARIANTS.size(), train.size());
        assertEquals(test.size(), new HashSet<>(test).size(), "test voices are distinct");
        for (String voice : test) {
            assertTrue(!train.contains(voice), voice + " is in both splits");
            String accent = voice.contains("+") ? voice.substring(0, voice.indexOf('+')) : voice;
            String variant = voice.contains("+") ? voice.substring(voice.indexOf('+') + 1) : "";
            assertTrue(SpokenDigits.TEST_ACCENTS.contains(accent) || SpokenDigits.TEST_VARIANTS.contains(variant),
                    voice + " has a held-out accent or variant");
        }
        for (String accent : SpokenDigits.TEST_ACCENTS) {
            assertTrue(!SpokenDigits.TRAIN_ACCENTS.contains(accent));
        }
        for (String variant : SpokenDigits.TEST_VARIANTS) {
            assertTrue(!SpokenDigits.TRAIN_VARIANTS.contains(variant));
        }
    }
}
