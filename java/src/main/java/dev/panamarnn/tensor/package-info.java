/**
 * Off-heap memory: {@link dev.panamarnn.tensor.Tensor} (a shaped view of a MemorySegment) and
 * {@link dev.panamarnn.tensor.Slab} (one allocation with named, aligned slices: parameters,
 * gradients and optimizer state share one layout).
 */
package dev.panamarnn.tensor;
