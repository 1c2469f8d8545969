package dev.panamarnn.internal.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PlatformTest {
    @Test
    void normalisesOsAndArchNames() {
        assertEquals("linux", Platform.os("Linux"));
        assertEquals("macos", Platform.os("Mac OS X"));
        assertEquals("x86_64", Platform.arch("amd64"));
        assertEquals("aarch64", Platform.arch("arm64"));
    }

    @Test
    void resourceDirectoryUsesThePlatformString() {
        assertEquals("META-INF/native/" + Platform.current() + "/", Platform.resourceDir());
    }
}
