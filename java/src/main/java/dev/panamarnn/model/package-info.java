/**
 * The user API: {@link dev.panamarnn.model.SequenceModel} (input stage, recurrent stack, head; per
 * step or per sequence; classification, regression, language model), {@link dev.panamarnn.model.Trainer}
 * (fit with a {@link dev.panamarnn.model.Budget}, validation, early stopping, checkpoints and an
 * exact resume), their model files ({@link dev.panamarnn.model.SequenceModelFile}); and the earlier
 * special-purpose models (character language model, series forecaster) the CLI still trains.
 */
package dev.panamarnn.model;
