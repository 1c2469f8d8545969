/**
 * Model files: safetensors read and written atomically ({@link dev.panamarnn.io.SafeTensors}), the
 * bare network's file ({@link dev.panamarnn.io.ModelFile}); every read validated, a bad file a
 * {@link dev.panamarnn.io.ModelFileException} naming the problem.
 */
package dev.panamarnn.io;
