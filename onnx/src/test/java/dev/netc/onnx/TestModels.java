package dev.netc.onnx;

import dev.netc.frontend.CheckResult;
import dev.netc.frontend.CheckedModel;
import dev.netc.frontend.Frontend;
import dev.netc.frontend.SourceFile;
import dev.netc.onnx.npy.NpyArray;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Test helpers: the repository's examples, checked models, seeded random inputs, comparisons. */
final class TestModels {
    private TestModels() {}

    static Path root() {
        return Path.of(System.getProperty("netc.projectRoot", "..")).toAbsolutePath().normalize();
    }

    static CheckedModel load(Path file) throws IOException {
        CheckResult r = Frontend.check(SourceFile.read(file));
        if (r.hasErrors()) throw new AssertionError(r.render());
        return r.models().size() == 1 ? r.models().getFirst()
                : r.models().stream().filter(m -> m.train().isPresent()).findFirst().orElse(r.models().getFirst());
    }

    static CheckedModel parse(String name, String source) {
        CheckResult r = Frontend.check(new SourceFile(name, source));
        if (r.hasErrors()) throw new AssertionError(r.render());
        return r.models().getFirst();
    }

    /** Uniform values in [-1, 1) of the model input's shape at {@code batch}. */
    static NpyArray.F32 randomInput(InferenceModel m, int batch, long seed) {
        int[] shape = m.input().type().shape().bind(java.util.Map.of("B", batch));
        float[] v = new float[(int) NpyArray.count(shape)];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
        return new NpyArray.F32(shape, v);
    }

    /** The largest |a - b| over two f32 arrays of the same shape (the shapes are asserted equal). */
    static double maxAbsDiff(NpyArray a, NpyArray b) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(a.shape(), b.shape(), "shapes differ");
        float[] x = ((NpyArray.F32) a).values(), y = ((NpyArray.F32) b).values();
        double max = 0;
        for (int i = 0; i < x.length; i++) max = Math.max(max, Math.abs((double) x[i] - y[i]));
        return max;
    }
}
