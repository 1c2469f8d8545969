package dev.panamarnn.service;

import dev.panamarnn.infer.BlasThreads;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.options.Range;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Heap bytes per idle (evicted) stream of the service's {@link StreamRegistry}, without HTTP: one
 * event each for N streams, every stream evicted, heap after a full GC; the cost per stream is the
 * slope between two stream counts, so the pool of live states and the rest of the JVM cancel out.
 * {@code java -cp examples/service/target/panama-rnn-service.jar dev.panamarnn.service.IdleFootprint --model FILE --counts 10000,100000}
 */
@Command(name = "IdleFootprint", mixinStandardHelpOptions = true,
        description = "Heap bytes per idle (evicted) stream of the service's registry: the slope between stream counts.")
public final class IdleFootprint implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "The model file.")
    Path modelFile;

    @Option(names = "--counts", defaultValue = "10000,100000", split = ",", paramLabel = "N",
            description = "Stream counts, increasing: the heap is measured at each, all streams evicted.")
    @Range(min = 1, max = 2_000_000)
    int[] counts;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        ToolCommandLine.main(new IdleFootprint(), args);
    }

    @Override
    public Integer call() throws Exception {
        for (int i = 1; i < counts.length; i++) {
            if (counts[i] <= counts[i - 1]) {
                throw new ParameterException(spec.commandLine(), "--counts must increase, got " + counts[i - 1] + " then " + counts[i]);
            }
        }
        InferenceModel model;
        try (SequenceModel trained = SequenceModel.load(modelFile)) {
            model = InferenceModel.of(trained);
        }
        BlasThreads.set(model, 1);
        ServiceSettings settings = new ServiceSettings(2_000_000, 1024, 4096, 256, Duration.ofMillis(50), null);
        int snapshotBytes;
        try (var probe = model.newStream()) {
            snapshotBytes = probe.snapshotSize();
        }
        try (model; StreamRegistry registry = new StreamRegistry(model, settings)) {
            float[] event = new float[model.inputSize()];
            long previousHeap = JvmStats.heapUsed(true);
            int previousCount = 0;
            for (int count : counts) {
                List<CompletableFuture<StreamRegistry.Result>> pending = new ArrayList<>();
                for (int s = previousCount; s < count; s++) {
                    while (true) {
                        try {
                            pending.add(registry.step("load-" + s, event));
                            break;
                        } catch (OverloadedException e) {
                            pending.forEach(CompletableFuture::join);   // the queue or the pool is full: let it drain
                            pending.clear();
                            Thread.sleep(60);
                        }
                    }
                }
                pending.forEach(CompletableFuture::join);
                while (registry.stats().live() > 0) {
                    Thread.sleep(20);
                }
                long heap = JvmStats.heapUsed(true);
                RegistryStats s = registry.stats();
                System.out.printf(Locale.ROOT, "%,d streams (all evicted, %d states pooled): heap %,d bytes; %,.1f bytes per stream from %,d to %,d streams;"
                        + " a snapshot is %d bytes (its array %d)%n", s.streams(), s.statesCreated(), heap,
                        (heap - previousHeap) / (double) (count - previousCount), previousCount, count,
                        snapshotBytes, 16 + snapshotBytes);
                previousHeap = heap;
                previousCount = count;
            }
        }
        return 0;
    }
}
