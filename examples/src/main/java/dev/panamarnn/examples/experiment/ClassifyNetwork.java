package dev.panamarnn.examples.experiment;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.train.Adam;

/**
 * The sequence-to-one recurrent classifier, a {@link SequenceModel}: windows of one feature
 * x_0 .. x_{T-1} -> recurrent stack (1 -> H, L layers) -> linear head on the last layer's final
 * state h_T (H -> C) -> softmax cross-entropy. A step is the Trainer's, one batch at a time so that
 * this model and the logistic baseline draw the same batches ({@link ClassifyModel#fit}): zero the
 * gradients, {@link SequenceModel#accumulateGradients} (forward, loss, BPTT from h_T), clip the
 * global norm to 1, Adam step over the model's one parameter slab.
 */
final class ClassifyNetwork implements ClassifyModel {
    private final SequenceModel model;
    private final Adam optimizer;
    private final int batch;

    ClassifyNetwork(CellType cell, int hidden, int layers, int classes, int batch, double learningRate, long seed) {
        this.model = SequenceModel.builder().features(1).classify(classes).output(OutputMode.SEQUENCE)
                .cell(cell).hidden(hidden).layers(layers).seed(seed).build();
        this.optimizer = new Adam(model.kernels(), model.parameters(), model.gradients(), learningRate);
        this.batch = batch;
    }

    @Override
    public String name() {
        var spec = model.spec();
        return spec.cell().id() + " (H=" + spec.hiddenSize() + (spec.layers() > 1 ? ", L=" + spec.layers() : "") + ")";
    }

    @Override
    public int batch() {
        return batch;
    }

    @Override
    public double trainStep(ClassifyTasks.Dataset data, int[] rows) {
        SequenceBatch rowsInOrder = data.sequences().subset(rows).batches(rows.length, false, false, 0).getFirst();
        model.zeroGradients();
        double loss = model.accumulateGradients(rowsInOrder);
        return ClassifyModel.clipAndStep(model.kernels(), model.gradients(), optimizer, loss, 1.0);
    }

    @Override
    public int[] predict(ClassifyTasks.Dataset data) {
        return model.predictClasses(data.sequences());
    }

    @Override
    public void close() {
        optimizer.close();
        model.close();
    }
}
