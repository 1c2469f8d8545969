package dev.panamarnn.unroll;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.Workspace;
import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.Trainer;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.testing.BlockingKernels;
import dev.panamarnn.testing.TestData;
import java.lang.foreign.Arena;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Two threads on one Workspace, or on one SequenceModel: the second call while the first is inside
 * a kernel is an IllegalStateException saying so, the first completes with the right output, and a
 * close meanwhile is deferred to its end.
 */
class ConcurrentUseTest {
    private static final RnnConfig CONFIG = RnnConfig.builder(CellType.LSTM, 3, 5).layers(2).seed(4).build();

    @Test
    void aSecondPassOnABusyWorkspaceIsRefused() throws Exception {
        BlockingKernels blocking = new BlockingKernels(KernelSelection.java());
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Rnn rnn = Rnn.create(CONFIG, blocking.kernels()); Arena arena = Arena.ofShared()) {
            Tensor x = Tensor.allocate(arena, 4, 2, 3).copyFrom(TestData.uniform(1, 24, 1));
            Tensor dOut = Tensor.allocate(arena, 4, 2, 5).copyFrom(TestData.uniform(2, 40, 1));
            float[] expected;
            try (Workspace reference = rnn.workspace(4, 2)) {
                expected = reference.forward(x, null, null, null, false).toArray();
            }
            Workspace ws = rnn.workspace(4, 2);
            blocking.arm();
            Future<float[]> running = pool.submit(() -> ws.forward(x, null, null, null, false).toArray());
            try {
                blocking.awaitBlocked();
                var e = assertThrows(IllegalStateException.class, () -> ws.forward(x, null, null, null, false));
                assertEquals("cannot run forward: this workspace is in use by another thread (forward, infer and backward of one "
                        + "workspace run on one thread at a time; use one workspace per thread)", e.getMessage());
                e = assertThrows(IllegalStateException.class, () -> ws.infer(x, null, null, null));
                assertTrue(e.getMessage().startsWith("cannot infer: this workspace is in use by another thread"), e.getMessage());
                e = assertThrows(IllegalStateException.class, () -> ws.backward(dOut, null, null));
                assertTrue(e.getMessage().startsWith("cannot run backward: this workspace is in use by another thread"), e.getMessage());
            } finally {
                blocking.release();
            }
            assertArrayEquals(expected, running.get(), "the running pass completes with its own output");
            blocking.arm();
            Future<?> closedDuring = pool.submit(() -> ws.forward(x, null, null, null, true));
            try {
                blocking.awaitBlocked();
                ws.close();                                   // deferred to the end of the running pass
            } finally {
                blocking.release();
            }
            closedDuring.get();                               // completes normally on valid memory
            var e = assertThrows(IllegalStateException.class, () -> ws.forward(x, null, null, null, false));
            assertEquals("cannot run forward: this workspace is closed", e.getMessage());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSecondCallOnABusySequenceModelIsRefused() throws Exception {
        BlockingKernels blocking = new BlockingKernels(KernelSelection.java());
        SequenceDataset data = SequenceDataset.ofArrays(new float[][][] {
                {{0.1f, 0.2f}, {0.3f, -0.1f}}, {{-0.5f, 0.4f}, {0.2f, 0.0f}}, {{0.9f, -0.3f}, {0.1f, 0.6f}}}, new int[] {0, 1, 0}, 2);
        SequenceBatch batch = data.batches(3, false, false, 0).get(0);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        SequenceModel model = SequenceModel.builder().features(2).classify(2).hidden(4).kernels(blocking.kernels()).build();
        try (Trainer trainer = Trainer.builder(model).adam(1e-3).build()) {
            float[][] expected = model.predict(data);
            blocking.arm();
            Future<float[][]> running = pool.submit(() -> model.predict(data));
            try {
                blocking.awaitBlocked();
                var e = assertThrows(IllegalStateException.class, () -> model.evaluate(data));
                assertEquals("cannot evaluate: this SequenceModel is in use by another thread (training, predict and evaluate of one "
                        + "model run on one thread at a time; for concurrent serving build an InferenceModel from it)", e.getMessage());
                e = assertThrows(IllegalStateException.class, () -> model.accumulateGradients(batch));
                assertTrue(e.getMessage().startsWith("cannot accumulate gradients: this SequenceModel is in use"), e.getMessage());
                e = assertThrows(IllegalStateException.class, () -> trainer.fit(data, dev.panamarnn.model.Budget.epochs(1)));
                assertTrue(e.getMessage().startsWith("cannot train: this SequenceModel is in use"), e.getMessage());
                model.close();                                // deferred to the end of the running predict
                assertFalse(model.isOpen());
            } finally {
                blocking.release();
            }
            assertArrayEquals(expected, running.get(), "the running predict completes with its own output");
            var e = assertThrows(IllegalStateException.class, () -> model.predict(data));
            assertEquals("cannot predict: this SequenceModel is closed", e.getMessage());
        } finally {
            pool.shutdownNow();
            model.close();
        }
    }
}
