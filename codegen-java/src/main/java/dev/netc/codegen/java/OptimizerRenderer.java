package dev.netc.codegen.java;

import dev.netc.codegen.core.SizeExpr;

import com.palantir.javapoet.CodeBlock;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.train.OptimizerSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code update(learningRate, step)}: one pass per trainable parameter, and the optimizer
 * state it keeps ("momentum/p" for momentum SGD, "adam_m/p" and "adam_v/p" for Adam, "rmsprop_v/p" for
 * RMSprop, "adadelta_grad/p" and "adadelta_delta/p" for Adadelta). The step's rate is
 * {@code learningRate} times the schedule (SGD's time decay, step decay) and, per parameter, its group's
 * factor. Before the parameters move, the new moving statistics computed by the training forward pass
 * ({@link Graph#parameterUpdates()}) are copied into their non-trainable parameters.
 */
final class OptimizerRenderer {
    private final OptimizerSpec spec;
    private final JavaDialect d = JavaDialect.INSTANCE;

    /** A trainable parameter: its IR name, field, gradient field and element count. */
    record Trainable(String name, String field, String gradField, long count) {}

    /** A state buffer: its public name ("adam_m/dense/kernel"), field and element count. */
    record State(String name, String field, long count) {}

    private final Buffers buffers;
    private final Map<String, String> stateFields = new HashMap<>();

    OptimizerRenderer(OptimizerSpec spec, Buffers buffers) {
        this.spec = spec;
        this.buffers = buffers;
    }

    /** The state buffers of one parameter, in a fixed order. */
    List<State> states(Trainable p) {
        List<State> out = new ArrayList<>();
        switch (spec) {
            case OptimizerSpec.Sgd sgd -> {
                if (sgd.momentum() != 0) out.add(state("momentum/", p));
            }
            case OptimizerSpec.Adam adam -> {
                out.add(state("adam_m/", p));
                out.add(state("adam_v/", p));
            }
            case OptimizerSpec.RmsProp rms -> out.add(state("rmsprop_v/", p));
            case OptimizerSpec.Adadelta ada -> {
                out.add(state("adadelta_grad/", p));
                out.add(state("adadelta_delta/", p));
            }
        }
        return out;
    }

    private State state(String prefix, Trainable p) {
        String name = prefix + p.name();
        String field = stateFields.computeIfAbsent(name, k -> buffers.newField(prefix.replace("/", "_") + p.field()));
        return new State(name, field, p.count());
    }

    /** The update statements for all parameters. */
    CodeBlock update(List<Trainable> params) {
        CodeBlock.Builder b = CodeBlock.builder();
        movingStatistics(b);
        b.addStatement("float lrT = learningRate");
        if (spec instanceof OptimizerSpec.Sgd sgd && sgd.decay() != 0) {
            b.add("// time-based decay: lr / (1 + decay * (step - 1)), so step 1 uses lr itself\n");
            b.addStatement("lrT = (float) (lrT / (1.0 + $L * (step - 1)))", sgd.decay());
        }
        spec.policy().stepDecay().ifPresent(s -> {
            b.add("// step decay: times gamma every step_size steps\n");
            b.addStatement("lrT = (float) (lrT * Math.pow($L, (step - 1) / $L))", s.gamma(), s.stepSize());
        });
        switch (spec) {
            case OptimizerSpec.Sgd sgd -> {
                if (sgd.momentum() != 0) b.addStatement("final float mu = $L", d.floatLiteral(sgd.momentum()));
                b.addStatement("final float stepRate = lrT");
                for (Trainable p : params) sgd(b, sgd, p);
            }
            case OptimizerSpec.Adam adam -> {
                b.add("// bias correction folded into the step size\n");
                b.addStatement("lrT = (float) (lrT * Math.sqrt(1.0 - Math.pow($L, step)) / (1.0 - Math.pow($L, step)))",
                        adam.beta2(), adam.beta1());
                b.addStatement("final float stepRate = lrT");
                for (Trainable p : params) adam(b, adam, p);
            }
            case OptimizerSpec.RmsProp rms -> {
                b.addStatement("final float stepRate = lrT");
                for (Trainable p : params) rmsProp(b, rms, p);
            }
            case OptimizerSpec.Adadelta ada -> {
                b.addStatement("final float stepRate = lrT");
                for (Trainable p : params) adadelta(b, ada, p);
            }
        }
        return b.build();
    }

    /** Copies each parameter update (batch norm's moving mean and variance) into its parameter. */
    private void movingStatistics(CodeBlock.Builder b) {
        Graph g = buffers.graph();
        for (var e : g.parameterUpdates().entrySet()) {
            Node param = g.node(e.getKey());
            String name = ((Op.Parameter) param.op()).name();
            if (!buffers.hasField(e.getValue())) continue;
            b.add("// moving statistic $L, computed by the last forward(true)\n", name);
            b.addStatement("System.arraycopy(this.$L, 0, this.$L, 0, $L)", buffers.field(e.getValue()), buffers.field(param.id()),
                    SizeExpr.count(param.type().shape()));
        }
    }

    /** The rate of one parameter: lrT, times its group's factor when it is in a group with another rate. */
    private String rate(Trainable p) {
        double factor = spec.policy().rateFactor(p.name(), spec.learningRate());
        return factor == 1 ? "stepRate" : "(stepRate * " + d.floatLiteral(factor) + ")";
    }

    private void sgd(CodeBlock.Builder b, OptimizerSpec.Sgd sgd, Trainable p) {
        String lr = rate(p);
        b.add("// $L\n", p.name());
        beginLoop(b, p.count());
        if (sgd.momentum() == 0) {
            b.addStatement("this.$L[i] -= $L * this.$L[i]", p.field(), lr, p.gradField());
        } else {
            String vel = states(p).getFirst().field();
            b.addStatement("float g = this.$L[i]", p.gradField());
            b.addStatement("float v = mu * this.$L[i] - $L * g", vel, lr);
            b.addStatement("this.$L[i] = v", vel);
            if (sgd.nesterov()) b.addStatement("this.$L[i] += mu * v - $L * g", p.field(), lr);
            else b.addStatement("this.$L[i] += v", p.field());
        }
        endLoop(b, p.count());
    }

    private void adam(CodeBlock.Builder b, OptimizerSpec.Adam adam, Trainable p) {
        List<State> s = states(p);
        String m = s.get(0).field(), v = s.get(1).field();
        b.add("// $L\n", p.name());
        beginLoop(b, p.count());
        b.addStatement("float g = this.$L[i]", p.gradField());
        b.addStatement("float mi = $L * this.$L[i] + $L * g", d.floatLiteral(adam.beta1()), m, d.floatLiteral(1 - adam.beta1()));
        b.addStatement("float vi = $L * this.$L[i] + $L * g * g", d.floatLiteral(adam.beta2()), v, d.floatLiteral(1 - adam.beta2()));
        b.addStatement("this.$L[i] = mi", m);
        b.addStatement("this.$L[i] = vi", v);
        b.addStatement("this.$L[i] -= $L * mi / ((float) Math.sqrt(vi) + $L)", p.field(), rate(p), d.floatLiteral(adam.epsilon()));
        endLoop(b, p.count());
    }

    private void rmsProp(CodeBlock.Builder b, OptimizerSpec.RmsProp rms, Trainable p) {
        String v = states(p).getFirst().field();
        b.add("// $L\n", p.name());
        beginLoop(b, p.count());
        b.addStatement("float g = this.$L[i]", p.gradField());
        b.addStatement("float vi = $L * this.$L[i] + $L * g * g", d.floatLiteral(rms.rho()), v, d.floatLiteral(1 - rms.rho()));
        b.addStatement("this.$L[i] = vi", v);
        b.addStatement("this.$L[i] -= $L * g / ((float) Math.sqrt(vi) + $L)", p.field(), rate(p), d.floatLiteral(rms.epsilon()));
        endLoop(b, p.count());
    }

    private void adadelta(CodeBlock.Builder b, OptimizerSpec.Adadelta ada, Trainable p) {
        List<State> s = states(p);
        String accGrad = s.get(0).field(), accDelta = s.get(1).field();
        String rho = d.floatLiteral(ada.rho()), rest = d.floatLiteral(1 - ada.rho()), eps = d.floatLiteral(ada.epsilon());
        b.add("// $L\n", p.name());
        beginLoop(b, p.count());
        b.addStatement("float g = this.$L[i]", p.gradField());
        b.addStatement("float vi = $L * this.$L[i] + $L * g * g", rho, accGrad, rest);
        b.addStatement("this.$L[i] = vi", accGrad);
        b.addStatement("float scale = (float) Math.sqrt(this.$L[i] + $L) / (float) Math.sqrt(vi + $L) * g", accDelta, eps, eps);
        b.addStatement("this.$L[i] = $L * this.$L[i] + $L * scale * scale", accDelta, rho, accDelta, rest);
        b.addStatement("this.$L[i] -= $L * scale", p.field(), rate(p));
        endLoop(b, p.count());
    }

    /**
     * Opens the loop over one parameter's elements; a large parameter is split over all cores (its
     * elements are independent, so the split never changes the result).
     */
    private static void beginLoop(CodeBlock.Builder b, long count) {
        if (count >= PARALLEL_MIN) {
            b.add("$T.forChunks($L, (from, to) -> {\n$>", LibraryCalls.PARALLEL, count);
            b.beginControlFlow("for (int i = from; i < to; i++)");
        } else {
            b.beginControlFlow("for (int i = 0; i < $L; i++)", count);
        }
    }

    private static void endLoop(CodeBlock.Builder b, long count) {
        b.endControlFlow();
        if (count >= PARALLEL_MIN) b.add("$<});\n");
    }

    /** Parameters at least this large are updated by all cores. */
    private static final long PARALLEL_MIN = 1 << 15;
}
