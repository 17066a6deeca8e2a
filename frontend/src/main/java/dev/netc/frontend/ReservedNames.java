package dev.netc.frontend;

import dev.netc.ir.Graph;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one rule for the names a compiled model exposes. A generated model answers buffer look-ups by
 * name ({@code floatBuffer("dense/kernel")}), and a checkpoint stores tensors by name, in a single
 * namespace: the model's inputs and parameters under their names, the train block's loss as
 * {@code loss}, gradients as {@code grad/P}, batch norm's moving statistics as {@code update/P} and
 * the optimizer state as {@code adam_m/P}, {@code momentum/P}, ... So:
 *
 * <ul>
 *   <li>inputs and parameters share one namespace: no two of them may have the same name
 *       ({@link Emitter} enforces it as they are declared);</li>
 *   <li>no input or parameter may be called {@code loss};</li>
 *   <li>a layer name must be an identifier, so that every name a user can form is
 *       {@code identifier('/' identifier)*}.</li>
 * </ul>
 *
 * A block or layer may be named like what netc generates ({@code grad}, {@code update}, {@code momentum},
 * {@code adam_m}, ...): the compiler records which output is whose gradient or moving statistic
 * structurally and gives such an output a name of its own ({@code grad/kernel#2}) when a parameter
 * already has the conventional one, and checkpoints keep optimizer state in a namespace of its own
 * ({@code optimizer::adam_m/...}).
 *
 * A model output may reuse the name of an input or parameter it rebinds ({@code x = dense(x, 2); output x}):
 * the runtime finds output buffers by node, not by name.
 */
public final class ReservedNames {
    /** The train block's loss: a graph output of this name. */
    public static final String LOSS = Graph.LOSS;

    /**
     * First path segments of the buffers netc generates next to the user's: gradients, moving-statistic
     * updates and the optimizer state (the Java and CUDA backends name it "momentum/p", "adam_m/p", ...).
     */
    public static final List<String> GENERATED_PREFIXES = List.of(
            Graph.GRAD_PREFIX.substring(0, Graph.GRAD_PREFIX.length() - 1),
            Graph.UPDATE_PREFIX.substring(0, Graph.UPDATE_PREFIX.length() - 1),
            "momentum", "adam_m", "adam_v", "rmsprop_v", "adadelta_grad", "adadelta_delta");

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private ReservedNames() {}

    /** Why {@code name} cannot be the name of an input or parameter ("input", "parameter"), if it cannot. */
    static Optional<String> forTensor(String kind, String name) {
        // Names with a '/' come from blocks and named layers, whose names forPrefix has checked.
        if (name.equals(LOSS))
            return Optional.of(kind + " name 'loss' is reserved: the train block's loss is the model's buffer 'loss'");
        return Optional.empty();
    }

    /** Why {@code name} cannot prefix parameter names (a block name, a layer name), if it cannot. */
    static Optional<String> forPrefix(String kind, String name) {
        if (!IDENTIFIER.matcher(name).matches())
            return Optional.of(kind + " '" + name + "' must be an identifier: ASCII letters, digits and '_', not starting with a digit");
        return Optional.empty();
    }
}
