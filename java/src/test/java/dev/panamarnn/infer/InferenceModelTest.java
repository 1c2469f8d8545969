package dev.panamarnn.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.kernels.CheckedKernels;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Tensor;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Building a model: copies, validation, fingerprint, bidirectional refused, thread control. */
class InferenceModelTest {

    @Test
    void bidirectionalIsRefusedWithAClearMessage() {
        try (Rnn rnn = Rnn.create(RnnConfig.builder(CellType.GRU, 3, 4).bidirectional(true).build(), InferTesting.kernels("java"))) {
            var e = assertThrows(IllegalArgumentException.class, () -> InferenceModel.of(rnn));
            assertTrue(e.getMessage().contains("needs a unidirectional network"), e.getMessage());
        }
    }

    @Test
    void theModelOwnsACopyOfTheParameters() {
        float[] x = InferTesting.sequence(1, 1, 3)[0];
        Rnn rnn = InferTesting.rnn(CellType.LSTM, 3, 4, 2, 1, InferTesting.kernels("native"));
        try (InferenceModel model = InferenceModel.of(rnn); StreamState s = model.newStream()) {
            float[] before;
            try (StreamState r = model.newStream()) {
                before = r.step(x);
            }
            rnn.parameters().get("weight_hh_l0").fill(0.5f);
            rnn.close();
            assertArrayEquals(before, s.step(x), "changing or closing the network does not reach the model");
        }
    }

    @Test
    void fingerprintDependsOnWeightsAndArchitectureOnly() {
        RnnConfig base = RnnConfig.builder(CellType.LSTM, 3, 4).layers(2).seed(9).build();
        RnnConfig trainingOnly = RnnConfig.builder(CellType.LSTM, 3, 4).layers(2).seed(9).dropout(0.3).batchFirst(true).build();
        try (Rnn a = Rnn.create(base, InferTesting.kernels("java")); Rnn b = Rnn.create(trainingOnly, InferTesting.kernels("java"));
             InferenceModel ma = InferenceModel.of(a); InferenceModel mb = InferenceModel.of(b)) {
            assertEquals(64, ma.fingerprintHex().length());
            assertEquals(ma.fingerprintHex(), mb.fingerprintHex(), "dropout and batchFirst do not change the outputs");
            b.parameters().get("bias_hh_l1").set(3, 0.25f);
            try (InferenceModel changed = InferenceModel.of(b)) {
                assertNotEquals(ma.fingerprintHex(), changed.fingerprintHex());
            }
            byte[] f = ma.fingerprint();
            f[0] ^= 1;
            assertNotEquals(f[0], ma.fingerprint()[0], "fingerprint() returns a copy");
        }
    }

    @Test
    void parametersFromAMapAreValidated() {
        RnnConfig config = RnnConfig.builder(CellType.GRU, 3, 4).build();
        try (Rnn rnn = Rnn.create(config, InferTesting.kernels("java"))) {
            Map<String, Tensor> params = new HashMap<>(rnn.parameters().tensors());
            try (InferenceModel fromMap = InferenceModel.of(config, params, rnn.kernels()); InferenceModel fromRnn = InferenceModel.of(rnn)) {
                assertEquals(fromRnn.fingerprintHex(), fromMap.fingerprintHex());
            }
            params.remove("bias_hh_l0");
            var e = assertThrows(IllegalArgumentException.class, () -> InferenceModel.of(config, params, rnn.kernels()));
            assertTrue(e.getMessage().contains("'bias_hh_l0' is missing"), e.getMessage());
            params.put("bias_hh_l0", rnn.parameters().get("weight_hh_l0"));
            e = assertThrows(IllegalArgumentException.class, () -> InferenceModel.of(config, params, rnn.kernels()));
            assertEquals("parameter 'bias_hh_l0' must have shape [12], got [12, 4]", e.getMessage());
        }
    }

    @Test
    void checkedKernelsAreUnwrappedAndCloseIsIdempotent() {
        Kernels k = InferTesting.kernels("native");
        try (Rnn rnn = InferTesting.rnn(CellType.RNN_RELU, 2, 3, 1, 1, k)) {
            InferenceModel model = InferenceModel.of(rnn, new CheckedKernels(k));
            assertSame(k, model.kernels());
            assertTrue(model.toString().contains("rnn_relu I=2 H=3 L=1 kernels=native"), model.toString());
            model.close();
            model.close();
            assertFalse(model.isOpen());
            assertTrue(model.isFreed());
        }
    }

    @Test
    void blasThreadsAreSetForNativeModelsOnly() {
        try (Rnn rnn = InferTesting.rnn(CellType.GRU, 2, 3, 1, 1, InferTesting.kernels("native"));
             InferenceModel nat = InferenceModel.of(rnn);
             InferenceModel java = InferenceModel.of(rnn, InferTesting.kernels("java"))) {
            int before = BlasThreads.current(nat);
            try {
                assertTrue(BlasThreads.set(nat, 1));
                assertEquals(1, BlasThreads.current(nat));
            } finally {
                BlasThreads.set(nat, before);
            }
            assertFalse(BlasThreads.set(java, 2));
            assertEquals(0, BlasThreads.current(java));
            assertThrows(IllegalArgumentException.class, () -> BlasThreads.set(nat, 0));
            assertTrue(BlasThreads.recommended(0) >= 1);
            assertEquals(1, BlasThreads.recommended(1000));
        }
    }
}
