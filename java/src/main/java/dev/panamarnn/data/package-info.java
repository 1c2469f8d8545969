/**
 * Data for training and scoring: {@link dev.panamarnn.data.SequenceDataset} (sequences of float
 * features or token ids with class labels or values, per sequence or per step; from arrays, lists,
 * a corpus, a series or the long CSV layout described by {@link dev.panamarnn.data.CsvLayout}),
 * cut into time-major padded {@link dev.panamarnn.data.SequenceBatch}es; and the readers of the
 * special-purpose models (text corpora, time series, character vocabularies).
 */
package dev.panamarnn.data;
