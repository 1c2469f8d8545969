package dev.panamarnn.cli;

import dev.panamarnn.internal.loader.BuildInfo;
import picocli.CommandLine;

/** {@code rnn --version}. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"panama-rnn " + BuildInfo.version() + " (OpenBLAS artifact " + BuildInfo.openBlasArtifactVersion() + ")"};
    }
}
