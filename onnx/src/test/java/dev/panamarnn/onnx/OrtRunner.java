package dev.panamarnn.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** Runs an ONNX model in ONNX Runtime (the oracle) and returns every output as a flat float array. */
final class OrtRunner implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final Map<String, OnnxTensor> inputs = new LinkedHashMap<>();

    OrtRunner(byte[] model) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        this.session = env.createSession(model, options);
    }

    OrtRunner floats(String name, float[] values, long... shape) throws OrtException {
        inputs.put(name, OnnxTensor.createTensor(env, FloatBuffer.wrap(values), shape));
        return this;
    }

    OrtRunner longs(String name, long[] values, long... shape) throws OrtException {
        inputs.put(name, OnnxTensor.createTensor(env, LongBuffer.wrap(values), shape));
        return this;
    }

    OrtRunner ints(String name, int[] values, long... shape) throws OrtException {
        inputs.put(name, OnnxTensor.createTensor(env, IntBuffer.wrap(values), shape));
        return this;
    }

    /** Runs the session on the inputs given so far (then forgets them): output name -> values. */
    Map<String, float[]> run() throws OrtException {
        Map<String, float[]> out = new HashMap<>();
        try (OrtSession.Result result = session.run(inputs)) {
            for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : result) {
                FloatBuffer b = ((OnnxTensor) e.getValue()).getFloatBuffer();
                float[] values = new float[b.remaining()];
                b.get(values);
                out.put(e.getKey(), values);
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
            inputs.clear();
        }
        return out;
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
