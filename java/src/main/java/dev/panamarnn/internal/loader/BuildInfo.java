package dev.panamarnn.internal.loader;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Versions written into the jar by the build ({@code dev/panamarnn/build.properties}). */
public final class BuildInfo {
    private static final Properties PROPERTIES = read();

    private BuildInfo() {}

    /** This library's version, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String version() {
        return PROPERTIES.getProperty("version", "unknown");
    }

    /** The org.bytedeco:openblas artifact version the jar was built against, e.g. {@code 0.3.31-1.5.13}. */
    public static String openBlasArtifactVersion() {
        return PROPERTIES.getProperty("openblas.version", "unknown");
    }

    private static Properties read() {
        Properties properties = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/dev/panamarnn/build.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dev/panamarnn/build.properties from the jar", e);
        }
        return properties;
    }
}
