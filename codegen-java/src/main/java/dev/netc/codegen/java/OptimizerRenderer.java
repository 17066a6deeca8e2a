package dev.netc.codegen.java;

import com.palantir.javapoet.CodeBlock;
import dev.netc.codegen.core.SizeExpr;
import dev.netc.codegen.core.loop.Buf;
import dev.netc.codegen.core.loop.OptimizerLowering;
import dev.netc.codegen.core.loop.Stmt;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.train.OptimizerSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code update(learningRate, step)}, printed from the shared {@link OptimizerLowering}:
 * the step size, then one pass per trainable parameter. Before the parameters move, the new moving
 * statistics computed by the training forward pass are copied into their non-trainable parameters.
 */
final class OptimizerRenderer {
    private final OptimizerLowering lowering;
    /**
     * Parameters per parallel pass. Each adds about 400 bytes of bytecode to the pass's method, and
     * HotSpot never compiles a method over 8,000 bytes (HugeMethodLimit): twelve stay well under.
     */
    static final int PASS_GROUP = 12;

    /** A trainable parameter: its IR name, field, gradient field and element count. */
    record Trainable(String name, String field, String gradField, long count) {}

    /** A state buffer: its public name ("adam_m/dense/kernel"), field and element count. */
    record State(String name, String field, long count) {}

    private final Buffers buffers;
    private final Map<String, String> stateFields = new HashMap<>();

    OptimizerRenderer(OptimizerSpec spec, Buffers buffers) {
        this.lowering = new OptimizerLowering(spec);
        this.buffers = buffers;
    }

    /** The state buffers of one parameter, in a fixed order. */
    List<State> states(Trainable p) {
        List<State> out = new ArrayList<>();
        for (String name : lowering.stateNames(p.name())) {
            String field = stateFields.computeIfAbsent(name, k -> buffers.newField(name.substring(0, name.indexOf('/') + 1)
                    .replace("/", "_") + p.field()));
            out.add(new State(name, field, p.count()));
        }
        return out;
    }

    /**
     * The update statements for all parameters: the step size, then one parallel pass over the elements
     * of every {@link #PASS_GROUP} parameters (one fork over all cores, not one per parameter), each
     * pass's chunk a method in {@code loops}.
     */
    CodeBlock update(List<Trainable> params, LoopMethods loops) {
        return update(params, loops, true);
    }

    /**
     * {@link #update(List, LoopMethods)}, without the step size when {@code stepSize} is false: {@link #stepSize} has
     * set the field the passes read already.
     */
    CodeBlock update(List<Trainable> params, LoopMethods loops, boolean stepSize) {
        List<Stmt> body = new ArrayList<>(movingStatistics());
        if (stepSize) body.addAll(lowering.stepSize());
        List<Stmt.Loop> passes = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (Trainable p : params) {
            List<Buf> states = states(p).stream().map(s -> new Buf(s.field(), false)).toList();
            passes.add((Stmt.Loop) lowering.update(new OptimizerLowering.Trainable(p.name(), new Buf(p.field(), false),
                    new Buf(p.gradField(), false), p.count()), states));
            labels.add(p.name());
        }
        // the step size the passes read is a field: their chunks are methods of their own
        StringBuilder code = new StringBuilder(new JavaLoopPrinter(loops).inFields(JavaLoopPrinter.freeVariables(passes)).print(body, 0));
        for (int first = 0; first < passes.size(); first += PASS_GROUP) {
            int end = Math.min(passes.size(), first + PASS_GROUP);
            code.append(new JavaLoopPrinter(loops).printFused(passes.subList(first, end), labels.subList(first, end), 0));
        }
        return CodeBlock.of("$L", code.toString());
    }

    /**
     * The step size alone, into the field {@code stepRate} (which loops and row sinks read), in a block of its own: a
     * method that also prints {@link #update} declares the same locals again.
     */
    CodeBlock stepSize(LoopMethods loops) {
        String code = new JavaLoopPrinter(loops).inFields(java.util.Set.of("stepRate")).print(lowering.stepSize(), 1);
        return CodeBlock.of("{\n$L}\n", code);
    }

    /**
     * The method a product calls with each finished block of a parameter's gradient rows ({@code Gemm.RowBlockSink}):
     * the parameter's update over those elements, its gradient read from the block.
     *
     * @param columns    the gradient's row length
     * @param paramOut   the field the parameter's new values go to (its own, or the array swapped in after the product)
     */
    CodeBlock blockUpdate(Trainable p, int columns, String paramOut, LoopMethods loops) {
        List<Buf> states = states(p).stream().map(s -> new Buf(s.field(), false)).toList();
        Stmt.Loop loop = lowering.blockUpdate(new OptimizerLowering.Trainable(p.name(), new Buf(p.field(), false),
                new Buf(p.gradField(), false), p.count()), new Buf(paramOut, false), states, new Buf("block", false), "blockBase");
        String chunk = JavaLoopPrinter.chunkBody(loops).print(List.of(loop), 0);
        return CodeBlock.builder()
                .addStatement("int from = firstRow * $L, to = (firstRow + rows) * $L, blockBase = from - offset", columns, columns)
                .add("$L", chunk).build();
    }

    /** Copies each moving statistic (batch norm's moving mean and variance) into its parameter. */
    private List<Stmt> movingStatistics() {
        Graph g = buffers.graph();
        List<Stmt> out = new ArrayList<>();
        for (var e : g.parameterUpdates().entrySet()) {
            Node param = g.node(e.getKey());
            String name = ((Op.Parameter) param.op()).name();
            if (!buffers.hasField(e.getValue())) continue;
            out.add(new Stmt.Comment("moving statistic " + name + ", computed by the last forward(true)"));
            out.add(OptimizerLowering.copy(buffers.buf(e.getValue()), buffers.buf(param.id()), SizeExpr.count(param.type().shape()).known()));
        }
        return out;
    }
}
