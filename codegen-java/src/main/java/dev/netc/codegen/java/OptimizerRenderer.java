package dev.netc.codegen.java;

import com.palantir.javapoet.CodeBlock;
import dev.netc.ir.train.OptimizerSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of {@code update(learningRate, step)}: one loop per trainable parameter, and the
 * optimizer state it keeps ("momentum/p" for momentum SGD, "adam_m/p" and "adam_v/p" for Adam).
 */
final class OptimizerRenderer {
    private final OptimizerSpec spec;
    private final JavaDialect d = JavaDialect.INSTANCE;

    /** A trainable parameter: its IR name, field, gradient field and element count. */
    record Trainable(String name, String field, String gradField, long count) {}

    /** A state buffer: its public name ("adam_m/dense/kernel"), field and element count. */
    record State(String name, String field, long count) {}

    private final Buffers buffers;
    private final java.util.Map<String, String> stateFields = new java.util.HashMap<>();

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
        switch (spec) {
            case OptimizerSpec.Sgd sgd -> {
                if (sgd.decay() != 0) {
                    b.add("// time-based decay: lr / (1 + decay * (step - 1)), so step 1 uses lr itself\n");
                    b.addStatement("final float lrT = (float) (learningRate / (1.0 + $L * (step - 1)))", sgd.decay());
                } else {
                    b.addStatement("final float lrT = learningRate");
                }
                if (sgd.momentum() != 0) b.addStatement("final float mu = $L", d.floatLiteral(sgd.momentum()));
                for (Trainable p : params) sgd(b, sgd, p);
            }
            case OptimizerSpec.Adam adam -> {
                b.add("// bias correction folded into the step size\n");
                b.addStatement("final float lrT = (float) (learningRate * Math.sqrt(1.0 - Math.pow($L, step)) / (1.0 - Math.pow($L, step)))",
                        adam.beta2(), adam.beta1());
                for (Trainable p : params) adam(b, adam, p);
            }
        }
        return b.build();
    }

    private void sgd(CodeBlock.Builder b, OptimizerSpec.Sgd sgd, Trainable p) {
        b.add("// $L\n", p.name());
        b.beginControlFlow("for (int i = 0; i < $L; i++)", p.count());
        if (sgd.momentum() == 0) {
            b.addStatement("$L[i] -= lrT * $L[i]", p.field(), p.gradField());
        } else {
            String vel = states(p).getFirst().field();
            b.addStatement("float g = $L[i]", p.gradField());
            b.addStatement("float v = mu * $L[i] - lrT * g", vel);
            b.addStatement("$L[i] = v", vel);
            if (sgd.nesterov()) b.addStatement("$L[i] += mu * v - lrT * g", p.field());
            else b.addStatement("$L[i] += v", p.field());
        }
        b.endControlFlow();
    }

    private void adam(CodeBlock.Builder b, OptimizerSpec.Adam adam, Trainable p) {
        List<State> s = states(p);
        String m = s.get(0).field(), v = s.get(1).field();
        b.add("// $L\n", p.name());
        b.beginControlFlow("for (int i = 0; i < $L; i++)", p.count());
        b.addStatement("float g = $L[i]", p.gradField());
        b.addStatement("float mi = $L * $L[i] + $L * g", d.floatLiteral(adam.beta1()), m, d.floatLiteral(1 - adam.beta1()));
        b.addStatement("float vi = $L * $L[i] + $L * g * g", d.floatLiteral(adam.beta2()), v, d.floatLiteral(1 - adam.beta2()));
        b.addStatement("$L[i] = mi", m);
        b.addStatement("$L[i] = vi", v);
        b.addStatement("$L[i] -= lrT * mi / ((float) Math.sqrt(vi) + $L)", p.field(), d.floatLiteral(adam.epsilon()));
        b.endControlFlow();
    }
}
