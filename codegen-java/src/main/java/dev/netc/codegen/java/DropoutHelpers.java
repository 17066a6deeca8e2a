package dev.netc.codegen.java;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import javax.lang.model.element.Modifier;

/**
 * The per-pass random stream behind dropout masks; the numbers themselves come from the kernel
 * library's {@code DropoutHash} (scalar and vector forms, the same bits as the CUDA prelude).
 */
final class DropoutHelpers {
    private DropoutHelpers() {}

    static final ClassName DROPOUT_HASH = ClassName.get(LibraryCalls.KERNELS, "DropoutHash");

    static void add(TypeSpec.Builder type) {
        type.addMethod(MethodSpec.methodBuilder("dropoutStream").addModifiers(Modifier.PRIVATE)
                .addJavadoc("The random stream of one dropout node in the current training pass.\n")
                .returns(TypeName.LONG).addParameter(TypeName.INT, "node")
                .addStatement("return $T.stream(seed, dropoutCounter, node)", DROPOUT_HASH)
                .build());
    }
}
