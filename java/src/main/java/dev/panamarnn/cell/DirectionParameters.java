package dev.panamarnn.cell;

import java.lang.foreign.MemorySegment;

/**
 * The parameters of one direction of one layer (views into the parameter slab) and their gradients
 * (views into the gradient slab, the same layout).
 * @param wIh  (G*H, In) input weights W_ih
 * @param bIh  (G*H) input bias b_ih
 * @param wHh  (G*H, H) recurrent weights W_hh
 * @param bHh  (G*H) recurrent bias b_hh
 * @param dWIh (G*H, In) dL/dW_ih
 * @param dBIh (G*H) dL/db_ih
 * @param dWHh (G*H, H) dL/dW_hh
 * @param dBHh (G*H) dL/db_hh
 */
public record DirectionParameters(MemorySegment wIh, MemorySegment bIh, MemorySegment wHh, MemorySegment bHh,
                                  MemorySegment dWIh, MemorySegment dBIh, MemorySegment dWHh, MemorySegment dBHh) {
}
