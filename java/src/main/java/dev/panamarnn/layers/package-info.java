/**
 * The layers around a recurrent stack, their parameters slices of a model's slab:
 * {@link dev.panamarnn.layers.Embedding} (nn.Embedding) and {@link dev.panamarnn.layers.Linear}
 * (nn.Linear), each with its backward.
 */
package dev.panamarnn.layers;
