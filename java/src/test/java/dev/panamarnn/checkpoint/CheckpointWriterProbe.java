package dev.panamarnn.checkpoint;

import dev.panamarnn.checkpoint.FaultyFileSystem.Op;
import dev.panamarnn.kernels.KernelSelection;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Child-JVM body of {@link CheckpointKillTest}: trains {@link CheckpointFaultTest#PREVIOUS} steps,
 * writes the checkpoint (prints "saved N"), trains on to {@link CheckpointFaultTest#NEXT} steps and
 * writes the checkpoint again, stopping just before the given occurrence of the given operation
 * of that write (prints "at OP BYTES" and waits there forever), where the parent kills it with
 * SIGKILL. Arguments: checkpoint file, operation ({@link Op} name), occurrence (0 = the first).
 */
public final class CheckpointWriterProbe {
    private CheckpointWriterProbe() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        Op stopAt = Op.valueOf(args[1]);
        int occurrence = Integer.parseInt(args[2]);
        try (TrainingRun run = TrainingRun.fresh(KernelSelection.nativeKernels())) {
            run.train(CheckpointFaultTest.PREVIOUS);
            run.save(file);
            System.out.println("saved " + run.step());
            run.train(CheckpointFaultTest.NEXT - CheckpointFaultTest.PREVIOUS);
            FaultyFileSystem fs = new FaultyFileSystem();
            AtomicInteger seen = new AtomicInteger();
            fs.plan((op, p, bytes) -> {
                if (op == stopAt && seen.getAndIncrement() == occurrence) {
                    System.out.println("at " + op + " " + bytes);
                    System.out.flush();
                    try {
                        Thread.sleep(Long.MAX_VALUE);   // killed here
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            run.save(fs.wrap(file));
            System.out.println("finished without being killed");
        }
    }
}
