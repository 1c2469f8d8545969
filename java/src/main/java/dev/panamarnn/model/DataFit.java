package dev.panamarnn.model;

import dev.panamarnn.data.SequenceDataset;

/** Whether a data set fits a model: input kind and width, target kind, classes, values per target. */
final class DataFit {
    private DataFit() {}

    /**
     * @param needTargets false for prediction, where the data set's targets (if any) are not read
     * @throws IllegalArgumentException naming the first mismatch, expected vs actual
     */
    static void check(ModelSpec spec, SequenceDataset data, boolean needTargets) {
        if (data == null) {
            throw new IllegalArgumentException("the data set is null");
        }
        if (spec.tokens() != data.tokens()) {
            throw new IllegalArgumentException("the model reads " + (spec.tokens() ? "token ids" : "float features")
                    + ", the data set holds " + (data.tokens() ? "token ids" : "float features"));
        }
        if (spec.tokens() && data.vocabulary() > spec.vocabulary()) {
            throw new IllegalArgumentException("the data set's token ids go up to " + (data.vocabulary() - 1) + ", the model's vocabulary has "
                    + spec.vocabulary() + " ids");
        }
        if (!spec.tokens() && data.features() != spec.features()) {
            throw new IllegalArgumentException("the model reads " + spec.features() + " features per step, the data set has " + data.features());
        }
        if (!needTargets) {
            return;
        }
        if (!data.hasTargets()) {
            throw new IllegalArgumentException("the data set has no targets (inputs only, e.g. a CSV read without a label or target "
                    + "column): it can be predicted, not trained on or evaluated");
        }
        SequenceDataset.Targets kind = data.targets();
        boolean perStep = spec.outputMode() == OutputMode.PER_STEP;
        boolean classes = spec.task().hasClasses();
        SequenceDataset.Targets expected = spec.task() == Task.CTC ? SequenceDataset.Targets.LABEL_SEQUENCE
                : classes ? (perStep ? SequenceDataset.Targets.CLASS_PER_STEP : SequenceDataset.Targets.CLASS_PER_SEQUENCE)
                : (perStep ? SequenceDataset.Targets.VALUES_PER_STEP : SequenceDataset.Targets.VALUES_PER_SEQUENCE);
        if (kind != expected) {
            throw new IllegalArgumentException("a " + spec.task().id() + " model with " + spec.outputMode().id() + " output needs "
                    + expected + " targets, the data set has " + kind);
        }
        if (classes && data.classes() > spec.outputs()) {
            throw new IllegalArgumentException("the data set has " + data.classes() + " classes, the model predicts " + spec.outputs());
        }
        // class ids are positions in each side's own sorted names: the same ids mean the same classes only if the names agree
        if (spec.task() == Task.CLASSIFICATION && !spec.classNames().isEmpty() && !data.classNames().isEmpty()
                && !spec.classNames().subList(0, data.classNames().size()).equals(data.classNames())) {
            throw new IllegalArgumentException("the data set's classes " + abbreviate(data.classNames()) + " are not the model's "
                    + abbreviate(spec.classNames()) + " (class ids would mean other classes); read the data with the model's classes");
        }
        if (!classes && data.targetSize() != spec.outputs()) {
            throw new IllegalArgumentException("the model predicts " + spec.outputs() + " value(s) per target, the data set has "
                    + data.targetSize());
        }
    }

    private static String abbreviate(java.util.List<String> names) {
        return names.size() <= 12 ? names.toString() : names.subList(0, 12) + " and " + (names.size() - 12) + " more";
    }
}
