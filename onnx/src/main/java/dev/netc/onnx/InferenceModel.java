package dev.netc.onnx;

import dev.netc.api.GeneratedModel;
import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.OutputBuffers;
import dev.netc.compiler.Pipeline;
import dev.netc.frontend.CheckedModel;
import dev.netc.ir.DType;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import dev.netc.onnx.npy.NpyArray;
import dev.netc.runtime.backend.JavaBackend;
import dev.netc.runtime.checkpoint.Checkpoint;
import dev.netc.runtime.checkpoint.Checkpoints;
import dev.netc.runtime.train.ParameterInitializer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A model compiled for inference (dropout off, batch norm on its moving statistics) with its
 * parameters filled: from a checkpoint, or from the model's seeded initialisation exactly as
 * {@code netc train} draws it, so two commands given the same model and seed see the same weights.
 * It runs on whole arrays ({@link #predict}) and gives its parameter values to the ONNX exporter.
 *
 * @param graph  the model's forward graph
 * @param model  the compiled model (Java backend)
 * @param inputs the inputs the model outputs depend on (the train block's labels are not among them)
 * @param output the name of the output {@link #predict} returns: the model's first output
 */
public record InferenceModel(Graph graph, GeneratedModel model, List<Node> inputs, String output) {
    public InferenceModel { inputs = List.copyOf(inputs); }

    /** Rows per forward pass: bounds the activations' memory for a large input. */
    public static final int MAX_BATCH = 256;

    /**
     * Compiles {@code m} for inference and fills its parameters from {@code weights}, or from the seeded
     * initialisation when absent. A model with no output besides its loss is an {@link InteropException};
     * weights that do not fit are the checkpoint's own exception.
     */
    public static InferenceModel open(CheckedModel m, Optional<Checkpoint> weights, long seed) {
        Graph graph = m.graph();
        String output = modelOutputs(graph).stream().findFirst()
                .orElseThrow(() -> new InteropException("model '" + m.name() + "' has no output besides its loss"));
        GeneratedModel compiled = JavaBackend.compile(Pipeline.compile(m, CompileOptions.inferenceOnly()), m.name());
        ParameterInitializer.initialize(compiled, graph, seed);
        weights.ifPresent(w -> Checkpoints.restore(w, compiled, graph, false));
        return new InferenceModel(graph, compiled, inferenceInputs(graph), output);
    }

    /** The outputs that are what the model computes (not the loss, gradients or moving-statistic updates), in order. */
    public static List<String> modelOutputs(Graph graph) {
        List<String> out = new ArrayList<>();
        graph.roles().forEach((name, role) -> { if (role == Graph.OutputRole.MODEL) out.add(name); });
        return out;
    }

    /** The inputs the model outputs depend on (a train block's label input is not one of them). */
    public static List<Node> inferenceInputs(Graph graph) {
        boolean[] live = graph.ancestors(modelOutputs(graph).stream().map(n -> graph.outputs().get(n)).toList());
        return graph.inputs().stream().filter(n -> live[n.id()]).toList();
    }

    /** The one input {@link #predict} feeds; a model with several is an {@link InteropException} naming them. */
    public Node input() {
        if (inputs.size() != 1)
            throw new InteropException("the model has " + inputs.size() + " inputs at inference ("
                    + inputs.stream().map(n -> ((Op.Input) n.op()).name()).toList() + "); netc predict feeds exactly one");
        return inputs.getFirst();
    }

    /** Every parameter's current value by name (row-major f32), in graph order. */
    public Map<String, float[]> parameters() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Node n : graph.parameters()) {
            String name = ((Op.Parameter) n.op()).name();
            out.put(name, model.floatBuffer(name).clone());
        }
        return out;
    }

    /**
     * Runs the model on {@code in} ([N, ...] with the input's other dimensions; f32, or i32 for an
     * integer input) and returns its output for all N rows. A wrong element type or shape is an
     * {@link InteropException} naming both.
     */
    public NpyArray predict(NpyArray in) {
        Node input = input();
        Shape declared = input.type().shape();
        String inputName = ((Op.Input) input.op()).name();
        DType dtype = input.type().dtype();
        boolean dtypeFits = switch (in) {
            case NpyArray.F32 f -> dtype == DType.F32;
            case NpyArray.I32 i -> dtype == DType.I32;
        };
        int[] shape = in.shape();
        int batch = bindBatch(declared, shape);
        if (!dtypeFits || batch < 0)
            throw new InteropException("the input array is " + in.dtypeName() + Arrays.toString(shape) + " but model input '" + inputName
                    + "' is " + input.type());
        Node outNode = graph.node(graph.outputs().get(output));
        Shape outShape = outNode.type().shape();
        boolean rowsSplit = declared.rank() > 0 && !declared.dim(0).isKnown() && outShape.rank() > 0 && !outShape.dim(0).isKnown()
                && declared.dims().stream().skip(1).allMatch(Dim::isKnown) && outShape.dims().stream().skip(1).allMatch(Dim::isKnown);
        int chunk = rowsSplit ? Math.min(batch, MAX_BATCH) : batch;
        int inRow = rowsSplit ? (int) (in.size() / batch) : (int) in.size();
        long outCount = 1;
        for (Dim d : outShape.dims()) outCount *= d.isKnown() ? ((Dim.Known) d).size() : batch;
        if (outCount > Integer.MAX_VALUE - 8) throw new InteropException("the output of " + outCount + " elements is too large for one array");
        boolean floatOut = outNode.type().dtype() != DType.I32;
        float[] outF = floatOut ? new float[(int) outCount] : null;
        int[] outI = floatOut ? null : new int[(int) outCount];
        int outRow = rowsSplit ? (int) (outCount / batch) : (int) outCount;
        model.freezeParameters(true); // inference only: the weights may stay packed across chunks
        try {
            predictChunks(in, inputName, batch, chunk, inRow, outRow, output, floatOut, outF, outI);
        } finally {
            model.freezeParameters(false);
        }
        int[] dims = new int[outShape.rank()];
        for (int i = 0; i < dims.length; i++) dims[i] = outShape.dim(i) instanceof Dim.Known k ? k.size() : batch;
        return floatOut ? new NpyArray.F32(dims, outF) : new NpyArray.I32(dims, outI);
    }

    /** Runs the model over the input in chunks of at most {@code chunk} rows, copying each chunk's output out. */
    private void predictChunks(NpyArray in, String inputName, int batch, int chunk, int inRow, int outRow, String output,
                               boolean floatOut, float[] outF, int[] outI) {
        for (int start = 0; start < batch; start += chunk) {
            int rows = Math.min(chunk, batch - start);
            if (model.batch() != rows) model.setBatch(rows);
            switch (in) {
                case NpyArray.F32 f -> System.arraycopy(f.values(), start * inRow, model.floatBuffer(inputName), 0, rows * inRow);
                case NpyArray.I32 i -> System.arraycopy(i.values(), start * inRow, model.intBuffer(inputName), 0, rows * inRow);
            }
            model.predict();
            // an output named like the input it rebinds (x = dense(x, 2); output x) is read under its alias
            String buffer = OutputBuffers.bufferName(graph, output);
            if (floatOut) System.arraycopy(model.floatBuffer(buffer), 0, outF, start * outRow, rows * outRow);
            else System.arraycopy(model.intBuffer(buffer), 0, outI, start * outRow, rows * outRow);
        }
    }

    /**
     * The batch size {@code actual} binds to the declared shape's symbol (1 when it has none), or -1
     * when the shapes do not fit, 0 when the batch is empty.
     */
    static int bindBatch(Shape declared, int[] actual) {
        if (declared.rank() != actual.length) return -1;
        Integer bound = null;
        for (int i = 0; i < actual.length; i++) {
            switch (declared.dim(i)) {
                case Dim.Known k -> { if (k.size() != actual[i]) return -1; }
                case Dim.Sym s -> {
                    if (bound != null && bound != actual[i]) return -1;
                    bound = actual[i];
                }
            }
        }
        return bound == null ? 1 : bound;
    }
}
