package dev.netc.codegen.java;

import dev.netc.codegen.core.SizeExpr;
import dev.netc.codegen.core.StorageSlots;
import dev.netc.api.GeneratedModel;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.netc.ir.DType;
import dev.netc.ir.Graph;
import dev.netc.ir.IrPrinter;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.plan.Compilation;
import dev.netc.ir.plan.BufferRole;
import dev.netc.ir.plan.Kernel;
import dev.netc.ir.plan.KernelPlan;
import dev.netc.ir.plan.MemoryPlan;
import dev.netc.ir.plan.MemoryPlanner;
import dev.netc.ir.train.OptimizerSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import javax.lang.model.element.Modifier;

/**
 * Renders a {@link KernelPlan} (and optionally an optimizer) as the Java source of a class that
 * implements {@link GeneratedModel}: one field per buffer, one method per kernel, and
 * {@code predict}/{@code forward}/{@code backward}/{@code update} calling them in order. A model
 * beyond {@link CodeLimits}' one-class limits is split instead ({@link SplitLayout}): buffers in
 * arrays, kernels in nested classes, long statement lists in chained methods, so that every method
 * and class stays within the JVM's limits and compile time grows linearly with the model.
 */
public final class JavaCodegen {
    static final TypeName FLOATS = ArrayTypeName.of(TypeName.FLOAT);
    static final TypeName INTS = ArrayTypeName.of(TypeName.INT);
    static final TypeName BYTES = ArrayTypeName.of(TypeName.BYTE);

    final KernelPlan plan;
    final Graph graph;
    final Buffers buffers;
    final KernelRenderer kernels;
    final OptimizerSpec optimizer;
    final StorageSlots storage;
    final CodeLimits limits;
    /** Whether products may update their parameters as they go ({@link UpdateFusion}): not in the unfused baseline. */
    final boolean fuseUpdates;

    private JavaCodegen(KernelPlan plan, OptimizerSpec optimizer, MemoryPlan memory, CodeLimits limits, boolean fuseUpdates) {
        this.plan = plan;
        this.graph = plan.graph();
        this.buffers = new Buffers(plan);
        this.kernels = new KernelRenderer(plan, buffers);
        this.optimizer = optimizer;
        this.storage = new StorageSlots(plan, memory);
        this.limits = limits;
        this.fuseUpdates = fuseUpdates;
    }

    /**
     * A whole compilation unit from the compile pipeline's result: its kernel plan, optimizer (null:
     * inference only, update() throws) and memory plan (which buffers share an array).
     */
    public static String generate(Compilation compilation, String packageName, String className) {
        return new JavaCodegen(compilation.plan(), compilation.optimizer(), compilation.memory(), CodeLimits.DEFAULT, compilation.fused())
                .file(packageName, className).toString();
    }

    /**
     * A whole compilation unit from a bare kernel plan (codegen unit tests); the memory plan is made
     * here at a representative batch. Backends use {@link #generate(Compilation, String, String)}.
     *
     * @param optimizer the update rule, or null for an inference-only model whose update() throws
     */
    public static String generate(KernelPlan plan, OptimizerSpec optimizer, String packageName, String className) {
        return generate(plan, optimizer, packageName, className, CodeLimits.DEFAULT);
    }

    /** {@link #generate(KernelPlan, OptimizerSpec, String, String)} under other limits (tests split small models). */
    static String generate(KernelPlan plan, OptimizerSpec optimizer, String packageName, String className, CodeLimits limits) {
        return new JavaCodegen(plan, optimizer, MemoryPlanner.plan(plan, StorageSlots.PLANNING_BATCH), limits, true)
                .file(packageName, className).toString();
    }

    private JavaFile file(String packageName, String className) {
        List<OptimizerRenderer.Trainable> trainables = trainables();
        OptimizerRenderer opt = optimizer == null ? null : new OptimizerRenderer(optimizer, buffers);
        List<Kernel> coded = plan.kernels().stream().filter(k -> !kernels.isAlias(k)).toList();
        List<MethodSpec> methods = new ArrayList<>(coded.size());
        List<String> texts = new ArrayList<>(coded.size());
        List<LoopMethods> loops = new ArrayList<>(coded.size());
        long chars = 0;
        for (Kernel k : coded) {
            loops.add(new LoopMethods(LoopMethods.prefix(k.name()), k.name()));
            MethodSpec m = kernels.render(k, loops.getLast());
            methods.add(m);
            texts.add(m.code().toString());
            chars += texts.getLast().length() + loops.getLast().chars();
        }
        int states = opt == null ? 0 : trainables.stream().mapToInt(p -> opt.states(p).size()).sum();
        int bufferCount = states;
        for (Node n : graph.nodes()) if (buffers.hasField(n.id())) bufferCount++;
        CodeBlock update = null;
        LoopMethods updateLoops = new LoopMethods("update", "update()");
        if (limits.fitsOneClass(coded.size(), bufferCount, chars)) {
            update = opt == null ? null : opt.update(trainables, updateLoops);
            if (update != null) chars += update.toString().length() + updateLoops.chars();
        }
        TypeSpec.Builder type = limits.fitsOneClass(coded.size(), bufferCount, chars)
                ? oneClass(className, trainables, opt, methods, loops, update, updateLoops)
                : new SplitLayout(this, packageName, className, trainables, opt, coded, methods, texts, loops).type();
        if (graph.nodes().stream().anyMatch(n -> n.op() instanceof Op.DropoutMask)) DropoutHelpers.add(type);
        return JavaFile.builder(packageName, type.build()).skipJavaLangImports(true).indent("    ")
                // the names vector loops use unqualified (see VectorExprPrinter)
                .addStaticImport(ClassName.get(LibraryCalls.KERNELS, "Vectors"), "SPECIES", "LANES", "runs")
                .addStaticImport(LibraryCalls.PARALLEL, "forChunks")
                .addStaticImport(DropoutHelpers.DROPOUT_HASH, "keepFactor", "keepFactors")
                .addStaticImport(ClassName.get(LibraryCalls.KERNELS, "SpecialFunctions"), "erf")
                .addStaticImport(ClassName.get("jdk.incubator.vector", "FloatVector"), "broadcast", "fromArray", "zero")
                .addStaticImport(ClassName.get(LibraryCalls.KERNELS, "VectorMath"), "exp", "log", "tanh")
                .addStaticImport(ClassName.get("jdk.incubator.vector", "VectorOperators"), "GT", "GE", "LT", "LE", "EQ", "NE")
                .build();
    }

    /** The whole model as one class: a field per buffer, every method in it (each kernel's loops after it). */
    private TypeSpec.Builder oneClass(String className, List<OptimizerRenderer.Trainable> trainables, OptimizerRenderer opt,
                                      List<MethodSpec> kernelMethods, List<LoopMethods> kernelLoops, CodeBlock updateCode,
                                      LoopMethods updateLoops) {
        TypeSpec.Builder type = TypeSpec.classBuilder(className)
                .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
                .addSuperinterface(GeneratedModel.class)
                .addJavadoc("Generated by netc from a graph of $L nodes in $L kernels. Do not edit: regenerate.\n",
                        graph.size(), plan.kernels().size());
        addScalarFields(type);
        Map<Kernel, OptimizerRenderer.Trainable> updatedInProducts = opt != null && fuseUpdates
                ? FusedUpdateMethods.choose(plan, buffers, trainables) : Map.of();
        java.util.Set<String> swapped = new java.util.HashSet<>();
        updatedInProducts.values().forEach(t -> swapped.add(t.field()));
        addBufferFields(type, swapped);
        List<LoopMethods> allLoops = new ArrayList<>(kernelLoops);
        allLoops.add(updateLoops);
        if (!updatedInProducts.isEmpty()) // else the interface's default backwardAndUpdate, backward() then update(), serves
            allLoops.addAll(FusedUpdateMethods.addTo(type, plan, buffers, opt, updatedInProducts, trainables, updateHeader("backwardAndUpdate")));
        LoopMethods.addLocalFields(type, allLoops);

        MethodSpec.Builder ctor = MethodSpec.constructorBuilder().addModifiers(Modifier.PUBLIC);
        ctor.addStatement("$T<String, float[]> state = new $T<>()", Map.class, LinkedHashMap.class);
        if (opt != null) {
            for (var p : trainables) {
                for (var s : opt.states(p)) {
                    type.addField(FieldSpec.builder(FLOATS, s.field(), Modifier.PRIVATE, Modifier.FINAL)
                            .addJavadoc("Optimizer state $S.\n", s.name())
                            .initializer("new float[$L]", s.count()).build());
                    ctor.addStatement("state.put($S, $L)", s.name(), s.field());
                }
            }
        }
        ctor.addStatement("optimizerState = $T.unmodifiableMap(state)", Collections.class);
        type.addField(FieldSpec.builder(STATE_MAP, "optimizerState", Modifier.PRIVATE, Modifier.FINAL).build());
        type.addMethod(ctor.build());

        type.addMethod(setBatchHeader().addCode(CodeBlock.join(allocation(f -> f, false), "")).build());
        type.addMethod(batchGetter());
        type.addMethod(bufferLookup("floatBuffer", FLOATS, DType.F32, "f32"));
        type.addMethod(bufferLookup("intBuffer", INTS, DType.I32, "i32"));
        Map<Kernel, Integer> indexInPlan = new java.util.IdentityHashMap<>();
        for (int i = 0; i < plan.kernels().size(); i++) indexInPlan.put(plan.kernels().get(i), i);
        for (Pass pass : Pass.values()) {
            MethodSpec.Builder m = passHeader(pass);
            List<KernelTiming.Call> calls = new ArrayList<>();
            for (Kernel.Phase phase : pass.phases) {
                for (Kernel k : plan.kernels(phase)) {
                    if (kernels.isAlias(k)) m.addCode(aliasComment(k));
                    else calls.add(new KernelTiming.Call(indexInPlan.get(k), k.name()));
                }
            }
            type.addMethod(m.addCode(KernelTiming.calls(calls)).build());
        }
        type.addField(KernelTiming.field());
        type.addMethod(KernelTiming.setter());
        type.addMethod(update(opt, updateCode == null ? null : KernelTiming.update(updateCode)));
        updateLoops.addTo(type);
        type.addMethod(setSeed());
        type.addMethod(freezeParameters());
        type.addMethod(optimizerStateGetter());
        type.addMethod(requireBatch());
        for (int i = 0; i < kernelMethods.size(); i++) {
            type.addMethod(kernelMethods.get(i));
            kernelLoops.get(i).addTo(type);
        }
        return type;
    }

    static final TypeName STATE_MAP = ParameterizedTypeName.get(ClassName.get(Map.class), ClassName.get(String.class), FLOATS);

    /** The flag predict() sets: no backward pass reads what this pass computes. */
    static final String INFERENCE_FIELD = "inference";

    /** The model's scalars: the bound batch, the dropout seed and pass counter, the training flag. */
    static void addScalarFields(TypeSpec.Builder type) {
        type.addField(FieldSpec.builder(TypeName.INT, "batch", Modifier.PRIVATE).build());
        type.addField(FieldSpec.builder(TypeName.LONG, "seed", Modifier.PRIVATE).build());
        type.addField(FieldSpec.builder(TypeName.LONG, "dropoutCounter", Modifier.PRIVATE)
                .addJavadoc("Counts training forward passes, so each draws a fresh dropout mask.\n").build());
        type.addField(FieldSpec.builder(TypeName.BOOLEAN, "training", Modifier.PRIVATE).build());
        type.addField(FieldSpec.builder(TypeName.BOOLEAN, INFERENCE_FIELD, Modifier.PRIVATE)
                .addJavadoc("True while predict() runs: kernels skip what only a backward pass reads (a pooling argmax).\n").build());
        type.addField(FieldSpec.builder(LibraryCalls.PACKED_OPERANDS, LibraryCalls.PACKED_OPERANDS_FIELD, Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("Weights packed for the GEMM while the parameters are frozen (inference); empty otherwise.\n")
                .initializer("new $T()", LibraryCalls.PACKED_OPERANDS).build());
    }

    static MethodSpec freezeParameters() {
        return MethodSpec.methodBuilder("freezeParameters").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .addParameter(TypeName.BOOLEAN, "frozen").addStatement("$L.enable(frozen)", LibraryCalls.PACKED_OPERANDS_FIELD).build();
    }

    static MethodSpec batchGetter() {
        return MethodSpec.methodBuilder("batch").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(TypeName.INT).addStatement("return batch").build();
    }

    static MethodSpec setSeed() {
        return MethodSpec.methodBuilder("setSeed").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .addParameter(TypeName.LONG, "seed").addStatement("this.seed = seed").addStatement("this.dropoutCounter = 0").build();
    }

    static MethodSpec optimizerStateGetter() {
        return MethodSpec.methodBuilder("optimizerState").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(STATE_MAP).addStatement("return optimizerState").build();
    }

    static MethodSpec requireBatch() {
        return MethodSpec.methodBuilder("requireBatch").addModifiers(Modifier.PRIVATE)
                .beginControlFlow("if (batch == 0)")
                .addStatement("throw new $T($S)", IllegalStateException.class, "call setBatch(batch) before running the model")
                .endControlFlow().build();
    }

    /** The passes of {@link GeneratedModel} that run kernels, and the phases each runs. */
    enum Pass {
        PREDICT("predict", "Inference: dropout off, no loss.", Kernel.Phase.PREDICT),
        FORWARD("forward", "Model outputs and the loss.", Kernel.Phase.PREDICT, Kernel.Phase.LOSS),
        BACKWARD("backward", "Every gradient output; run after forward(true).", Kernel.Phase.BACKWARD);

        final String method;
        final String doc;
        final List<Kernel.Phase> phases;

        Pass(String method, String doc, Kernel.Phase... phases) {
            this.method = method;
            this.doc = doc;
            this.phases = List.of(phases);
        }
    }

    /** A pass method up to its kernel calls: the batch check and the training flag. */
    static MethodSpec.Builder passHeader(Pass pass) {
        MethodSpec.Builder m = MethodSpec.methodBuilder(pass.method).addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .addJavadoc("$L\n", pass.doc);
        if (pass != Pass.BACKWARD) m.addStatement("requireBatch()");
        if (pass == Pass.FORWARD) {
            m.addParameter(TypeName.BOOLEAN, "training");
            m.addStatement("this.training = training");
            m.addStatement("this.$L = false", INFERENCE_FIELD);
            m.beginControlFlow("if (training)").addStatement("dropoutCounter++").endControlFlow();
        } else if (pass == Pass.PREDICT) {
            m.addStatement("this.training = false");
            m.addStatement("this.$L = true", INFERENCE_FIELD);
        }
        return m;
    }

    /** The comment standing for a lone reshape's kernel, which is no code: its buffer is its operand's. */
    CodeBlock aliasComment(Kernel k) {
        return CodeBlock.builder().add("// $L: $L aliases $L\n", k.name(), buffers.field(k.root()),
                buffers.field(graph.node(k.root()).input(0))).build();
    }

    /** A field per buffer; a parameter's is final unless it is in {@code swapped} (its array changes with each update). */
    private void addBufferFields(TypeSpec.Builder type, java.util.Set<String> swapped) {
        for (Node n : graph.nodes()) {
            if (!buffers.hasField(n.id())) continue;
            TypeName t = n.type().dtype() == DType.I32 ? INTS : n.type().dtype() == DType.U8 ? BYTES : FLOATS;
            FieldSpec.Builder f = FieldSpec.builder(t, buffers.field(n.id()), Modifier.PRIVATE)
                    .addJavadoc("$L ($L)\n", IrPrinter.line(n).replace("<", "&lt;").replace(">", "&gt;"),
                            buffers.role(n.id()).name().toLowerCase());
            if (buffers.role(n.id()) == BufferRole.PARAMETER) {
                if (!n.type().shape().isFullyKnown())
                    throw new IllegalArgumentException("parameter " + n.label() + " has a symbolic shape " + n.type().shape());
                if (!swapped.contains(buffers.field(n.id()))) f.addModifiers(Modifier.FINAL);
                f.initializer("new $L[$L]", buffers.elementType(n.id()), SizeExpr.count(n.type().shape()));
            }
            type.addField(f.build());
        }
    }

    /** setBatch(batch) up to the allocations: the checks and the new batch. */
    MethodSpec.Builder setBatchHeader() {
        return MethodSpec.methodBuilder("setBatch").addAnnotation(Override.class)
                .addModifiers(Modifier.PUBLIC).addParameter(TypeName.INT, "batch")
                .beginControlFlow("if (batch <= 0)")
                .addStatement("throw new $T($S + batch)", IllegalArgumentException.class, "batch size must be positive, got ")
                .endControlFlow()
                .beginControlFlow("if (batch == this.batch)").addStatement("return").endControlFlow()
                .addStatement("this.batch = batch");
    }

    /**
     * The per-batch allocations, one code block per buffer in graph order: inputs, computed values
     * (slot members after the first take its array), constants, reshapes (their operand's array).
     *
     * @param ref   a buffer's field name -> the expression naming its array in the generated code
     * @param named whether each allocation ends in a comment naming its buffer (when ref does not)
     */
    List<CodeBlock> allocation(UnaryOperator<String> ref, boolean named) {
        List<CodeBlock> out = new ArrayList<>();
        Map<Integer, String> slotHolders = new java.util.HashMap<>();
        for (Node n : graph.nodes()) {
            if (!buffers.hasField(n.id())) continue;
            String field = buffers.field(n.id()), f = ref.apply(field);
            CodeBlock.Builder m = CodeBlock.builder();
            switch (buffers.role(n.id())) {
                case INPUT -> m.addStatement("$L = new $L[$L]", f, buffers.elementType(n.id()), SizeExpr.count(n.type().shape()));
                case COMPUTED -> {
                    List<Integer> members = storage.sharing(n.id());
                    String holder = members.isEmpty() ? null : slotHolders.get(storage.slot(n.id()));
                    if (members.isEmpty()) {
                        m.addStatement("$L = new $L[$L]", f, buffers.elementType(n.id()), SizeExpr.count(n.type().shape()));
                    } else if (holder == null) {
                        slotHolders.put(storage.slot(n.id()), field);
                        m.addStatement("$L = new $L[$L]", f, buffers.elementType(n.id()), storage.size(members, JavaDialect.INSTANCE));
                    } else {
                        m.add("// $L: the same array as $L (the memory planner found their lifetimes disjoint)\n", field, holder)
                                .addStatement("$L = $L", f, ref.apply(holder));
                    }
                }
                case CONSTANT -> {
                    m.addStatement("$L = new $L[$L]", f, buffers.elementType(n.id()), SizeExpr.count(n.type().shape()));
                    double v = ((Op.Constant) n.op()).value();
                    m.addStatement("$T.fill($L, $L)", Arrays.class, f, n.type().dtype() == DType.I32
                            ? JavaDialect.INSTANCE.intLiteral((long) v) : JavaDialect.INSTANCE.floatLiteral(v));
                }
                case ALIAS -> m.add("// reshape: the same elements, no copy\n").addStatement("$L = $L", f, ref.apply(buffers.field(n.input(0))));
                case PARAMETER -> { }
            }
            if (m.isEmpty()) continue;
            CodeBlock unit = m.build();
            if (named) { // "x = new float[n];\n" -> "x = new float[n]; // name\n"
                String text = unit.toString();
                unit = CodeBlock.of("$L", text.substring(0, text.length() - 1) + " // " + field + "\n");
            }
            out.add(unit);
        }
        return out;
    }

    /** The names a caller reads buffers of one element type by -> their fields: inputs, parameters, then graph outputs. */
    Map<String, String> lookupCases(DType dtype) {
        Map<String, String> cases = new LinkedHashMap<>();
        for (Node n : graph.nodes()) {
            if (n.type().dtype() != dtype) continue;
            if (n.op() instanceof Op.Input in) cases.putIfAbsent(in.name(), buffers.field(n.id()));
            if (n.op() instanceof Op.Parameter p) cases.putIfAbsent(p.name(), buffers.field(n.id()));
        }
        for (var e : graph.outputs().entrySet())
            if (graph.node(e.getValue()).type().dtype() == dtype) cases.putIfAbsent(e.getKey(), buffers.field(e.getValue()));
        return cases;
    }

    /** The known names for an unknown-buffer message: all of them, or the first few of a long list (a string constant holds 64 KiB). */
    static String known(java.util.Collection<String> names) {
        if (names.isEmpty()) return "(none)";
        String all = String.join(", ", names);
        if (all.length() <= 2000) return all;
        StringBuilder sb = new StringBuilder();
        for (String name : names) {
            if (sb.length() + name.length() > 1000) break;
            sb.append(name).append(", ");
        }
        return sb.append("... (").append(names.size()).append(" in all)").toString();
    }

    /** The name -> buffer switch for one element type: inputs, parameters, then graph outputs. */
    private MethodSpec bufferLookup(String method, TypeName returns, DType dtype, String spelling) {
        Map<String, String> cases = lookupCases(dtype);
        CodeBlock.Builder b = CodeBlock.builder();
        String known = known(cases.keySet());
        if (cases.isEmpty()) {
            b.addStatement("throw new $T($S + name + $S)", IllegalArgumentException.class, "unknown " + spelling + " buffer '", "'; known: " + known);
        } else {
            b.add("return switch (name) {\n$>");
            for (var e : cases.entrySet()) b.add("case $S -> $L;\n", e.getKey(), e.getValue());
            b.add("default -> throw new $T($S + name + $S);\n", IllegalArgumentException.class, "unknown " + spelling + " buffer '", "'; known: " + known);
            b.add("$<};\n");
        }
        return MethodSpec.methodBuilder(method).addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(returns).addParameter(String.class, "name").addCode(b.build()).build();
    }

    private MethodSpec update(OptimizerRenderer opt, CodeBlock code) {
        MethodSpec.Builder m = updateHeader();
        if (opt == null) return m.build();
        return m.addCode(code).build();
    }

    /** update(learningRate, step): its signature and, for an inference-only model, its whole body. */
    MethodSpec.Builder updateHeader() {
        return updateHeader("update");
    }

    /** The signature and checks of update(learningRate, step), or of a method of the same parameters that updates too. */
    private MethodSpec.Builder updateHeader(String name) {
        MethodSpec.Builder m = MethodSpec.methodBuilder(name).addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .addParameter(TypeName.FLOAT, "learningRate").addParameter(TypeName.INT, "step");
        if (optimizer == null)
            return m.addStatement("throw new $T($S)", UnsupportedOperationException.class, "this model was compiled for inference only");
        return m.addJavadoc("$L\n", optimizer.toString())
                .beginControlFlow("if ($L.enabled())", LibraryCalls.PACKED_OPERANDS_FIELD)
                .addStatement("throw new $T($S)", IllegalStateException.class, "the parameters are frozen for inference: call freezeParameters(false) before update")
                .endControlFlow();
    }

    /** Trainable parameters with a gradient output, in graph order. */
    private List<OptimizerRenderer.Trainable> trainables() {
        List<OptimizerRenderer.Trainable> out = new ArrayList<>();
        Map<Integer, Integer> gradients = graph.gradients();
        for (Node n : graph.trainableParameters()) {
            String name = ((Op.Parameter) n.op()).name();
            Integer grad = gradients.get(n.id());
            if (grad == null || !buffers.hasField(grad)) continue;
            out.add(new OptimizerRenderer.Trainable(name, buffers.field(n.id()), buffers.field(grad), SizeExpr.count(n.type().shape()).known()));
        }
        return out;
    }
}
