package dev.panamarnn.onnx;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.onnx.proto.Onnx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and unsupported ONNX files, generated here from the committed torch fixtures: each is
 * refused with a one-line {@link ModelFileException} that names the file and the problem (and the
 * node and attribute when there is one), before any model is built; none runs out of memory.
 */
class OnnxImportHostileTest {
    static final Path DIR = OnnxImportTorchTest.DIR;

    @TempDir
    Path tmp;

    static Onnx.ModelProto fixture(String name) throws Exception {
        return Onnx.ModelProto.parseFrom(Files.readAllBytes(DIR.resolve(name + ".onnx")));
    }

    String refused(byte[] bytes, String... fragments) throws Exception {
        Path file = tmp.resolve("hostile.onnx");
        Files.write(file, bytes);
        ModelFileException e = assertThrows(ModelFileException.class, () -> {
            try (SequenceModel m = SequenceModel.load(file)) {
                m.spec();
            }
        });
        ModelFileException e2 = assertThrows(ModelFileException.class, () -> ModelFile.load(file).close());
        for (ModelFileException x : new ModelFileException[] {e}) {
            String msg = x.getMessage();
            System.out.println(msg);
            assertFalse(msg.contains("\n"), "one line: " + msg);
            assertTrue(msg.contains(file.toString()), msg);
            for (String f : fragments) {
                assertTrue(msg.contains(f), "'" + f + "' in: " + msg);
            }
        }
        assertFalse(e2.getMessage().contains("\n"));
        return e.getMessage();
    }

    String refused(Onnx.ModelProto m, String... fragments) throws Exception {
        return refused(m.toByteArray(), fragments);
    }

    /** The fixture with its first node of {@code op} changed. */
    static Onnx.ModelProto withNode(String name, String op, UnaryOperator<Onnx.NodeProto.Builder> change) throws Exception {
        Onnx.ModelProto.Builder m = fixture(name).toBuilder();
        Onnx.GraphProto.Builder g = m.getGraphBuilder();
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getOpType().equals(op)) {
                g.setNode(i, change.apply(g.getNode(i).toBuilder()));
                return m.build();
            }
        }
        throw new AssertionError("no " + op + " in " + name);
    }

    /** The fixture with its initializer number {@code index} changed. */
    static Onnx.ModelProto withInitializer(String name, int index, UnaryOperator<Onnx.TensorProto.Builder> change) throws Exception {
        Onnx.ModelProto.Builder m = fixture(name).toBuilder();
        Onnx.GraphProto.Builder g = m.getGraphBuilder();
        g.setInitializer(index, change.apply(g.getInitializer(index).toBuilder()));
        return m.build();
    }

    static Onnx.NodeProto.Builder withoutAttribute(Onnx.NodeProto.Builder n, String name) {
        for (int i = n.getAttributeCount() - 1; i >= 0; i--) {
            if (n.getAttribute(i).getName().equals(name)) {
                n.removeAttribute(i);
            }
        }
        return n;
    }

    static Onnx.AttributeProto attr(String name, long i) {
        return Onnx.AttributeProto.newBuilder().setName(name).setI(i).setType(Onnx.AttributeProto.AttributeType.INT).build();
    }

    @Test
    void truncatedFiles() throws Exception {
        byte[] all = Files.readAllBytes(DIR.resolve("lstm_l1.onnx"));
        for (int cut : new int[] {0, 1, 7, all.length / 3, all.length / 2, all.length - 1}) {
            refused(Arrays.copyOf(all, cut));
        }
    }

    @Test
    void hugeDimsAreRefusedWithoutAllocating() throws Exception {
        refused(withInitializer("lstm_l1", 0, t -> t.clearDims().addDims(1L << 40).addDims(1L << 40)), "elements");
        refused(withInitializer("lstm_l1", 0, t -> t.clearDims().addDims(1 << 20).addDims(1 << 20)), "elements");
        refused(withInitializer("lstm_l1", 0, t -> t.setDims(0, -3)), "negative dimension");
    }

    @Test
    void wrongByteCounts() throws Exception {
        refused(withInitializer("lstm_l1", 0, t -> t.setRawData(t.getRawData().substring(0, t.getRawData().size() - 4))), "bytes of raw_data");
        refused(withInitializer("lstm_l1", 0, t -> t.setDims(0, t.getDims(0) + 1)), "bytes of raw_data");
    }

    @Test
    void nonFiniteWeightsNameTheTensor() throws Exception {
        Onnx.ModelProto m = withInitializer("lstm_l1", 1, t -> {
            byte[] raw = t.getRawData().toByteArray();
            int nan = Float.floatToIntBits(Float.NaN);
            raw[4] = (byte) nan;
            raw[5] = (byte) (nan >> 8);
            raw[6] = (byte) (nan >> 16);
            raw[7] = (byte) (nan >> 24);
            return t.setRawData(ByteString.copyFrom(raw));
        });
        refused(m, "initializer '" + fixture("lstm_l1").getGraph().getInitializer(1).getName() + "' element 1 is NaN");
    }

    @Test
    void externalDataIsRefused() throws Exception {
        refused(withInitializer("lstm_l1", 0, t -> t.clearRawData().setDataLocation(Onnx.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(Onnx.StringStringEntryProto.newBuilder().setKey("location").setValue("../../etc/passwd"))), "external data");
    }

    @Test
    void wrongDataTypeIsRefused() throws Exception {
        refused(withInitializer("lstm_l1", 0, t -> t.setDataType(11)), "data type 11");
    }

    @Test
    void unsupportedAttributesAreRefusedByName() throws Exception {
        refused(withNode("lstm_l1", "LSTM", n -> n.addAttribute(Onnx.AttributeProto.newBuilder().setName("clip").setF(3)
                .setType(Onnx.AttributeProto.AttributeType.FLOAT))), "(LSTM)", "attribute 'clip'");
        refused(withNode("lstm_l1", "LSTM", n -> n.addAttribute(attr("input_forget", 1))), "attribute 'input_forget'");
        refused(withNode("rnn_tanh_l2_state", "RNN", n -> withoutAttribute(n, "activations").addAttribute(Onnx.AttributeProto.newBuilder().setName("activations")
                .addStrings(ByteString.copyFromUtf8("Sigmoid")).setType(Onnx.AttributeProto.AttributeType.STRINGS))),
                "(RNN)", "attribute 'activations'");
        refused(withNode("gru_l1_batchfirst", "GRU", n -> {
            for (int i = 0; i < n.getAttributeCount(); i++) {
                if (n.getAttribute(i).getName().equals("linear_before_reset")) {
                    n.setAttribute(i, attr("linear_before_reset", 2));
                }
            }
            return n;
        }), "(GRU)", "attribute 'linear_before_reset' is 2");
        refused(withNode("lstm_l1", "LSTM", n -> n.addAttribute(attr("hidden_size", 5))), "attribute 'hidden_size' is given twice");
        refused(withNode("lstm_l1", "LSTM", n -> {
            n.clearAttribute().addAttribute(attr("hidden_size", 7));
            return n;
        }), "input 'W'");
        refused(withNode("lstm_l1", "LSTM", n -> n.addAttribute(Onnx.AttributeProto.newBuilder().setName("direction")
                .setS(ByteString.copyFromUtf8("reverse")).setType(Onnx.AttributeProto.AttributeType.STRING))), "'reverse'");
    }

    @Test
    void peepholesAreRefused() throws Exception {
        refused(withNode("lstm_l1", "LSTM", n -> {
            while (n.getInputCount() < 7) {
                n.addInput("");
            }
            return n.addInput(n.getInput(1));
        }), "peepholes");
    }

    @Test
    void aLoopNodeIsRefusedByName() throws Exception {
        Onnx.ModelProto.Builder m = fixture("lstm_l1").toBuilder();
        m.getGraphBuilder().addNode(0, Onnx.NodeProto.newBuilder().setName("the_loop").setOpType("Loop").addInput("").addInput("")
                .addOutput("loop_out").addAttribute(Onnx.AttributeProto.newBuilder().setName("body").setG(ByteString.copyFrom(new byte[] {10, 0}))
                        .setType(Onnx.AttributeProto.AttributeType.GRAPH)));
        refused(m.build(), "node 'the_loop' (Loop)", "subgraph");
        Onnx.ModelProto.Builder m2 = fixture("lstm_l1").toBuilder();
        m2.getGraphBuilder().addNode(0, Onnx.NodeProto.newBuilder().setName("scan").setOpType("Scan").addOutput("s"));
        refused(m2.build(), "node 'scan' (Scan)", "control flow");
    }

    @Test
    void unknownOpsAndDomainsAreRefused() throws Exception {
        Onnx.ModelProto.Builder m = fixture("seq_lstm_l2_perstep_regressor").toBuilder();
        m.getGraphBuilder().addNode(0, Onnx.NodeProto.newBuilder().setName("soft").setOpType("Softmax").addInput("x").addOutput("d"));
        refused(m.build(), "node 'soft' (Softmax)", "op 'Softmax' is not supported");
        Onnx.ModelProto.Builder sub = fixture("seq_lstm_l2_perstep_regressor").toBuilder();   // Sub only as x - (constant mean)
        sub.getGraphBuilder().addNode(0, Onnx.NodeProto.newBuilder().setName("sub").setOpType("Sub").addInput("x").addInput("x").addOutput("d"));
        refused(sub.build(), "node 'sub' (Sub)", "the mean is graph input 'x'");
        refused(withNode("lstm_l1", "LSTM", n -> n.setDomain("com.microsoft")), "domain 'com.microsoft'");
    }

    /** Our own export (LSTM, 2 layers, both normalisations, per step), to edit. */
    static Onnx.ModelProto exported() throws Exception {
        try (SequenceModel model = SequenceModel.builder().features(3).normalise(new float[] {0.5f, -1f, 2f}, new float[] {2f, 0.5f, 3f})
                .regress(2).normaliseTargets(new float[] {10f, -3f}, new float[] {4f, 0.25f}).output(dev.panamarnn.model.OutputMode.PER_STEP)
                .layers(2).hidden(4).seed(3).build()) {
            return Onnx.ModelProto.parseFrom(OnnxExport.toBytes(model, OnnxExport.Options.defaults()));
        }
    }

    static Onnx.ModelProto withMetadata(Onnx.ModelProto m, String key, String value) {
        Onnx.ModelProto.Builder b = m.toBuilder();
        for (int i = 0; i < b.getMetadataPropsCount(); i++) {
            if (b.getMetadataProps(i).getKey().equals(key)) {
                b.setMetadataProps(i, b.getMetadataProps(i).toBuilder().setValue(value));
                return b.build();
            }
        }
        throw new AssertionError("no metadata " + key);
    }

    static Onnx.ModelProto withExportedNode(String name, UnaryOperator<Onnx.NodeProto.Builder> change) throws Exception {
        Onnx.ModelProto.Builder m = exported().toBuilder();
        Onnx.GraphProto.Builder g = m.getGraphBuilder();
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getName().equals(name)) {
                g.setNode(i, change.apply(g.getNode(i).toBuilder()));
                return m.build();
            }
        }
        throw new AssertionError("no node " + name);
    }

    @Test
    void theNormalisationsAndStatesOfAnExportAreFollowedOnlyAsWritten() throws Exception {
        // the metadata must say what the graph computes
        refused(withMetadata(exported(), "model.normalise", "false"), "metadata 'model.normalise' is 'false' but the graph computes 'true'");
        refused(withMetadata(exported(), "model.normalise_targets", "false"), "metadata 'model.normalise_targets'");
        refused(withMetadata(exported(), "rnn.hidden_size", "5"), "metadata 'rnn.hidden_size' is '5'");
        refused(withMetadata(exported(), "panama_rnn.kind", "rnn"), "metadata 'panama_rnn.kind'");
        // Sub and Div: (x - constant (F)) / constant (F), and the network reads that
        refused(withExportedNode("centred", n -> n.setInput(1, "normalise.std").setInput(0, "normalise.mean")),
                "node 'centred' (Sub)", "only a constant mean per feature from the model input");
        refused(withExportedNode("centred", n -> n.setInput(1, "top.output.axes")), "node 'centred' (Sub)", "the mean is the integers");
        refused(withExportedNode("normalised", n -> n.setInput(1, OnnxExport.INPUT)), "node 'normalised' (Div)", "the std is graph input");
        refused(withExportedNode("rnn_l0", n -> n.setInput(0, OnnxExport.INPUT)), "node 'rnn_l0' (LSTM)",
                "the model input as it is, but the graph normalises it");
        refused(withExportedNode("rnn_l0", n -> n.setInput(0, "centred")), "node 'rnn_l0' (LSTM)", "the model input minus the feature mean");
        // Mul then Add: the complete head's output times (K) constants plus (K) constants
        refused(withExportedNode("denormalise.scaled", n -> n.setInput(0, "head.matmul")), "node 'denormalise.scaled' (Mul)",
                "only the complete head's output");
        refused(withExportedNode("denormalise.scaled", n -> n.setInput(1, "normalise.mean")), "node 'denormalise.scaled' (Mul)",
                "the target std is the constant", "expected 2 constants of shape (2)");
        refused(withExportedNode(OnnxExport.OUTPUT, n -> n.setInput(1, "head.bias").setInput(0, "head.output")),
                "node 'output' (Add)", "only the bias of a head's MatMul and the target mean");
        Onnx.ModelProto.Builder noAdd = exported().toBuilder();
        noAdd.getGraphBuilder().setOutput(0, noAdd.getGraphBuilder().getOutput(0).toBuilder().setName("denormalise.scaled"));
        refused(noAdd.build(), "without the Add of the target mean");
        // initial states: every layer its rows of h0/c0, or none
        refused(withExportedNode("rnn_l1", n -> n.setInput(5, "")), "1 of the 2 layers read their initial state from graph input 'h0'");
        refused(withExportedNode("rnn_l1", n -> n.setInput(5, "l0.initial_h")), "node 'rnn_l1' (LSTM)", "must read rows [1, 2)");
        // a bare stack's metadata likewise
        try (dev.panamarnn.Rnn rnn = dev.panamarnn.Rnn.create(dev.panamarnn.RnnConfig.builder(dev.panamarnn.CellType.GRU, 3, 4).build())) {
            Onnx.ModelProto stack = Onnx.ModelProto.parseFrom(OnnxExport.toBytes(rnn, OnnxExport.Options.defaults()));
            refused(withMetadata(stack, "cell", "lstm"), "metadata 'cell' is 'lstm' but the graph computes 'gru'");
            refused(stack.toBuilder().addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey("panama_rnn.kind")
                    .setValue("sequence-model")).build(), "metadata 'panama_rnn.kind' is 'sequence-model' but the graph computes 'rnn'");
        }
    }

    @Test
    void modelLevelFeaturesAreRefused() throws Exception {
        refused(fixture("lstm_l1").toBuilder().addFunctions(ByteString.copyFrom(new byte[] {10, 1, 102})).build(), "functions");
        refused(fixture("lstm_l1").toBuilder().addTrainingInfo(ByteString.EMPTY).build(), "training_info");
        Onnx.ModelProto.Builder m = fixture("lstm_l1").toBuilder();
        m.getGraphBuilder().addSparseInitializer(ByteString.EMPTY);
        refused(m.build(), "sparse initializers");
        refused(fixture("lstm_l1").toBuilder().clearOpsetImport().build(), "opset");
    }

    @Test
    void aGraphOutputThatIsNotTheNetworksIsRefused() throws Exception {
        // y is the first layer's output of a 2-layer stack: not what an Rnn outputs
        Onnx.ModelProto.Builder m = fixture("rnn_tanh_l2_state").toBuilder();
        Onnx.GraphProto.Builder g = m.getGraphBuilder();
        String firstY = null;
        for (Onnx.NodeProto n : g.getNodeList()) {
            if (n.getOpType().equals("RNN") && firstY == null) {
                firstY = n.getOutput(0);
            }
        }
        g.setOutput(0, g.getOutput(0).toBuilder().setName(firstY));
        refused(m.build(), "graph output");
    }

    @Test
    void unsortedLengthsMustBePutBackInTheBatchsOrder() throws Exception {
        String name = "lstm_l2_bi_unsorted_lengths_state";
        Onnx.GraphProto g0 = fixture(name).getGraph();
        String sort = null, unsort = null;
        for (Onnx.NodeProto n : g0.getNodeList()) {
            if (n.getOpType().equals("ScatterElements")) {
                unsort = n.getOutput(0);
                sort = n.getInput(1);
            }
        }
        String p = sort, q = unsort;
        // y gathered with P instead of P's inverse: rows in the wrong order
        Onnx.ModelProto.Builder m = fixture(name).toBuilder();
        Onnx.GraphProto.Builder g = m.getGraphBuilder();
        for (int i = 0; i < g.getNodeCount(); i++) {
            Onnx.NodeProto n = g.getNode(i);
            if (n.getOpType().equals("Gather") && n.getOutput(0).equals("y")) {
                g.setNode(i, n.toBuilder().setInput(1, p));
            }
        }
        refused(m.build(), "sort permutation");
        // h_n not put back: the Concat of the sorted final states as the output
        Onnx.ModelProto.Builder m2 = fixture(name).toBuilder();
        Onnx.GraphProto.Builder g2 = m2.getGraphBuilder();
        String sortedStates = null;
        for (Onnx.NodeProto n : g2.getNodeList()) {
            if (n.getOpType().equals("Gather") && n.getOutput(0).equals("h_n")) {
                sortedStates = n.getInput(0);
            }
        }
        g2.setOutput(1, g2.getOutput(1).toBuilder().setName(sortedStates));
        refused(m2.build(), "graph output");
        // the lengths fed in the batch's order to rows in sorted order
        String lengthsCast = null;
        for (Onnx.NodeProto n : g0.getNodeList()) {
            if (n.getOpType().equals("Cast") && n.getInput(0).equals("lengths")) {
                lengthsCast = n.getOutput(0);
            }
        }
        String lc = lengthsCast;
        refused(withNode(name, "LSTM", n -> n.setInput(4, lc)), "input 'X' is permuted");
        assertTrue(q != null);
    }

    @Test
    void aDirectoryIsNotAModelFile() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("dir.onnx"));
        ModelFileException e = assertThrows(ModelFileException.class, () -> OnnxImport.read(dir));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }
}
