package dev.netc.codegen.java;

import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.netc.codegen.core.SizeExpr;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import dev.netc.ir.plan.Kernel;
import dev.netc.ir.plan.KernelPlan;
import dev.netc.ir.plan.UpdateFusion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.Modifier;

/**
 * {@code backwardAndUpdate(learningRate, step)} of a one-class model whose plan has products that update their
 * parameter as they go ({@link UpdateFusion}): the step size first, then the backward pass with each such product
 * handing its rows to its parameter's update ({@code Gemm.sgemmRowBlocks}), then the update of every other
 * parameter. backward() and update() stay as they are, every gradient stored.
 */
final class FusedUpdateMethods {
    private static final com.palantir.javapoet.ClassName ROW_SINK = LibraryCalls.GEMM.nestedClass("RowBlockSink");

    private final KernelPlan plan;
    private final Graph graph;
    private final Buffers buffers;
    private final OptimizerRenderer optimizer;
    private final Map<Kernel, OptimizerRenderer.Trainable> fused;

    private FusedUpdateMethods(KernelPlan plan, Buffers buffers, OptimizerRenderer optimizer, Map<Kernel, OptimizerRenderer.Trainable> fused) {
        this.plan = plan;
        this.graph = plan.graph();
        this.buffers = buffers;
        this.optimizer = optimizer;
        this.fused = fused;
    }

    /**
     * The products that update their parameter as they go, each with its parameter ({@link UpdateFusion}'s choice among
     * {@code trainables}), in plan order. Each such parameter is swapped with a second array after its product (see
     * {@link #addProduct}), so its field cannot be final.
     */
    static Map<Kernel, OptimizerRenderer.Trainable> choose(KernelPlan plan, Buffers buffers, List<OptimizerRenderer.Trainable> trainables) {
        Map<Kernel, OptimizerRenderer.Trainable> fused = new java.util.LinkedHashMap<>();
        UpdateFusion.choose(plan).forEach((kernel, parameter) -> trainables.stream()
                .filter(t -> t.field().equals(buffers.field(parameter))).findFirst().ifPresent(t -> fused.put(kernel, t)));
        return fused;
    }

    /**
     * Adds backwardAndUpdate and its methods to the class.
     *
     * @param fused        {@link #choose}'s products and parameters, at least one
     * @param trainables   the parameters update() moves
     * @param header       the method's signature and checks (update()'s, under this method's name)
     * @return the loops of the methods added (their locals become fields of the class)
     */
    static List<LoopMethods> addTo(TypeSpec.Builder type, KernelPlan plan, Buffers buffers, OptimizerRenderer optimizer,
                                   Map<Kernel, OptimizerRenderer.Trainable> fused, List<OptimizerRenderer.Trainable> trainables,
                                   MethodSpec.Builder header) {
        return new FusedUpdateMethods(plan, buffers, optimizer, fused).add(type, trainables, header);
    }

    private List<LoopMethods> add(TypeSpec.Builder type, List<OptimizerRenderer.Trainable> trainables, MethodSpec.Builder header) {
        List<LoopMethods> loops = new ArrayList<>();
        LoopMethods stepLoops = new LoopMethods("backwardAndUpdate", "backwardAndUpdate()");
        loops.add(stepLoops);
        List<KernelTiming.Call> calls = new ArrayList<>();
        List<Kernel> kernels = plan.kernels();
        for (int k = 0; k < kernels.size(); k++) {
            Kernel kernel = kernels.get(k);
            if (kernel.phase() != Kernel.Phase.BACKWARD || plan.isAlias(kernel)) continue;
            OptimizerRenderer.Trainable p = fused.get(kernel);
            if (p == null) {
                calls.add(new KernelTiming.Call(k, kernel.name()));
                continue;
            }
            String prefix = LoopMethods.prefix(kernel.name());
            LoopMethods sinkLoops = new LoopMethods(prefix + "Update", prefix + "UpdateRows()");
            loops.add(sinkLoops);
            addProduct(type, kernel, p, prefix, sinkLoops);
            calls.add(new KernelTiming.Call(k, kernel.name() + "_updating"));
        }
        List<OptimizerRenderer.Trainable> rest = trainables.stream().filter(t -> !fused.containsValue(t)).toList();
        LoopMethods restLoops = new LoopMethods("updateRest", "backwardAndUpdate()");
        loops.add(restLoops);
        CodeBlock restUpdate = optimizer.update(rest, restLoops, false); // the step size is set before the backward pass
        MethodSpec.Builder m = header;
        m.addJavadoc("backward() then update(), the same result; the gradient of $L goes to the optimizer block by block as\n"
                + "its product computes it, never stored.\n", String.join(", ", fused.values().stream().map(OptimizerRenderer.Trainable::name).toList()));
        m.addCode(optimizer.stepSize(stepLoops));
        m.addCode(KernelTiming.calls(calls));
        m.addCode("{\n$>$L$<}\n", KernelTiming.update(restUpdate));
        type.addMethod(m.build());
        restLoops.addTo(type);
        CodeBlock.Builder names = CodeBlock.builder().add("return $T.of(", java.util.Set.class);
        boolean first = true;
        for (OptimizerRenderer.Trainable p : fused.values()) {
            names.add(first ? "$S" : ", $S", p.name());
            first = false;
        }
        type.addMethod(MethodSpec.methodBuilder("updatedInBackward").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(com.palantir.javapoet.ParameterizedTypeName.get(java.util.Set.class, String.class))
                .addStatement(names.add(")").build()).build());
        return loops;
    }

    /**
     * The product's updating variant, the sink field, the sink method and the parameter's second array.
     *
     * <p>The sink writes the parameter's new values into the second array, which the product's method then swaps
     * with the parameter's. Updated in place, every store would hit a line that the forward and backward-data
     * products have just read on one core or the other, and a store to a line another core holds waits for that copy
     * to be invalidated. Where the cores are far apart (the 2-vCPU Zen 4 VM, in phases: its two vCPUs on distant
     * cores, as far as the measurements tell) that wait was most of the update. The 3136 x 1024 layer's product
     * with Adam took 7-10 ms instead of 2.7, and 2.7-2.9 writing to a second array, which no core has read since
     * the step before. In the other phases, the second array costs a read of its lines: 0.1-0.2 ms there.
     */
    private void addProduct(TypeSpec.Builder type, Kernel kernel, OptimizerRenderer.Trainable p, String prefix, LoopMethods sinkLoops) {
        Node product = graph.node(kernel.head());
        Op.MatMul mm = (Op.MatMul) product.op();
        Shape a = graph.node(product.input(0)).type().shape(), y = product.type().shape();
        String sinkMethod = prefix + "UpdateRows", sinkField = sinkMethod + "$sink", next = p.field() + "$next";
        type.addField(FieldSpec.builder(JavaCodegen.FLOATS, next, Modifier.PRIVATE)
                .addJavadoc("Where $L's update writes its new values; swapped with $L after each product ($L).\n", p.name(),
                        p.field(), kernel.name() + "_updating")
                .initializer("new float[$L]", p.count()).build());
        type.addMethod(MethodSpec.methodBuilder(kernel.name() + "_updating").addModifiers(Modifier.PRIVATE)
                .addJavadoc("Kernel $L, its rows handed to the update of $L as they are computed ($L), which writes $L: then\n"
                        + "that array is the parameter's, and the old one the next update's.\n", kernel.name(), p.name(), sinkMethod, next)
                .addStatement("$T.sgemmRowBlocks($L, $L, $L, $L, $L, $L, 0, $L, 0, $L)", LibraryCalls.GEMM, mm.transposeA(),
                        mm.transposeB(), SizeExpr.of(y.dim(0)), SizeExpr.of(y.dim(1)), SizeExpr.of(a.dim(mm.transposeA() ? 0 : 1)),
                        buffers.field(product.input(0)), buffers.field(product.input(1)), sinkField)
                .addStatement("float[] updated = this.$L", next) // this.: a parameter may be named "updated"
                .addStatement("this.$L = this.$L", next, p.field())
                .addStatement("this.$L = updated", p.field()).build());
        type.addField(FieldSpec.builder(ROW_SINK, sinkField, Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("A bound method reference held in a field: a lambda capturing this is a new object per call.\n")
                .initializer("this::$L", sinkMethod).build());
        int columns = (int) SizeExpr.of(y.dim(1)).known();
        type.addMethod(MethodSpec.methodBuilder(sinkMethod).addModifiers(Modifier.PRIVATE)
                .addJavadoc("The update of $L over gradient rows [firstRow, firstRow + rows), read from block at offset.\n", p.name())
                .addParameter(TypeName.INT, "firstRow").addParameter(TypeName.INT, "rows")
                .addParameter(JavaCodegen.FLOATS, "block").addParameter(TypeName.INT, "offset")
                .addCode(optimizer.blockUpdate(p, columns, next, sinkLoops)).build());
        sinkLoops.addTo(type);
    }
}
