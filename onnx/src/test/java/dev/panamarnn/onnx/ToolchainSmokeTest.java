package dev.panamarnn.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.panamarnn.onnx.proto.Onnx;
import java.nio.FloatBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class ToolchainSmokeTest {
    @Test
    void ortRunsAGraphWrittenWithTheGeneratedClasses() throws Exception {
        var type = Onnx.TypeProto.newBuilder().setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(1)
                .setShape(Onnx.TensorShapeProto.newBuilder().addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(2)))).build();
        var graph = Onnx.GraphProto.newBuilder().setName("g")
                .addNode(Onnx.NodeProto.newBuilder().setOpType("Relu").addInput("x").addOutput("y"))
                .addInput(Onnx.ValueInfoProto.newBuilder().setName("x").setType(type))
                .addOutput(Onnx.ValueInfoProto.newBuilder().setName("y").setType(type));
        byte[] bytes = Onnx.ModelProto.newBuilder().setIrVersion(7).addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(14))
                .setGraph(graph).build().toByteArray();
        var env = OrtEnvironment.getEnvironment();
        try (var session = env.createSession(bytes, new OrtSession.SessionOptions());
             var x = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {-1f, 2f}), new long[] {2});
             var result = session.run(Map.of("x", x))) {
            assertArrayEquals(new float[] {0f, 2f}, (float[]) result.get(0).getValue());
        }
    }
}
