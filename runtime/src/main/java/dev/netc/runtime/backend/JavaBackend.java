package dev.netc.runtime.backend;

import dev.netc.autodiff.Autodiff;
import dev.netc.codegen.java.GeneratedModel;
import dev.netc.codegen.java.JavaCodegen;
import dev.netc.codegen.java.JavaModelCompiler;
import dev.netc.ir.Graph;
import dev.netc.ir.plan.FuseOps;
import dev.netc.ir.plan.KernelPlan;
import dev.netc.ir.plan.PlanKernels;
import dev.netc.ir.train.OptimizerSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Java backend: graph -> kernel plan -> Java source -> class compiled in process. The same
 * source can be written out instead ({@code netc compile --target java}).
 */
public final class JavaBackend {
    /** The package of generated model classes. */
    public static final String PACKAGE = "dev.netc.generated";

    private JavaBackend() {}

    /**
     * Compiles a model for training (or inference when optimizer is null).
     *
     * @param trainGraph forward graph with its outputs and "loss"; when it has a loss but no "grad/..."
     *                   outputs and an optimizer is given, it is differentiated first
     * @param optimizer  the update rule, or null for an inference-only model
     * @param fuse       whether to fuse elementwise chains and epilogues into their producers
     * @param modelName  the model's name; the class is named after it ("mnist_cnn" -> MnistCnn)
     */
    public static GeneratedModel compile(Graph trainGraph, OptimizerSpec optimizer, boolean fuse, String modelName) {
        String className = className(modelName);
        String source = JavaCodegen.generate(plan(trainGraph, optimizer, fuse), optimizer, PACKAGE, className);
        return JavaModelCompiler.compile(PACKAGE, className, source);
    }

    /** The generated source as files: relative path ("dev/netc/generated/MnistCnn.java") -> content. */
    public static Map<String, String> sources(Graph trainGraph, OptimizerSpec optimizer, boolean fuse, String modelName) {
        String className = className(modelName);
        Map<String, String> files = new LinkedHashMap<>();
        files.put(PACKAGE.replace('.', '/') + "/" + className + ".java",
                JavaCodegen.generate(plan(trainGraph, optimizer, fuse), optimizer, PACKAGE, className));
        return files;
    }

    /**
     * The kernel plan the backend would render (for {@code netc fusion}); every output is reachable
     * by the name {@link OutputBuffers#bufferName} gives.
     */
    public static KernelPlan plan(Graph trainGraph, OptimizerSpec optimizer, boolean fuse) {
        Graph g = OutputBuffers.expose(withGradients(trainGraph, optimizer));
        return fuse ? FuseOps.fuse(g) : PlanKernels.unfused(g);
    }

    private static Graph withGradients(Graph g, OptimizerSpec optimizer) {
        boolean hasGradients = g.outputs().keySet().stream().anyMatch(k -> k.startsWith(Graph.GRAD_PREFIX));
        return optimizer != null && !hasGradients && g.output(Graph.LOSS).isPresent() ? Autodiff.differentiate(g) : g;
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
