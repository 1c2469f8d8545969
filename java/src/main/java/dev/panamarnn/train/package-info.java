/**
 * What training is made of, over a parameter slab: losses ({@link dev.panamarnn.train.SoftmaxCrossEntropy},
 * {@link dev.panamarnn.train.MeanSquaredError}), optimizers (SGD, Adam, AdamW; PyTorch-exact,
 * checkpointable), learning-rate schedules, gradient clipping and the non-finite guard.
 */
package dev.panamarnn.train;
