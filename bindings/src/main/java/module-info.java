/**
 * The jextract-generated bindings to librnnk ({@code rnnk.h}) and to the CBLAS subset of OpenBLAS:
 * internal to panama-rnn. They resolve symbols from whatever the library's loader has loaded.
 */
module dev.panamarnn.bindings {
    exports dev.panamarnn.internal.bindings.rnnk to dev.panamarnn;
    exports dev.panamarnn.internal.bindings.cblas to dev.panamarnn;
}
