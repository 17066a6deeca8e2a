package dev.netc.runtime.backend;

import dev.netc.api.GeneratedModel;
import dev.netc.codegen.java.JavaCodegen;
import dev.netc.codegen.java.JavaModelCompiler;
import dev.netc.ir.plan.Compilation;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Java backend: a {@link Compilation} (from {@code dev.netc.compiler.Pipeline}) -> Java source ->
 * class compiled in process. The same source can be written out instead ({@code netc compile --target java}).
 */
public final class JavaBackend {
    /** The package of generated model classes. */
    public static final String PACKAGE = "dev.netc.generated";

    private JavaBackend() {}

    /**
     * Compiles a model: for training when the compilation has an optimizer, else for inference only.
     *
     * @param modelName the model's name; the class is named after it ("mnist_cnn" -> MnistCnn)
     */
    public static GeneratedModel compile(Compilation compilation, String modelName) {
        String className = className(modelName);
        String source = JavaCodegen.generate(compilation, PACKAGE, className);
        return JavaModelCompiler.compile(PACKAGE, className, source);
    }

    /** The generated source as files: relative path ("dev/netc/generated/MnistCnn.java") -> content. */
    public static Map<String, String> sources(Compilation compilation, String modelName) {
        String className = className(modelName);
        Map<String, String> files = new LinkedHashMap<>();
        files.put(PACKAGE.replace('.', '/') + "/" + className + ".java", JavaCodegen.generate(compilation, PACKAGE, className));
        return files;
    }

    /** A Java class name from a model name: words of letters and digits, each capitalised. */
    public static String className(String modelName) {
        StringBuilder sb = new StringBuilder();
        boolean upper = true;
        for (char c : modelName.toCharArray()) {
            if (Character.isLetterOrDigit(c) && c < 128) {
                sb.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            } else {
                upper = true;
            }
        }
        if (sb.isEmpty() || !Character.isLetter(sb.charAt(0))) sb.insert(0, "Model");
        return sb.toString();
    }
}
