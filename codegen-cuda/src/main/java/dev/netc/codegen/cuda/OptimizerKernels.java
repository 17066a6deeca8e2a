package dev.netc.codegen.cuda;

import dev.netc.ir.train.OptimizerSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * One update kernel per trainable parameter: a single pass reads the gradient and the optimizer
 * state and writes the parameter and the state. The step size is computed per thread in double
 * precision from {@code learning_rate} and {@code step}, with the same formulas (time decay, step
 * decay, parameter-group factor, Adam's bias correction) as the Java backend.
 */
final class OptimizerKernels {
    private final OptimizerSpec spec;
    private final CudaDialect d = CudaDialect.INSTANCE;

    /** A trainable parameter: IR name, buffer, gradient buffer, element count. */
    record Trainable(String name, String buffer, String gradBuffer, long count) {}

    /** A state buffer of one parameter: its public name ("adam_m/dense/kernel") and C name. */
    record State(String name, String buffer) {}

    OptimizerKernels(OptimizerSpec spec) { this.spec = spec; }

    /** The state buffers a parameter needs, in a fixed order (the Java backend's names). */
    List<String> stateNames(Trainable p) {
        List<String> out = new ArrayList<>();
        switch (spec) {
            case OptimizerSpec.Sgd sgd -> { if (sgd.momentum() != 0) out.add("momentum/" + p.name()); }
            case OptimizerSpec.Adam adam -> {
                out.add("adam_m/" + p.name());
                out.add("adam_v/" + p.name());
            }
            case OptimizerSpec.RmsProp rms -> out.add("rmsprop_v/" + p.name());
            case OptimizerSpec.Adadelta ada -> {
                out.add("adadelta_grad/" + p.name());
                out.add("adadelta_delta/" + p.name());
            }
        }
        return out;
    }

    KernelWriter.GeneratedKernel render(Trainable p, List<State> states, String function) {
        KernelWriter w = new KernelWriter(function);
        String param = w.out(p.buffer(), "float");
        String grad = w.in(p.gradBuffer(), "float");
        List<String> s = states.stream().map(st -> w.out(st.buffer(), "float")).toList();
        stepSize(w);
        double factor = spec.policy().rateFactor(p.name(), spec.learningRate());
        String lr = factor == 1 ? "lrT" : "(lrT * " + d.floatLiteral(factor) + ")";
        String count = Long.toString(p.count());
        OpKernels.gridStride(w, count);
        w.line("const float g = " + grad + "[i];");
        switch (spec) {
            case OptimizerSpec.Sgd sgd -> {
                if (sgd.momentum() == 0) {
                    w.line(param + "[i] -= " + lr + " * g;");
                } else {
                    w.line("const float mu = " + d.floatLiteral(sgd.momentum()) + ";");
                    w.line("const float v = mu * " + s.getFirst() + "[i] - " + lr + " * g;");
                    w.line(s.getFirst() + "[i] = v;");
                    w.line(sgd.nesterov() ? param + "[i] += mu * v - " + lr + " * g;" : param + "[i] += v;");
                }
            }
            case OptimizerSpec.Adam adam -> {
                String m = s.get(0), v = s.get(1);
                w.line("const float mi = " + d.floatLiteral(adam.beta1()) + " * " + m + "[i] + " + d.floatLiteral(1 - adam.beta1()) + " * g;");
                w.line("const float vi = " + d.floatLiteral(adam.beta2()) + " * " + v + "[i] + " + d.floatLiteral(1 - adam.beta2()) + " * g * g;");
                w.line(m + "[i] = mi;").line(v + "[i] = vi;");
                w.line(param + "[i] -= " + lr + " * mi / (sqrtf(vi) + " + d.floatLiteral(adam.epsilon()) + ");");
            }
            case OptimizerSpec.RmsProp rms -> {
                String v = s.getFirst();
                w.line("const float vi = " + d.floatLiteral(rms.rho()) + " * " + v + "[i] + " + d.floatLiteral(1 - rms.rho()) + " * g * g;");
                w.line(v + "[i] = vi;");
                w.line(param + "[i] -= " + lr + " * g / (sqrtf(vi) + " + d.floatLiteral(rms.epsilon()) + ");");
            }
            case OptimizerSpec.Adadelta ada -> {
                String accGrad = s.get(0), accDelta = s.get(1);
                String rho = d.floatLiteral(ada.rho()), rest = d.floatLiteral(1 - ada.rho()), eps = d.floatLiteral(ada.epsilon());
                w.line("const float vi = " + rho + " * " + accGrad + "[i] + " + rest + " * g * g;");
                w.line(accGrad + "[i] = vi;");
                w.line("const float scale = sqrtf(" + accDelta + "[i] + " + eps + ") / sqrtf(vi + " + eps + ") * g;");
                w.line(accDelta + "[i] = " + rho + " * " + accDelta + "[i] + " + rest + " * scale * scale;");
                w.line(param + "[i] -= " + lr + " * scale;");
            }
        }
        String grid = OpKernels.endGridStride(w, count);
        return w.finish("// update of " + p.name() + ": " + spec + "\n", "update", "update", List.of(grid, "1", "1"), OpKernels.THREADS);
    }

    /** lrT: the learning rate of this step, before the parameter's group factor. */
    private void stepSize(KernelWriter w) {
        String step = w.scalar("step");
        w.line("float lrT = " + w.scalar("learning_rate") + ";");
        if (spec instanceof OptimizerSpec.Sgd sgd && sgd.decay() != 0)
            w.line("lrT = (float) (lrT / (1.0 + " + d.doubleLiteral(sgd.decay()) + " * (" + step + " - 1)));");
        spec.policy().stepDecay().ifPresent(sd ->
                w.line("lrT = (float) (lrT * pow(" + d.doubleLiteral(sd.gamma()) + ", (double) ((" + step + " - 1) / " + sd.stepSize() + ")));"));
        if (spec instanceof OptimizerSpec.Adam adam)
            w.line("lrT = (float) (lrT * sqrt(1.0 - pow(" + d.doubleLiteral(adam.beta2()) + ", (double) " + step + ")) / (1.0 - pow("
                    + d.doubleLiteral(adam.beta1()) + ", (double) " + step + ")));");
        w.line("(void) " + step + ";");
    }

    /** A copy of a moving statistic ("update/NAME" output) into its parameter, run before the updates. */
    static KernelWriter.GeneratedKernel copy(String from, String to, long count, String function) {
        KernelWriter w = new KernelWriter(function);
        String src = w.in(from, "float"), dst = w.out(to, "float");
        OpKernels.gridStride(w, Long.toString(count));
        w.line(dst + "[i] = " + src + "[i];");
        String grid = OpKernels.endGridStride(w, Long.toString(count));
        return w.finish("// moving statistic " + to + " <- " + from + "\n", "update", "update", List.of(grid, "1", "1"), OpKernels.THREADS);
    }
}
