package dev.panamarnn.io;

import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;

/**
 * Child-JVM helper of {@link KillMidWriteTest}: rewrites one model file forever, version 1, 2, ...
 * (a 4M-float tensor filled with the version number, metadata version=v), printing each version
 * number after its write has returned. The parent kills it with SIGKILL at a random moment.
 */
public final class KillWriterProbe {
    private KillWriterProbe() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.allocate(arena, 1024, 4096);
            for (int v = 1; ; v++) {
                t.fill(v);
                SafeTensors.write(file, Map.of("t", t), Map.of("version", Integer.toString(v)));
                System.out.println(v);
                System.out.flush();
            }
        }
    }
}
