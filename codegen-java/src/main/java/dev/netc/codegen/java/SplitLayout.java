package dev.netc.codegen.java;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.netc.api.GeneratedModel;
import dev.netc.codegen.core.SizeExpr;
import dev.netc.codegen.core.loop.Buf;
import dev.netc.codegen.core.loop.Expr;
import dev.netc.codegen.core.loop.OptimizerLowering;
import dev.netc.codegen.core.loop.Stmt;
import dev.netc.ir.DType;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.plan.BufferRole;
import dev.netc.ir.plan.Kernel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import javax.lang.model.element.Modifier;

/**
 * The layout of a model too large for one class ({@link CodeLimits}). Its buffers live in two arrays,
 * {@code floats} and {@code ints}, instead of thousands of fields; each kernel method starts by naming
 * the arrays it uses ({@code float[] dense_kernel = floats[1];}), so its body reads exactly as in a
 * one-class model. The kernels live in inner classes {@code Kernels0, Kernels1, ...} of at most
 * {@link CodeLimits#kernelsPerPart()} kernels, each with its share of {@code predict}, {@code loss}
 * and {@code backward}; allocation, the name lookups and the parameter allocation live in
 * {@code Storage0, ...}, the optimizer's per-parameter calls in {@code Updates0, ...}, each method
 * at most {@link CodeLimits#statementsPerMethod()} statements. The optimizer's loop is printed once
 * as a routine every parameter calls. The model's own methods only call the parts in order, so no
 * method or class grows with the model beyond those bounds, and javac's work grows linearly. Parallel
 * loops are methods of the class holding their kernel, shape or routine ({@link LoopMethods}); those of
 * a method with parameters read them from fields that the method sets.
 */
final class SplitLayout {
    private static final TypeName FLOAT_ARRAYS = com.palantir.javapoet.ArrayTypeName.of(JavaCodegen.FLOATS);
    private static final TypeName INT_ARRAYS = com.palantir.javapoet.ArrayTypeName.of(JavaCodegen.INTS);
    private static final TypeName BYTE_ARRAYS = com.palantir.javapoet.ArrayTypeName.of(JavaCodegen.BYTES);
    /** The routine that updates one parameter, and the one that copies a moving statistic. */
    private static final String STEP = "updateParameter", COPY = "copyStatistic";

    private final JavaCodegen c;
    private final String packageName, className;
    private final List<OptimizerRenderer.Trainable> trainables;
    private final OptimizerRenderer opt;
    private final List<Kernel> coded;
    private final List<MethodSpec> kernelMethods;
    /** The code of each kernel method as text. */
    private final List<String> kernelTexts;
    /** The parallel loops of each kernel. */
    private final List<LoopMethods> kernelLoops;
    /** The loop methods and fields of a kernel or shape method, by the method's name: they go into its class. */
    private final Map<String, Members> loopMembers = new HashMap<>();
    private final CodeLimits limits;
    /** Field name of every buffer (optimizer state included) -> its element of floats or ints. */
    private final Map<String, String> ref = new HashMap<>();
    private final Set<String> intBuffers = new java.util.HashSet<>();
    /** u8 buffers (max-pool window positions), in the {@code bytes} array. */
    private final Set<String> byteBuffers = new java.util.HashSet<>();
    private int floatCount, intCount, byteCount;
    private final String partSuffix;

    SplitLayout(JavaCodegen c, String packageName, String className, List<OptimizerRenderer.Trainable> trainables, OptimizerRenderer opt,
                List<Kernel> coded, List<MethodSpec> kernelMethods, List<String> kernelTexts, List<LoopMethods> kernelLoops) {
        this.c = c;
        this.packageName = packageName;
        this.className = className;
        this.trainables = trainables;
        this.opt = opt;
        this.coded = coded;
        this.kernelMethods = kernelMethods;
        this.kernelTexts = kernelTexts;
        this.kernelLoops = kernelLoops;
        this.limits = c.limits;
        // a nested class may not share the model class's name
        this.partSuffix = className.matches("(Kernels|Shapes|Storage|Updates)[0-9]+") ? "_" : "";
        for (Node n : c.graph.nodes()) {
            if (!c.buffers.hasField(n.id())) continue;
            String field = c.buffers.field(n.id());
            if (n.type().dtype() == DType.I32) {
                intBuffers.add(field);
                ref.put(field, "ints[" + intCount++ + "]");
            } else if (n.type().dtype() == DType.U8) {
                byteBuffers.add(field);
                ref.put(field, "bytes[" + byteCount++ + "]");
            } else {
                ref.put(field, "floats[" + floatCount++ + "]");
            }
        }
        if (opt != null)
            for (var p : trainables) for (var s : opt.states(p)) ref.put(s.field(), "floats[" + floatCount++ + "]");
    }

    TypeSpec.Builder type() {
        List<TypeSpec> kernelParts = kernelParts();
        List<TypeSpec> shapeParts = this.shapeParts;
        Storage storage = storage();
        List<TypeSpec> updateParts = updateParts();
        TypeSpec.Builder type = TypeSpec.classBuilder(className)
                .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
                .addSuperinterface(GeneratedModel.class)
                .addJavadoc("Generated by netc from a graph of $L nodes in $L kernels. Do not edit: regenerate.\n"
                                + "<p>Too large for one class, so split: the $L float and $L int buffers live in {@code floats} and\n"
                                + "{@code ints} (each kernel names those it uses in its first lines), the kernels in $L nested\n"
                                + "classes {@code Kernels0...} (code that kernels of one shape share in {@code Shapes0...}), allocation\n"
                                + "and name lookup in {@code Storage0...}, the optimizer's calls in {@code Updates0...}; the model's\n"
                                + "methods call the parts in order.\n",
                        c.graph.size(), c.plan.kernels().size(), floatCount, intCount, kernelParts.size());
        JavaCodegen.addScalarFields(type);
        LoopMethods.addLocalFields(type, kernelLoops);
        type.addField(FieldSpec.builder(FLOAT_ARRAYS, "floats", Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("Every float buffer, by index: inputs, parameters, computed values, optimizer state.\n")
                .initializer("new float[$L][]", floatCount).build());
        type.addField(FieldSpec.builder(INT_ARRAYS, "ints", Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("Every int buffer, by index.\n").initializer("new int[$L][]", intCount).build());
        type.addField(FieldSpec.builder(BYTE_ARRAYS, "bytes", Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("Every u8 buffer (max-pool window positions), by index.\n").initializer("new byte[$L][]", byteCount).build());
        type.addField(FieldSpec.builder(JavaCodegen.STATE_MAP, "optimizerState", Modifier.PRIVATE, Modifier.FINAL).build());
        for (List<TypeSpec> parts : List.of(kernelParts, shapeParts, storage.parts, updateParts)) {
            for (TypeSpec part : parts) {
                type.addField(FieldSpec.builder(ClassName.get(packageName, className, part.name()), field(part), Modifier.PRIVATE, Modifier.FINAL)
                        .initializer("new $L()", part.name()).build());
            }
        }

        MethodSpec.Builder ctor = MethodSpec.constructorBuilder().addModifiers(Modifier.PUBLIC)
                .addStatement("$T<String, float[]> state = new $T<>()", Map.class, LinkedHashMap.class);
        chain(type, ctor, "parameters", calls(storage.parts, "parameters", "state"), List.of(JavaCodegen.STATE_MAP), "state");
        ctor.addStatement("optimizerState = $T.unmodifiableMap(state)", Collections.class);
        type.addMethod(ctor.build());

        MethodSpec.Builder setBatch = c.setBatchHeader();
        chain(type, setBatch, "allocate", calls(storage.parts, "allocate"), List.of());
        type.addMethod(setBatch.build());
        type.addMethod(JavaCodegen.batchGetter());
        type.addMethod(lookup(type, "floatBuffer", JavaCodegen.FLOATS, DType.F32, "f32", storage.parts, "floatIndex", "floats"));
        type.addMethod(lookup(type, "intBuffer", JavaCodegen.INTS, DType.I32, "i32", storage.parts, "intIndex", "ints"));
        for (JavaCodegen.Pass pass : JavaCodegen.Pass.values()) {
            MethodSpec.Builder m = JavaCodegen.passHeader(pass);
            List<CodeBlock> calls = new ArrayList<>();
            for (Kernel.Phase phase : pass.phases) calls.addAll(calls(kernelParts, phaseMethod(phase)));
            chain(type, m, pass.method, calls, List.of());
            type.addMethod(m.build());
        }
        MethodSpec.Builder update = c.updateHeader();
        if (opt != null) {
            update.addCode("$L", new JavaLoopPrinter(new LoopMethods("update", "update()")).print(new OptimizerLowering(c.optimizer).stepSize(), 0));
            chain(type, update, "update", calls(updateParts, "update", "stepRate"), List.of(TypeName.FLOAT), "stepRate");
            addRoutines(type);
        }
        type.addMethod(update.build());
        type.addMethod(JavaCodegen.setSeed());
        type.addMethod(JavaCodegen.freezeParameters());
        type.addMethod(JavaCodegen.optimizerStateGetter());
        type.addMethod(JavaCodegen.requireBatch());
        for (List<TypeSpec> parts : List.of(kernelParts, shapeParts, storage.parts, updateParts)) type.addTypes(parts);
        return type;
    }

    // ---- kernels ----

    private static String phaseMethod(Kernel.Phase phase) {
        return switch (phase) {
            case PREDICT -> "predict";
            case LOSS -> "loss";
            case BACKWARD -> "backward";
        };
    }

    /**
     * The kernels in plan order, cut into inner classes by count and size; each runs its kernels of each
     * phase. Kernels whose code is the same up to the buffers they use (the layers of a deep stack) share
     * one method, a "shape" taking the buffers as arguments, in the inner classes {@code Shapes0, ...};
     * each such kernel is then one call.
     */
    private List<TypeSpec> kernelParts() {
        List<Canonical> forms = new ArrayList<>(coded.size());
        Map<String, Integer> uses = new HashMap<>();
        for (int i = 0; i < coded.size(); i++) {
            Canonical form = canonical(withLoops(i));
            forms.add(form);
            if (form != null) uses.merge(form.text(), 1, Integer::sum);
        }
        Map<String, Integer> shapeOf = new HashMap<>();   // canonical text -> index of its shape
        List<MethodSpec> shapes = new ArrayList<>();
        List<Long> shapeSizes = new ArrayList<>();
        for (int i = 0; i < coded.size(); i++) {
            Canonical form = forms.get(i);
            if (form == null || uses.get(form.text()) < 2 || shapeOf.containsKey(form.text())) continue;
            String name = "shape" + shapes.size();
            MethodSpec.Builder shape = MethodSpec.methodBuilder(name)
                    .addJavadoc("The code of $L and $L more kernels of the same shape, on the buffers each passes.\n",
                            coded.get(i).name(), uses.get(form.text()) - 1);
            List<ParameterSpec> params = new ArrayList<>();
            for (int k = 0; k < form.buffers().size(); k++)
                params.add(ParameterSpec.builder(intBuffers.contains(form.buffers().get(k)) ? JavaCodegen.INTS
                        : byteBuffers.contains(form.buffers().get(k)) ? JavaCodegen.BYTES : JavaCodegen.FLOATS, "b" + k).build());
            // the kernel's code, then its loops' bodies (see withLoops); the loops become the shape's own
            String[] parts = form.text().split(LOOP_MARK, -1);
            String code = parts[0];
            LoopMethods loops = new LoopMethods(name, name);
            for (int j = 1; j < parts.length; j++) {
                LoopMethods.Loop kernelLoop = kernelLoops.get(i).loops().get(j - 1);
                code = code.replace(LoopMethods.field("loop" + (j - 1)), loops.add(kernelLoop.from(), kernelLoop.to(), parts[j]));
            }
            Members members = withParameters(name, params, loops);
            loopMembers.put(name, members);
            shapeOf.put(form.text(), shapes.size());
            shapes.add(shape.addParameters(params).addCode(members.set()).addCode(withTypes(code)).build());
            shapeSizes.add(code.length() + loops.chars());
        }
        List<List<MethodSpec>> shapeGroups = pack(shapes, shapeSizes);
        List<String> shapeCall = new ArrayList<>();      // shape index -> "shapesN.shapeK"
        for (int p = 0; p < shapeGroups.size(); p++)
            for (MethodSpec m : shapeGroups.get(p)) shapeCall.add(partField("Shapes", p) + "." + m.name());
        for (int p = 0; p < shapeGroups.size(); p++) {
            List<MethodSpec> ms = shapeGroups.get(p);
            shapeParts.add(withMembers(TypeSpec.classBuilder(partName("Shapes", p)).addModifiers(Modifier.PRIVATE, Modifier.FINAL)
                    .addJavadoc("Kernel code shared by kernels of the same shape: $L to $L.\n", ms.getFirst().name(), ms.getLast().name()),
                    ms).build());
        }

        List<MethodSpec> methods = new ArrayList<>(coded.size());
        List<Long> sizes = new ArrayList<>(coded.size());
        for (int i = 0; i < coded.size(); i++) {
            Canonical form = forms.get(i);
            MethodSpec kernel = kernelMethods.get(i);
            Integer shape = form == null ? null : shapeOf.get(form.text());
            if (shape == null) {
                methods.add(withLocals(kernel, kernelTexts.get(i)));
                sizes.add(kernelTexts.get(i).length() + kernelLoops.get(i).chars());
                LoopMethods loops = kernelLoops.get(i);
                List<FieldSpec> fields = new ArrayList<>();
                List<MethodSpec> loopMethods = new ArrayList<>();
                for (LoopMethods.Loop l : loops.loops()) {
                    fields.add(LoopMethods.bodyField(l));
                    loopMethods.add(withLocals(loops.method(l, CodeBlock.of("$L", l.body())), l.body()));
                }
                loopMembers.put(kernel.name(), new Members(CodeBlock.of(""), fields, loopMethods));
                continue;
            }
            sizes.add(100L);
            List<String> args = form.buffers().stream().map(ref::get).toList();
            methods.add(MethodSpec.methodBuilder(kernel.name()).addModifiers(kernel.modifiers()).addJavadoc(kernel.javadoc())
                    .addStatement("$L($L)", shapeCall.get(shape), String.join(", ", args))
                    .addComment("$L", String.join(", ", form.buffers())).build());
        }
        List<List<MethodSpec>> groups = pack(methods, sizes);
        if (groups.isEmpty()) groups.add(List.of());
        // each part's share of each phase, in plan order; a lone reshape (no code) is a comment where it runs
        Map<String, Integer> partOf = new HashMap<>();
        for (int p = 0; p < groups.size(); p++) for (MethodSpec m : groups.get(p)) partOf.put(m.name(), p);
        List<Map<Kernel.Phase, CodeBlock.Builder>> phases = new ArrayList<>();
        for (int p = 0; p < groups.size(); p++) phases.add(new java.util.EnumMap<>(Kernel.Phase.class));
        int current = 0;
        for (Kernel k : c.plan.kernels()) {
            Integer part = c.kernels.isAlias(k) ? null : partOf.get(k.name());
            if (part != null) current = part;
            CodeBlock.Builder b = phases.get(current).computeIfAbsent(k.phase(), x -> CodeBlock.builder());
            if (part == null) b.add(c.aliasComment(k));
            else b.addStatement("$L()", k.name());
        }
        List<TypeSpec> out = new ArrayList<>();
        for (int p = 0; p < groups.size(); p++) {
            List<MethodSpec> ms = groups.get(p);
            TypeSpec.Builder part = TypeSpec.classBuilder(partName("Kernels", p)).addModifiers(Modifier.PRIVATE, Modifier.FINAL)
                    .addJavadoc("Kernels $L to $L of $L.\n", ms.isEmpty() ? "-" : ms.getFirst().name(),
                            ms.isEmpty() ? "-" : ms.getLast().name(), coded.size());
            for (var e : phases.get(p).entrySet())
                part.addMethod(MethodSpec.methodBuilder(phaseMethod(e.getKey())).addCode(e.getValue().build()).build());
            out.add(withMembers(part, ms).build());
        }
        return out;
    }

    private final List<TypeSpec> shapeParts = new ArrayList<>();

    /** Separates a kernel's code and its loops' bodies in the text {@link #canonical} reads. */
    private static final String LOOP_MARK = "\u0002";

    /**
     * A kernel's code, then each of its loops' bodies after a {@link #LOOP_MARK}, its loops' fields
     * renamed {@code loop0$body, ...}: kernels that differ only in their buffers have the same canonical form.
     */
    private String withLoops(int kernel) {
        String text = kernelTexts.get(kernel);
        List<LoopMethods.Loop> loops = kernelLoops.get(kernel).loops();
        for (int j = 0; j < loops.size(); j++) text = text.replace(loops.get(j).field(), LoopMethods.field("loop" + j));
        StringBuilder sb = new StringBuilder(text);
        for (LoopMethods.Loop l : loops) sb.append(LOOP_MARK).append(l.body());
        return sb.toString();
    }

    /** The loop methods and fields of a method (a kernel, a shape, a routine), and what the method sets before its loops run. */
    private record Members(CodeBlock set, List<FieldSpec> fields, List<MethodSpec> methods) {}

    /** The methods, each followed by its loops' methods, and those loops' fields. */
    private TypeSpec.Builder withMembers(TypeSpec.Builder type, List<MethodSpec> methods) {
        for (MethodSpec m : methods) {
            type.addMethod(m);
            Members members = loopMembers.get(m.name());
            if (members != null) type.addFields(members.fields()).addMethods(members.methods());
        }
        return type;
    }

    /**
     * The loops of a method that takes parameters (a shape, a routine): each parameter a loop reads
     * passes through a field {@code method$parameter}, which the method sets before its loops run.
     */
    private static Members withParameters(String method, List<ParameterSpec> params, LoopMethods loops) {
        Set<String> read = new java.util.HashSet<>();
        for (LoopMethods.Loop l : loops.loops()) read.addAll(identifiers(l.body()));
        CodeBlock.Builder set = CodeBlock.builder();
        List<FieldSpec> fields = new ArrayList<>();
        for (ParameterSpec p : params) {
            if (!read.contains(p.name())) continue;
            fields.add(FieldSpec.builder(p.type(), method + "$" + p.name(), Modifier.PRIVATE)
                    .addJavadoc("$L's parameter $L, for its loops.\n", method, p.name()).build());
            set.addStatement("$L = $L", method + "$" + p.name(), p.name());
        }
        List<MethodSpec> methods = new ArrayList<>();
        for (LoopMethods.Loop l : loops.loops()) {
            Set<String> reads = identifiers(l.body());
            CodeBlock.Builder body = CodeBlock.builder();
            for (ParameterSpec p : params)
                if (reads.contains(p.name())) body.addStatement("$T $L = $L", p.type(), p.name(), method + "$" + p.name());
            fields.add(LoopMethods.bodyField(l));
            methods.add(loops.method(l, body.add(withTypes(l.body())).build()));
        }
        return new Members(set.build(), fields, methods);
    }

    private String partName(String kind, int index) { return kind + partSuffix + index; }

    private String partField(String kind, int index) { return field(partName(kind, index)); }

    /** Methods cut into groups of at most kernelsPerPart methods and charsPerPart characters (their sizes), in order. */
    private List<List<MethodSpec>> pack(List<MethodSpec> methods, List<Long> sizes) {
        List<List<MethodSpec>> members = new ArrayList<>();
        long chars = 0;
        for (int i = 0; i < methods.size(); i++) {
            MethodSpec m = methods.get(i);
            long size = sizes.get(i);
            if (members.isEmpty() || members.getLast().size() >= limits.kernelsPerPart()
                    || !members.getLast().isEmpty() && chars + size > limits.charsPerPart()) {
                members.add(new ArrayList<>());
                chars = 0;
            }
            members.getLast().add(m);
            chars += size;
        }
        return members;
    }

    /** A kernel's code with its buffers renamed b0, b1, ... and its locals v0, v1, ... in order of appearance, and those buffers. */
    private record Canonical(String text, List<String> buffers) {}

    /** A qualified class name as CodeBlock.toString() prints a type: lower-case package names, then the class. */
    private static final Pattern QUALIFIED = Pattern.compile("(?<![\\w.$])((?:[a-z][a-z0-9_]*\\.)+)([A-Z][A-Za-z0-9_]*)");
    /** Stands for a qualified class name in canonical text, so no package name is taken for a buffer. */
    private static final char TYPE_MARK = '\u0001';

    /** The canonical form of a kernel's code, or null when it has none worth sharing (no buffers, or too many to pass). */
    private Canonical canonical(String code) {
        // class names first: "dev" of dev.netc.kernels.Gemm is no buffer, even if a buffer is called dev
        code = QUALIFIED.matcher(code).replaceAll(r -> TYPE_MARK + java.util.regex.Matcher.quoteReplacement(
                r.group(1) + r.group(2)) + TYPE_MARK);
        StringBuilder sb = new StringBuilder(code.length());
        Map<String, String> renamed = new HashMap<>();
        List<String> buffers = new ArrayList<>();
        int locals = 0;
        int n = code.length();
        for (int i = 0; i < n; ) {
            char ch = code.charAt(i);
            if (ch == TYPE_MARK) {
                int end = code.indexOf(TYPE_MARK, i + 1);
                sb.append(code, i, end + 1);
                i = end + 1;
            } else if (Character.isJavaIdentifierStart(ch)) {
                int start = i;
                while (i < n && Character.isJavaIdentifierPart(code.charAt(i))) i++;
                String id = code.substring(start, i);
                int before = start - 1;
                while (before >= 0 && Character.isWhitespace(code.charAt(before))) before--;
                boolean member = before >= 0 && code.charAt(before) == '.';
                String to = member ? null : renamed.get(id);
                if (to == null && !member) {
                    if (ref.containsKey(id)) {
                        to = "b" + buffers.size();
                        buffers.add(id);
                        renamed.put(id, to);
                    } else if (isLoopLocal(id)) {
                        to = "v" + locals++;
                        renamed.put(id, to);
                    }
                }
                sb.append(to != null ? to : id);
            } else if (Character.isDigit(ch)) {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(code.charAt(i)) || code.charAt(i) == '.')) i++;
                sb.append(code, start, i);
            } else {
                sb.append(ch);
                i++;
            }
        }
        if (buffers.isEmpty() || buffers.size() > 200) return null;
        return new Canonical(sb.toString(), buffers);
    }

    /** v0, v1, ...: the locals elementwise loops name after their nodes. */
    private static boolean isLoopLocal(String id) {
        if (id.length() < 2 || id.charAt(0) != 'v') return false;
        for (int i = 1; i < id.length(); i++) if (!Character.isDigit(id.charAt(i))) return false;
        return true;
    }

    /** Canonical text as code, its class names as types again (so the file imports them). */
    private static CodeBlock withTypes(String text) {
        CodeBlock.Builder b = CodeBlock.builder();
        int at = 0;
        for (int mark = text.indexOf(TYPE_MARK); mark >= 0; mark = text.indexOf(TYPE_MARK, at)) {
            int end = text.indexOf(TYPE_MARK, mark + 1);
            b.add("$L", text.substring(at, mark));
            String name = text.substring(mark + 1, end);
            int dot = name.lastIndexOf('.');
            b.add("$T", ClassName.get(name.substring(0, dot), name.substring(dot + 1)));
            at = end + 1;
        }
        return b.add("$L", text.substring(at)).build();
    }

    /** The kernel method with a local per buffer it names, so its body reads as in a one-class model. */
    private MethodSpec withLocals(MethodSpec kernel, String text) {
        MethodSpec.Builder m = MethodSpec.methodBuilder(kernel.name()).addModifiers(kernel.modifiers()).addJavadoc(kernel.javadoc())
                .addParameters(kernel.parameters());
        for (String name : identifiers(text)) {
            String at = ref.get(name);
            if (at != null) m.addStatement("$L[] $L = $L", intBuffers.contains(name) ? "int" : byteBuffers.contains(name) ? "byte" : "float", name, at);
        }
        return m.addCode(kernel.code()).build();
    }

    /**
     * The names in a piece of Java code that could be variables, in order of first appearance: every
     * identifier not right after a '.'. Buffer names never equal a local's (see {@link Buffers}), so
     * one that appears only in a comment just gets a local nobody reads.
     */
    static Set<String> identifiers(String code) {
        Set<String> out = new LinkedHashSet<>();
        int n = code.length();
        for (int i = 0; i < n; ) {
            char ch = code.charAt(i);
            if (Character.isJavaIdentifierStart(ch)) {
                int start = i;
                while (i < n && Character.isJavaIdentifierPart(code.charAt(i))) i++;
                int before = start - 1;
                while (before >= 0 && Character.isWhitespace(code.charAt(before))) before--;
                if (before < 0 || code.charAt(before) != '.') out.add(code.substring(start, i));
            } else if (Character.isDigit(ch)) {
                while (i < n && (Character.isLetterOrDigit(code.charAt(i)) || code.charAt(i) == '.')) i++; // 1.0E-7f, 0x1p-53
            } else {
                i++;
            }
        }
        return out;
    }

    // ---- storage: parameters, per-batch allocation, name lookup ----

    private record Storage(List<TypeSpec> parts) {}

    private Storage storage() {
        List<CodeBlock> parameters = new ArrayList<>();
        for (Node n : c.graph.nodes()) {
            if (!c.buffers.hasField(n.id()) || c.buffers.role(n.id()) != BufferRole.PARAMETER) continue;
            if (!n.type().shape().isFullyKnown())
                throw new IllegalArgumentException("parameter " + n.label() + " has a symbolic shape " + n.type().shape());
            parameters.add(CodeBlock.builder().add("$L = new $L[$L]; // $L\n", ref.get(c.buffers.field(n.id())),
                    c.buffers.elementType(n.id()), SizeExpr.count(n.type().shape()), c.buffers.field(n.id())).build());
        }
        if (opt != null) {
            for (var p : trainables) {
                for (var s : opt.states(p)) {
                    parameters.add(CodeBlock.builder().add("$L = new float[$L];\n", ref.get(s.field()), s.count())
                            .addStatement("state.put($S, $L)", s.name(), ref.get(s.field())).build());
                }
            }
        }
        List<CodeBlock> allocation = c.allocation(ref::get, true);
        List<CodeBlock> floatNames = names(DType.F32), intNames = names(DType.I32);
        int perMethod = limits.statementsPerMethod();
        int count = 0;
        for (List<CodeBlock> list : List.of(parameters, allocation, floatNames, intNames))
            count = Math.max(count, (list.size() + perMethod - 1) / perMethod);
        List<TypeSpec> parts = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            TypeSpec.Builder part = TypeSpec.classBuilder(partName("Storage", p)).addModifiers(Modifier.PRIVATE, Modifier.FINAL)
                    .addJavadoc("Part $L of the parameter allocation, the per-batch allocation and the name lookups.\n", p);
            List<CodeBlock> mine = slice(parameters, p);
            if (!mine.isEmpty())
                part.addMethod(MethodSpec.methodBuilder("parameters").addParameter(JavaCodegen.STATE_MAP, "state")
                        .addCode(CodeBlock.join(mine, "")).build());
            mine = slice(allocation, p);
            if (!mine.isEmpty()) part.addMethod(MethodSpec.methodBuilder("allocate").addCode(CodeBlock.join(mine, "")).build());
            for (DType t : List.of(DType.F32, DType.I32)) {
                mine = slice(t == DType.F32 ? floatNames : intNames, p);
                if (mine.isEmpty()) continue;
                part.addMethod(MethodSpec.methodBuilder(t == DType.F32 ? "floatIndex" : "intIndex").returns(TypeName.INT)
                        .addParameter(String.class, "name")
                        .addCode("return switch (name) {\n$>$L", CodeBlock.join(mine, ""))
                        .addCode("default -> -1;\n$<};\n").build());
            }
            parts.add(part.build());
        }
        return new Storage(parts);
    }

    /** The lookup cases of one element type: name -> index in its array. */
    private List<CodeBlock> names(DType dtype) {
        List<CodeBlock> out = new ArrayList<>();
        for (var e : c.lookupCases(dtype).entrySet()) {
            String at = ref.get(e.getValue());
            out.add(CodeBlock.of("case $S -> $L;\n", e.getKey(), at.substring(at.indexOf('[') + 1, at.length() - 1)));
        }
        return out;
    }

    private List<CodeBlock> slice(List<CodeBlock> all, int part) {
        int per = limits.statementsPerMethod();
        return all.subList(Math.min(all.size(), part * per), Math.min(all.size(), (part + 1) * per));
    }

    /** floatBuffer(name) / intBuffer(name): the parts' lookups in turn, then the array element. */
    private MethodSpec lookup(TypeSpec.Builder type, String method, TypeName returns, DType dtype, String spelling,
                              List<TypeSpec> parts, String partMethod, String array) {
        MethodSpec.Builder m = MethodSpec.methodBuilder(method).addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(returns).addParameter(String.class, "name");
        Map<String, String> cases = c.lookupCases(dtype);
        String known = JavaCodegen.known(cases.keySet());
        List<String> tries = new ArrayList<>();
        for (TypeSpec part : parts)
            if (part.methodSpecs().stream().anyMatch(x -> x.name().equals(partMethod))) tries.add(field(part) + "." + partMethod + "(name)");
        if (tries.isEmpty()) {
            return m.addStatement("throw new $T($S + name + $S)", IllegalArgumentException.class,
                    "unknown " + spelling + " buffer '", "'; known: " + known).build();
        }
        tryInTurn(m, firstIndexChain(type, partMethod, tries));
        return m.beginControlFlow("if (at < 0)")
                .addStatement("throw new $T($S + name + $S)", IllegalArgumentException.class, "unknown " + spelling + " buffer '", "'; known: " + known)
                .endControlFlow()
                .addStatement("return $L[at]", array).build();
    }

    // ---- the optimizer ----

    /** The moving-statistic copies, then one routine call per trainable parameter, cut into inner classes. */
    private List<TypeSpec> updateParts() {
        if (opt == null) return List.of();
        OptimizerLowering lowering = new OptimizerLowering(c.optimizer);
        List<CodeBlock> calls = new ArrayList<>();
        for (var e : c.graph.parameterUpdates().entrySet()) {
            if (!c.buffers.hasField(e.getValue())) continue;
            Node param = c.graph.node(e.getKey());
            calls.add(CodeBlock.of("$L($L, $L, $L); // moving statistic $L, computed by the last forward(true)\n", COPY,
                    ref.get(c.buffers.field(e.getValue())), ref.get(c.buffers.field(param.id())),
                    SizeExpr.count(param.type().shape()).known(), ((Op.Parameter) param.op()).name()));
        }
        for (var p : trainables) {
            StringBuilder args = new StringBuilder(ref.get(p.field())).append(", ").append(ref.get(p.gradField()));
            for (var s : opt.states(p)) args.append(", ").append(ref.get(s.field()));
            double factor = lowering.rateFactor(p.name());
            String rate = factor == 1 ? "stepRate" : "stepRate * " + JavaDialect.INSTANCE.floatLiteral(factor);
            calls.add(CodeBlock.of("$L($L, $L, $L); // $L\n", STEP, args, p.count(), rate, p.name()));
        }
        List<TypeSpec> parts = new ArrayList<>();
        int per = limits.statementsPerMethod();
        for (int from = 0, p = 0; from < calls.size(); from += per, p++) {
            parts.add(TypeSpec.classBuilder(partName("Updates", p)).addModifiers(Modifier.PRIVATE, Modifier.FINAL)
                    .addJavadoc("Part $L of the optimizer step.\n", p)
                    .addMethod(MethodSpec.methodBuilder("update").addParameter(TypeName.FLOAT, "stepRate")
                            .addCode(CodeBlock.join(calls.subList(from, Math.min(calls.size(), from + per)), "")).build())
                    .build());
        }
        return parts;
    }

    /** The update of one parameter and the copy of one moving statistic, printed once from the shared lowering. */
    private void addRoutines(TypeSpec.Builder type) {
        OptimizerLowering lowering = new OptimizerLowering(c.optimizer);
        List<String> stateNames = lowering.stateNames("p").stream().map(s -> s.substring(0, s.indexOf('/'))).toList();
        List<Buf> states = stateNames.stream().map(s -> new Buf(s, false)).toList();
        List<ParameterSpec> params = new ArrayList<>();
        List<String> arrays = new ArrayList<>(List.of("param", "grad"));
        arrays.addAll(stateNames);
        for (String a : arrays) params.add(ParameterSpec.builder(JavaCodegen.FLOATS, a).build());
        params.add(ParameterSpec.builder(TypeName.INT, "count").build());
        params.add(ParameterSpec.builder(TypeName.FLOAT, "rate").build());
        Stmt body = lowering.routine(new Buf("param", false), new Buf("grad", false), states, "count", "rate");
        addRoutine(type, STEP, CodeBlock.of("$L for one parameter: {@code rate} is the step size times the parameter's rate factor.\n",
                c.optimizer), params, body);
        if (c.graph.parameterUpdates().isEmpty()) return;
        Stmt.Loop copy = (Stmt.Loop) OptimizerLowering.copy(new Buf("source", false), new Buf("target", false), 1);
        Stmt loop = new Stmt.Loop(copy.var(), copy.start(), Expr.var("count"), copy.parallel(), copy.body());
        addRoutine(type, COPY, CodeBlock.of("Copies a moving statistic computed by the last forward(true) into its parameter.\n"),
                List.of(ParameterSpec.builder(JavaCodegen.FLOATS, "source").build(), ParameterSpec.builder(JavaCodegen.FLOATS, "target").build(),
                        ParameterSpec.builder(TypeName.INT, "count").build()), loop);
    }

    /** A routine of the model: its parallel loop a method of its own, reading the parameters it needs from fields. */
    private static void addRoutine(TypeSpec.Builder type, String name, CodeBlock doc, List<ParameterSpec> params, Stmt body) {
        LoopMethods loops = new LoopMethods(name, name);
        String code = new JavaLoopPrinter(loops).print(List.of(body), 0);
        Members members = withParameters(name, params, loops);
        type.addMethod(MethodSpec.methodBuilder(name).addModifiers(Modifier.PRIVATE).addJavadoc(doc).addParameters(params)
                .addCode(members.set()).addCode("$L", code).build());
        type.addFields(members.fields()).addMethods(members.methods());
    }

    // ---- calling parts ----

    private static String field(TypeSpec part) { return field(part.name()); }

    private static String field(String partName) { return Character.toLowerCase(partName.charAt(0)) + partName.substring(1); }

    /** {@code part.method(args);} for every part that has the method, in order. */
    private static List<CodeBlock> calls(List<TypeSpec> parts, String method, String... args) {
        List<CodeBlock> out = new ArrayList<>();
        for (TypeSpec part : parts)
            if (part.methodSpecs().stream().anyMatch(m -> m.name().equals(method)))
                out.add(CodeBlock.builder().addStatement("$L.$L($L)", field(part), method, String.join(", ", args)).build());
        return out;
    }

    /**
     * Adds the statements to {@code m}; when there are more than a method may hold, they go into
     * private methods {@code name0, name1, ...} of the model (each taking {@code args}), and m calls
     * those (through {@code nameLevel1_0, ...} when even the calls are too many).
     */
    private void chain(TypeSpec.Builder type, MethodSpec.Builder m, String name, List<CodeBlock> statements,
                       List<TypeName> argTypes, String... args) {
        int per = limits.statementsPerMethod();
        List<CodeBlock> current = statements;
        for (int level = 0; current.size() > per; level++) {
            List<CodeBlock> next = new ArrayList<>();
            for (int from = 0; from < current.size(); from += per) {
                String chunk = name + (level == 0 ? "" : "Level" + level + "_") + next.size();
                MethodSpec.Builder b = MethodSpec.methodBuilder(chunk).addModifiers(Modifier.PRIVATE);
                for (int i = 0; i < args.length; i++) b.addParameter(argTypes.get(i), args[i]);
                type.addMethod(b.addCode(CodeBlock.join(current.subList(from, Math.min(current.size(), from + per)), "")).build());
                next.add(CodeBlock.builder().addStatement("$L($L)", chunk, String.join(", ", args)).build());
            }
            current = next;
        }
        for (CodeBlock s : current) m.addCode(s);
    }

    /**
     * Expressions {@code e0, e1, ...} of the index of {@code name} or -1, tried in turn: at most a
     * method's worth, the rest behind private methods {@code nameLevel0_0(name), ...} that try theirs.
     */
    private List<String> firstIndexChain(TypeSpec.Builder type, String method, List<String> exprs) {
        int per = limits.statementsPerMethod();
        List<String> current = exprs;
        for (int level = 0; current.size() > per; level++) {
            List<String> next = new ArrayList<>();
            for (int from = 0; from < current.size(); from += per) {
                String chunk = method + "Level" + level + "_" + next.size();
                MethodSpec.Builder b = MethodSpec.methodBuilder(chunk).addModifiers(Modifier.PRIVATE).returns(TypeName.INT)
                        .addParameter(String.class, "name");
                tryInTurn(b, current.subList(from, Math.min(current.size(), from + per)));
                type.addMethod(b.addStatement("return at").build());
                next.add(chunk + "(name)");
            }
            current = next;
        }
        return current;
    }

    /** {@code int at = e0; if (at < 0) at = e1; ...} */
    private static void tryInTurn(MethodSpec.Builder m, List<String> exprs) {
        for (int i = 0; i < exprs.size(); i++) {
            if (i == 0) m.addStatement("int at = $L", exprs.get(i));
            else m.addStatement("if (at < 0) at = $L", exprs.get(i));
        }
    }
}
