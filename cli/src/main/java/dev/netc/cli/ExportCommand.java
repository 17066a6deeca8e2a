package dev.netc.cli;

import dev.netc.frontend.CheckedModel;
import dev.netc.onnx.InferenceModel;
import dev.netc.onnx.InteropException;
import dev.netc.onnx.OnnxExporter;
import dev.netc.runtime.io.OutputFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code netc export FILE -o MODEL.onnx}: the inference graph as ONNX, batch symbolic, weights as initializers. */
@Command(name = "export", description = "Export the model's inference graph and weights as an ONNX file.")
final class ExportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "The .net file.") Path file;
    @Option(names = "--model", description = "Model to export (default: the file's only or first trained model).") String model;
    @Option(names = "--weights", paramLabel = "CKPT", description = "A safetensors file; default: the model's seeded initialisation.")
    Path weights;
    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seeds the initialisation without --weights (default ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = {"-o", "--output"}, paramLabel = "MODEL.onnx", required = true, description = "The ONNX file to write.") Path output;
    @Option(names = "--opset", paramLabel = "N", defaultValue = "" + OnnxExporter.DEFAULT_OPSET,
            description = "ai.onnx opset, " + OnnxExporter.MIN_OPSET + " to " + OnnxExporter.MAX_OPSET + " (default ${DEFAULT-VALUE}).") int opset;

    @Override public Integer call() {
        if (opset < OnnxExporter.MIN_OPSET || opset > OnnxExporter.MAX_OPSET)
            throw new CommandError("error: --opset " + opset + " is not supported (netc writes opsets " + OnnxExporter.MIN_OPSET + " to "
                    + OnnxExporter.MAX_OPSET + ")");
        CheckedModel m = ModelLoader.load(file, model);
        List<OutputFiles.Input> inputs = new ArrayList<>(List.of(new OutputFiles.Input("the model source", file)));
        if (weights != null) inputs.add(new OutputFiles.Input("the --weights file", weights));
        Outputs.check(List.of(new OutputFiles.Output("-o", output)), inputs);
        InferenceModel inference = InferenceLoader.open(m, weights, seed);
        byte[] bytes;
        try {
            bytes = OnnxExporter.export(m.graph(), inference.parameters(), m.name(), opset).toByteArray();
        } catch (InteropException e) {
            throw new CommandError(file + ": error: " + e.getMessage());
        }
        Outputs.write(output, bytes);
        System.out.println("wrote " + output + " (opset " + opset + ", " + bytes.length + " bytes)");
        return 0;
    }
}
