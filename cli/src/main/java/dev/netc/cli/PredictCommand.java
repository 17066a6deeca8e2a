package dev.netc.cli;

import dev.netc.frontend.CheckedModel;
import dev.netc.onnx.InferenceModel;
import dev.netc.onnx.InteropException;
import dev.netc.onnx.npy.Npy;
import dev.netc.onnx.npy.NpyArray;
import dev.netc.onnx.npy.NpyException;
import dev.netc.runtime.io.OutputFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code netc predict FILE --input IN.npy -o OUT.npy}: the model's first output for every row of a
 * NumPy array, at inference (dropout off, batch norm on its moving statistics), with the weights of a
 * checkpoint or the model's seeded initialisation.
 */
@Command(name = "predict", description = "Run inference on a .npy array and write the model's output as .npy.")
final class PredictCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "The .net file.") Path file;
    @Option(names = "--model", description = "Model to run (default: the file's only or first trained model).") String model;
    @Option(names = "--weights", paramLabel = "CKPT", description = "A safetensors file (netc train --save, netc import); default: "
            + "the model's seeded initialisation.") Path weights;
    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seeds the initialisation without --weights "
            + "(default ${DEFAULT-VALUE}, as netc train).") long seed;
    @Option(names = "--input", paramLabel = "IN.npy", required = true, description = "f32 (i32 for an integer input) array [N, ...].")
    Path input;
    @Option(names = {"-o", "--output"}, paramLabel = "OUT.npy", required = true, description = "Where to write the output array.")
    Path output;

    @Override public Integer call() {
        CheckedModel m = ModelLoader.load(file, model);
        List<OutputFiles.Input> inputs = new ArrayList<>(List.of(new OutputFiles.Input("the model source", file),
                new OutputFiles.Input("the --input array", input)));
        if (weights != null) inputs.add(new OutputFiles.Input("the --weights file", weights));
        Outputs.check(List.of(new OutputFiles.Output("-o", output)), inputs);
        NpyArray in;
        try {
            in = Npy.read(input);
        } catch (NpyException e) {
            throw new CommandError("error: " + e.getMessage());
        }
        InferenceModel inference = InferenceLoader.open(m, weights, seed);
        NpyArray out;
        try {
            inference.input();
        } catch (InteropException e) {
            throw new CommandError(file + ": error: " + e.getMessage());
        }
        try {
            out = inference.predict(in);
        } catch (InteropException e) {
            throw new CommandError("error: " + input + ": " + e.getMessage());
        }
        Outputs.write(output, Npy.encode(out));
        System.out.println("wrote " + output + " (" + out.dtypeName() + Arrays.toString(out.shape()) + ", output '" + inference.output() + "')");
        return 0;
    }
}
