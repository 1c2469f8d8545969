package dev.panamarnn.spark;

import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.train.Optimizer;
import java.io.Serializable;
import java.util.function.Function;

/**
 * Makes an optimizer over a model's parameter and gradient slabs, and can be shipped to the executors:
 * {@link AllReduce#BARRIER} builds one optimizer per worker from it. A lambda becomes one by its target
 * type: {@code builder.optimizer((OptimizerFactory) m -> new Adam(m.kernels(), m.parameters(), m.gradients(), 1e-3))}.
 */
@FunctionalInterface
public interface OptimizerFactory extends Function<SequenceModel, Optimizer>, Serializable {}
