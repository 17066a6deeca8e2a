package dev.netc.codegen.java;

import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import javax.lang.model.element.Modifier;

/**
 * The counter-based random numbers behind dropout masks: element i of the mask of node n in training
 * pass c depends only on (seed, c, n, i), so a kernel can draw its elements in any order or in parallel.
 */
final class DropoutHelpers {
    private DropoutHelpers() {}

    static void add(TypeSpec.Builder type) {
        type.addMethod(MethodSpec.methodBuilder("dropoutStream").addModifiers(Modifier.PRIVATE)
                .addJavadoc("The random stream of one dropout node in the current training pass.\n")
                .returns(TypeName.LONG).addParameter(TypeName.INT, "node")
                .addStatement("return mix64(mix64(seed ^ 0x6a09e667f3bcc909L) + dropoutCounter * 0x9e3779b97f4a7c15L + node)")
                .build());
        type.addMethod(MethodSpec.methodBuilder("dropoutUniform").addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                .addJavadoc("A uniform double in [0, 1) for element i of a stream.\n")
                .returns(TypeName.DOUBLE).addParameter(TypeName.LONG, "stream").addParameter(TypeName.INT, "i")
                .addStatement("return (mix64(stream + (i + 1L) * 0xbf58476d1ce4e5b9L) >>> 11) * 0x1.0p-53")
                .build());
        type.addMethod(MethodSpec.methodBuilder("mix64").addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                .addJavadoc("SplitMix64's finaliser: a bijection that scrambles all bits.\n")
                .returns(TypeName.LONG).addParameter(TypeName.LONG, "z")
                .addStatement("z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L")
                .addStatement("z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL")
                .addStatement("return z ^ (z >>> 31)")
                .build());
    }
}
