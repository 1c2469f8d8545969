/**
 * panama-rnn: recurrent neural networks (vanilla RNN, LSTM, GRU) for the JVM, trained by
 * backpropagation through time and served as streaming inference, with the hot paths native
 * (OpenBLAS and librnnk through the FFM API) and a pure-Java implementation of every kernel.
 *
 * <p>The user API: {@link dev.panamarnn.model} (SequenceModel, Trainer), {@link dev.panamarnn.data}
 * (SequenceDataset) and {@link dev.panamarnn.infer} (serving). Below it, for experts:
 * {@link dev.panamarnn} (Rnn, Workspace), {@link dev.panamarnn.layers}, {@link dev.panamarnn.train},
 * {@link dev.panamarnn.io}, {@link dev.panamarnn.tensor} and {@link dev.panamarnn.kernels} (the
 * interface, the checked front door and the selection). The unroller, the cells, the unchecked
 * kernel implementations, the native loader and the bindings are not exported.
 */
module dev.panamarnn {
    requires dev.panamarnn.bindings;
    requires jdk.management;   // the physical memory, the default off-heap budget (internal.memory.OffHeap)

    exports dev.panamarnn;
    exports dev.panamarnn.data;
    exports dev.panamarnn.infer;
    exports dev.panamarnn.io;
    exports dev.panamarnn.kernels;
    exports dev.panamarnn.layers;
    exports dev.panamarnn.model;
    exports dev.panamarnn.seq2seq;
    exports dev.panamarnn.tensor;
    exports dev.panamarnn.train;

    uses dev.panamarnn.io.ModelFormat;   // other model file formats (ONNX: panama-rnn-onnx)
}
