package dev.netc.codegen.java;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * Kernel timing for {@code netc bench --profile} (one-class models): a pass runs its kernels as
 * plain calls unless a {@code KernelTimer} is set, and then reads the clock between them. The
 * check is one field read per pass, so an untimed run runs the same code as before.
 */
final class KernelTiming {
    private KernelTiming() {}

    static final ClassName TIMER = ClassName.get("dev.netc.api", "KernelTimer");
    private static final String FIELD = "kernelTimer";

    /** A kernel call: its plan index and its method's name. */
    record Call(int index, String method) {}

    static FieldSpec field() {
        return FieldSpec.builder(TIMER, FIELD, Modifier.PRIVATE).addJavadoc("Set by timeKernels; null: no timing.\n").build();
    }

    static MethodSpec setter() {
        return MethodSpec.methodBuilder("timeKernels").addAnnotation(Override.class).addModifiers(Modifier.PUBLIC)
                .returns(TypeName.BOOLEAN).addParameter(TIMER, "timer")
                .addStatement("this.$L = timer", FIELD).addStatement("return true").build();
    }

    /** The calls of one pass, untimed, or timed when a timer is set. */
    static CodeBlock calls(List<Call> calls) {
        if (calls.isEmpty()) return CodeBlock.of("");
        CodeBlock.Builder b = CodeBlock.builder().beginControlFlow("if ($L == null)", FIELD);
        for (Call c : calls) b.addStatement("$L()", c.method());
        b.nextControlFlow("else").addStatement("long t = System.nanoTime()");
        for (Call c : calls) b.addStatement("$L()", c.method()).addStatement("t = $L.lap($L, t)", FIELD, c.index());
        return b.endControlFlow().build();
    }

    /** The optimizer update, timed as one entry when a timer is set. */
    static CodeBlock update(CodeBlock code) {
        return CodeBlock.builder().addStatement("long updateStarted = $L == null ? 0L : System.nanoTime()", FIELD)
                .add(code)
                .beginControlFlow("if ($L != null)", FIELD).addStatement("$L.lap($T.UPDATE, updateStarted)", FIELD, TIMER)
                .endControlFlow().build();
    }
}
