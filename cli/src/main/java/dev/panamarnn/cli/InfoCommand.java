package dev.panamarnn.cli;

import dev.panamarnn.RuntimeInfo;
import dev.panamarnn.options.Range;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rnn info}: which kernels run, where librnnk and OpenBLAS came from, OpenBLAS core and threads. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the kernels in use, the native libraries loaded and OpenBLAS's configuration.")
final class InfoCommand implements Callable<Integer> {
    @Option(names = "--threads", paramLabel = "N", description = "Set OpenBLAS's thread count first.")
    @Range(min = 1, max = 1024)
    Integer threads;

    @Override
    public Integer call() {
        RuntimeInfo info = RuntimeInfo.current();
        if (threads != null) {
            if (info.nativeStatus() == null) {
                System.err.println("--threads needs the native kernels; running with " + info.kernels());
                return 2;
            }
            RuntimeInfo.setBlasThreads(threads);
        }
        for (Map.Entry<String, String> line : info.asMap().entrySet()) {
            System.out.printf("%-18s %s%n", line.getKey(), line.getValue());
        }
        return 0;
    }
}
