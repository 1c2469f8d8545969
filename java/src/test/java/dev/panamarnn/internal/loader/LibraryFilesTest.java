package dev.panamarnn.internal.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LibraryFilesTest {
    @Test
    void theDirectoryPropertyComesFirstAndTheTmpdirLast() {
        String before = System.getProperty(LibraryFiles.DIR_PROPERTY);
        try {
            System.clearProperty(LibraryFiles.DIR_PROPERTY);
            assertFalse(LibraryFiles.cacheRoots().contains(Path.of("/data/spark-local/panama-rnn")));
            System.setProperty(LibraryFiles.DIR_PROPERTY, "/data/spark-local/panama-rnn");
            assertEquals(Path.of("/data/spark-local/panama-rnn"), LibraryFiles.cacheRoots().getFirst());
            assertEquals(Path.of(System.getProperty("java.io.tmpdir")), LibraryFiles.cacheRoots().getLast().getParent());
        } finally {
            if (before == null) {
                System.clearProperty(LibraryFiles.DIR_PROPERTY);
            } else {
                System.setProperty(LibraryFiles.DIR_PROPERTY, before);
            }
        }
    }
}
