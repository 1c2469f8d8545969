package dev.panamarnn.onnx;

import dev.panamarnn.onnx.proto.Onnx;
import dev.panamarnn.onnx.proto.Onnx.AttributeProto;
import dev.panamarnn.onnx.proto.Onnx.NodeProto;
import dev.panamarnn.onnx.proto.Onnx.TensorProto;
import dev.panamarnn.onnx.proto.Onnx.TensorShapeProto;
import dev.panamarnn.onnx.proto.Onnx.TypeProto;
import dev.panamarnn.onnx.proto.Onnx.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;

/**
 * Collects one ONNX graph: its nodes in topological order, its initializers (float32 weights and
 * int64 shape constants, little-endian raw data) and its typed inputs and outputs. Every value name
 * is unique; a second value of the same name is a bug here, not a user error.
 */
final class GraphBuilder {
    static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    static final int INT32 = TensorProto.DataType.INT32_VALUE;
    static final int INT64 = TensorProto.DataType.INT64_VALUE;

    private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();

    GraphBuilder(String name) {
        graph.setName(name);
    }

    /** A graph input of element type {@code elemType}; a dim is an Integer (fixed) or a String (named, dynamic). */
    void input(String name, int elemType, Object... dims) {
        claim(name);
        graph.addInput(valueInfo(name, elemType, dims));
    }

    /** A graph output: the value {@code name} some node writes. */
    void output(String name, int elemType, Object... dims) {
        graph.addOutput(valueInfo(name, elemType, dims));
    }

    /** A float32 initializer of shape {@code dims} holding {@code values} (row-major). */
    String weights(String name, float[] values, long... dims) {
        claim(name);
        ByteBuffer raw = ByteBuffer.allocate(Math.multiplyExact(values.length, Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        graph.addInitializer(tensor(name, FLOAT, dims).setRawData(ByteString.copyFrom(raw.array())));
        return name;
    }

    /** An int64 initializer of rank 1 (shapes, axes, slice bounds). */
    String int64s(String name, long... values) {
        claim(name);
        ByteBuffer raw = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asLongBuffer().put(values);
        graph.addInitializer(tensor(name, INT64, values.length).setRawData(ByteString.copyFrom(raw.array())));
        return name;
    }

    /** Appends a node of the default domain; an empty input name means an omitted optional input. */
    NodeProto.Builder node(String opType, String name, String[] inputs, String... outputs) {
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(opType).setName(name);
        for (String in : inputs) {
            node.addInput(in);
        }
        for (String out : outputs) {
            claim(out);
            node.addOutput(out);
        }
        graph.addNode(node);
        return graph.getNodeBuilder(graph.getNodeCount() - 1);
    }

    /** A node with one output of the same name as the node. */
    String apply(String opType, String output, String... inputs) {
        node(opType, output, inputs, output);
        return output;
    }

    static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto intsAttribute(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    static AttributeProto stringsAttribute(String name, String... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRINGS);
        for (String v : values) {
            a.addStrings(ByteString.copyFromUtf8(v));
        }
        return a.build();
    }

    static AttributeProto stringAttribute(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build();
    }

    Onnx.GraphProto build() {
        return graph.build();
    }

    private void claim(String name) {
        if (!names.add(name)) {
            throw new IllegalStateException("ONNX value name '" + name + "' written twice");
        }
    }

    private static TensorProto.Builder tensor(String name, int elemType, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(elemType);
        for (long d : dims) {
            t.addDims(d);
        }
        return t;
    }

    private static ValueInfoProto valueInfo(String name, int elemType, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Integer fixed) {
                dim.setDimValue(fixed);
            } else {
                dim.setDimParam((String) d);
            }
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape)))
                .build();
    }
}
