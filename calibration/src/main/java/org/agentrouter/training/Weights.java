package org.agentrouter.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A model's parameters as named float32 tensors, held in Java arrays: the trainer's optimiser, the ONNX
 * export and the safetensors file all read these, and only the forward/backward pass runs in PyTorch.
 */
public final class Weights {
    private final Map<String, float[]> values = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();

    public Weights add(String name, float[] value, long... shape) {
        if (Arrays.stream(shape).reduce(1, (a, b) -> a * b) != value.length) {
            throw new IllegalArgumentException(name + ": " + value.length + " values for shape " + Arrays.toString(shape));
        }
        values.put(name, value);
        shapes.put(name, shape.clone());
        return this;
    }

    /** Uniform in +-sqrt(6 / (fan_in + fan_out)) (Glorot), from the caller's seeded generator. */
    public Weights addGlorot(String name, Random random, int rows, int cols) {
        float limit = (float) Math.sqrt(6.0 / (rows + cols));
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (random.nextFloat() * 2 - 1) * limit;
        return add(name, w, rows, cols);
    }

    public Weights addConstant(String name, float value, long... shape) {
        float[] w = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
        Arrays.fill(w, value);
        return add(name, w, shape);
    }

    public float[] get(String name) {
        float[] v = values.get(name);
        if (v == null) throw new IllegalArgumentException("no weight " + name + " in " + values.keySet());
        return v;
    }

    public float scalar(String name) {
        return get(name)[0];
    }

    public long[] shape(String name) {
        return shapes.get(name).clone();
    }

    public Iterable<String> names() {
        return values.keySet();
    }

    public int parameterCount() {
        return values.values().stream().mapToInt(v -> v.length).sum();
    }

    public int nonZeroCount() {
        int n = 0;
        for (float[] v : values.values()) for (float x : v) if (x != 0f) n++;
        return n;
    }

    public Weights copy() {
        Weights w = new Weights();
        values.forEach((k, v) -> w.add(k, v.clone(), shapes.get(k)));
        return w;
    }

    /** Every tensor as an NDArray of {@code manager}, by name. */
    public Map<String, NDArray> toArrays(NDManager manager) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, manager.create(v, new Shape(shapes.get(k)))));
        return out;
    }

    /** Safetensors bytes (names as tensor keys). */
    public byte[] toSafetensors(NDManager manager) {
        try (NDManager scope = manager.newSubManager()) {
            NDList list = new NDList();
            toArrays(scope).forEach((k, a) -> {
                a.setName(k);
                list.add(a);
            });
            return list.encode(NDList.Encoding.SAFETENSORS);
        }
    }

    public static Weights fromSafetensors(NDManager manager, byte[] bytes) {
        try (NDManager scope = manager.newSubManager()) {
            Weights w = new Weights();
            for (NDArray a : NDList.decode(scope, bytes)) w.add(a.getName(), a.toFloatArray(), a.getShape().getShape());
            return w;
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Weights other) || !other.values.keySet().equals(values.keySet())) return false;
        for (String k : values.keySet()) {
            if (!Arrays.equals(values.get(k), other.values.get(k)) || !Arrays.equals(shapes.get(k), other.shapes.get(k))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return values.keySet().hashCode();
    }
}
