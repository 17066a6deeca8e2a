package dev.netc.codegen.java;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.lang.model.element.Modifier;

/**
 * The parallel loops of one generated method (a kernel, update): each loop's chunk {@code [from, to)}
 * is a private method of its own, which {@code forChunks} gets through a field holding a bound method
 * reference made once with the model, not a lambda made on every call. The locals of the method that
 * its loops read (a dropout stream, the optimizer's step size) are fields as well.
 */
final class LoopMethods {
    private static final ClassName RANGE_BODY = LibraryCalls.PARALLEL.nestedClass("RangeBody");

    /** One loop: the name of its method, the names of its chunk's bounds, and its body. */
    record Loop(String name, String from, String to, String body) {
        /** The field holding the method as a {@code RangeBody}. */
        String field() { return LoopMethods.field(name); }
    }

    private final String prefix;
    private final String owner;
    private final List<Loop> loops = new ArrayList<>();
    /** Locals of the method that its loops read, held in fields of the same name instead: name -> type. */
    private final Map<String, TypeName> locals = new LinkedHashMap<>();

    /**
     * @param prefix the start of each loop method's name ({@code k05} gives {@code k05Loop0, k05Loop1, ...})
     * @param owner  the method the loops belong to, for their documentation
     */
    LoopMethods(String prefix, String owner) {
        this.prefix = prefix;
        this.owner = owner;
    }

    /** The prefix of a kernel's loops: its index ({@code k05} of {@code k05_matmul_add}), or its whole name. */
    static String prefix(String kernel) {
        int cut = kernel.indexOf('_');
        return cut > 1 && kernel.charAt(0) == 'k' && kernel.substring(1, cut).chars().allMatch(Character::isDigit)
                ? kernel.substring(0, cut) : kernel;
    }

    /** The field holding a loop method as a {@code RangeBody} ('$' keeps it apart from any buffer name). */
    static String field(String loop) { return loop + "$body"; }

    /** Adds a loop over the chunk [from, to) and returns the name of the field to hand {@code forChunks}. */
    String add(String from, String to, String body) {
        Loop l = new Loop(prefix + "Loop" + loops.size(), from, to, body);
        loops.add(l);
        return l.field();
    }

    /** Declares that a local of the method is a field, because its loops read it. */
    void local(String name, TypeName type) {
        TypeName before = locals.putIfAbsent(name, type);
        if (before != null && !before.equals(type))
            throw new IllegalStateException(owner + ": local " + name + " is both " + before + " and " + type);
    }

    List<Loop> loops() { return loops; }

    /** Characters of loop code, for the size limits. */
    long chars() { return loops.stream().mapToLong(l -> l.body().length()).sum(); }

    /** The method of one loop, its body as given (a split model names its buffers first). */
    MethodSpec method(Loop l, CodeBlock body) {
        return MethodSpec.methodBuilder(l.name()).addModifiers(Modifier.PRIVATE)
                .addJavadoc("One chunk of a parallel loop of $L.\n", owner)
                .addParameter(TypeName.INT, l.from()).addParameter(TypeName.INT, l.to())
                .addCode(body).build();
    }

    /** The field holding a loop's method. */
    static FieldSpec bodyField(Loop l) {
        return FieldSpec.builder(RANGE_BODY, l.field(), Modifier.PRIVATE, Modifier.FINAL)
                .addJavadoc("A bound method reference held in a field: a lambda capturing this is a new object per call.\n")
                .initializer("this::$L", l.name()).build();
    }

    /** The loops' methods and fields, into the class that holds their method. */
    void addTo(TypeSpec.Builder type) {
        for (Loop l : loops) type.addField(bodyField(l)).addMethod(method(l, CodeBlock.of("$L", l.body())));
    }

    /** One field per local that loops read (those of several methods may share a name, e.g. a dropout stream). */
    static void addLocalFields(TypeSpec.Builder type, List<LoopMethods> all) {
        LoopMethods merged = new LoopMethods("", "the model");
        for (LoopMethods m : all) m.locals.forEach(merged::local);
        merged.locals.forEach((name, t) -> type.addField(FieldSpec.builder(t, name, Modifier.PRIVATE)
                .addJavadoc("Set before the parallel loops that read it, which are methods of their own.\n").build()));
    }
}
