/** The consumer as a named module: it reads the library's exported API only. */
module com.example.modular {
    requires dev.panamarnn;
}
