package dev.panamarnn.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.onnx.proto.Onnx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads the bytes of an ONNX file into the generated protobuf classes, and decodes its tensors,
 * treating every byte as hostile. What it is not: the interpretation of the graph ({@link OnnxGraph}).
 *
 * <p>Rules: the path must be a regular file of at most {@link #MAX_FILE_BYTES}; the protobuf is
 * parsed with a nesting limit of {@link #MAX_NESTING}; a tensor has at most {@link #MAX_RANK}
 * dimensions, each >= 0, whose product is at most {@link #MAX_ELEMENTS} (multiplied left to right
 * without overflow) and equals the number of values stored — raw_data of exactly that many
 * little-endian elements, or float_data / int32_data / int64_data of exactly that many, never both;
 * the data type is FLOAT (weights) or INT64 / INT32 (shape constants); external data (data_location
 * EXTERNAL, external_data entries) and segments are refused: every value must be inside the .onnx
 * file. Float values must be finite. Every problem is a {@link ModelFileException} naming the file
 * and the tensor.
 */
final class OnnxReader {
    /** The largest file read (protobuf itself stops at 2 GiB). */
    static final long MAX_FILE_BYTES = 1L << 30;
    static final int MAX_NESTING = 32;
    static final int MAX_RANK = 8;
    static final long MAX_ELEMENTS = 1L << 28;

    static final int FLOAT = 1;
    static final int INT32 = 6;
    static final int INT64 = 7;
    static final int EXTERNAL = 1;

    private OnnxReader() {}

    /** A decoded tensor: dims and either float values or integer values (INT32 widened). */
    record Data(String name, long[] dims, float[] floats, long[] ints) {
        boolean isFloat() {
            return floats != null;
        }

        long count() {
            return isFloat() ? floats.length : ints.length;
        }

        int rank() {
            return dims.length;
        }

        boolean allZero() {
            if (isFloat()) {
                for (float f : floats) {
                    if (f != 0) {
                        return false;
                    }
                }
            } else {
                for (long v : ints) {
                    if (v != 0) {
                        return false;
                    }
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return "'" + name + "' " + Arrays.toString(dims) + (isFloat() ? " float" : " int");
        }
    }

    static Onnx.ModelProto parse(Path file) throws ModelFileException {
        if (!Files.isRegularFile(file)) {
            throw new ModelFileException(file, Files.exists(file) ? "is not a regular file" : "does not exist");
        }
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new ModelFileException(file, "is " + size + " bytes; ONNX files of at most " + MAX_FILE_BYTES + " bytes are read");
            }
            // the bytes, then the weights decoded as floats: about twice the file on the Java heap
            long heap = Runtime.getRuntime().maxMemory();
            if (heap != Long.MAX_VALUE && size > heap / 3) {
                throw new ModelFileException(file, "is " + size + " bytes; reading it needs about twice that of Java heap and the heap "
                        + "is " + heap + " bytes (raise -Xmx)");
            }
            bytes = Files.readAllBytes(file);
        } catch (ModelFileException e) {
            throw e;
        } catch (IOException e) {
            throw new ModelFileException(file, "cannot read: " + e, e);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new ModelFileException(file, "grew to " + bytes.length + " bytes while being read");
        }
        return parse(file, bytes);
    }

    static Onnx.ModelProto parse(Path file, byte[] bytes) throws ModelFileException {
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.setRecursionLimit(MAX_NESTING);
            in.enableAliasing(true);   // raw_data views the file's bytes instead of copying them
            Onnx.ModelProto model = Onnx.ModelProto.parseFrom(in);
            in.checkLastTagWas(0);
            return model;
        } catch (InvalidProtocolBufferException e) {
            throw new ModelFileException(file, "is not a valid ONNX file (protobuf: " + oneLine(e.getMessage()) + ")");
        } catch (RuntimeException | IOException e) {
            throw new ModelFileException(file, "is not a valid ONNX file (protobuf: " + oneLine(String.valueOf(e)) + ")");
        }
    }

    static String oneLine(String s) {
        String t = s == null ? "" : s.replaceAll("[\\r\\n\\t]+", " ");
        return t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }

    /** Printable, bounded form of a name from the file. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 120; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f || Character.isSurrogate(c) ? '?' : c);
        }
        return s.length() > 120 ? b + "..." : b.toString();
    }

    /**
     * Decodes {@code t}, found at {@code where} (e.g. "initializer 'W'" or "node 'n' (Constant)
     * attribute 'value'"), under the rules of this class.
     */
    static Data decode(Path file, Onnx.TensorProto t, String where) throws ModelFileException {
        String what = where;
        if (t.getDataLocation() == Onnx.TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
            throw new ModelFileException(file, what + " uses external data; refused: every tensor must be stored inside the .onnx file");
        }
        if (t.hasSegment()) {
            throw new ModelFileException(file, what + " is a segment of a larger tensor; segments are not supported");
        }
        int type = t.getDataType();
        if (type != FLOAT && type != INT64 && type != INT32) {
            throw new ModelFileException(file, what + " has data type " + type + "; only FLOAT (1) weights and INT64 (7) / INT32 (6) "
                    + "shape constants are supported");
        }
        if (t.getDimsCount() > MAX_RANK) {
            throw new ModelFileException(file, what + " has " + t.getDimsCount() + " dimensions; at most " + MAX_RANK + " are supported");
        }
        long[] dims = new long[t.getDimsCount()];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            long d = t.getDims(i);
            if (d < 0) {
                throw new ModelFileException(file, what + " has a negative dimension " + d);
            }
            if (d != 0 && count > MAX_ELEMENTS / d) {
                throw new ModelFileException(file, what + " has dimensions " + t.getDimsList() + ", more than " + MAX_ELEMENTS + " elements");
            }
            count *= d;
            dims[i] = d;
        }
        if (t.getStringDataCount() > 0 || t.getDoubleDataCount() > 0 || t.getUint64DataCount() > 0) {
            throw new ModelFileException(file, what + " stores values in string_data, double_data or uint64_data; not supported for its type");
        }
        int elementBytes = type == INT64 ? 8 : 4;
        int typed = type == FLOAT ? t.getFloatDataCount() : type == INT64 ? t.getInt64DataCount() : t.getInt32DataCount();
        int otherTyped = t.getFloatDataCount() + t.getInt64DataCount() + t.getInt32DataCount() - typed;
        if (otherTyped > 0) {
            throw new ModelFileException(file, what + " stores values in a field of another data type than its own (" + type + ")");
        }
        boolean raw = t.hasRawData();
        if (raw && typed > 0) {
            throw new ModelFileException(file, what + " has both raw_data and typed values");
        }
        long stored = raw ? t.getRawData().size() : typed;
        long expected = raw ? count * elementBytes : count;
        if (stored != expected) {
            throw new ModelFileException(file, what + " has dimensions " + t.getDimsList() + " (" + count + " elements) but "
                    + (raw ? stored + " bytes of raw_data, expected " + expected : stored + " values"));
        }
        String name = printable(t.getName());
        if (type == FLOAT) {
            float[] v = new float[(int) count];
            if (raw) {
                ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().get(v);
            } else {
                for (int i = 0; i < v.length; i++) {
                    v[i] = t.getFloatData(i);
                }
            }
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    throw new ModelFileException(file, what + " element " + i + " is " + v[i] + "; weights must be finite");
                }
            }
            return new Data(name, dims, v, null);
        }
        long[] v = new long[(int) count];
        if (raw) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < v.length; i++) {
                v[i] = type == INT64 ? b.getLong() : b.getInt();
            }
        } else {
            for (int i = 0; i < v.length; i++) {
                v[i] = type == INT64 ? t.getInt64Data(i) : t.getInt32Data(i);
            }
        }
        return new Data(name, dims, null, v);
    }
}
