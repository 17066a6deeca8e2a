package dev.netc.cli;

import dev.netc.onnx.InteropException;
import dev.netc.onnx.OnnxImporter;
import dev.netc.runtime.checkpoint.SafeTensors;
import dev.netc.runtime.io.IoErrors;
import dev.netc.runtime.io.OutputFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code netc import MODEL.onnx -o DIR}: writes {@code DIR/NAME.net} (layers where a pattern is
 * recognised, ops otherwise) and {@code DIR/NAME.safetensors} with the weights, for every other command.
 */
@Command(name = "import", description = "Import an ONNX model as a .net file and a safetensors file of its weights.")
final class ImportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL.onnx", description = "The ONNX file.") Path file;
    @Option(names = {"-o", "--output"}, paramLabel = "DIR", required = true, description = "Directory for NAME.net and NAME.safetensors.")
    Path dir;

    @Override public Integer call() {
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) throw new CommandError(file + ": error: is a directory, not an ONNX file");
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CommandError(file + ": error: no such file");
        } catch (IOException e) {
            throw new CommandError(file + ": error: cannot read: " + IoErrors.describe(e, file));
        }
        String stem = file.getFileName().toString().replaceFirst("\\.onnx$", "");
        OnnxImporter.Imported imported;
        try {
            imported = OnnxImporter.importModel(bytes, file.toString(), stem);
        } catch (InteropException e) {
            throw new CommandError("error: " + e.getMessage());
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new CommandError("error: -o " + dir + ": is a file, not a directory");
        Path net = dir.resolve(imported.name() + ".net"), weights = dir.resolve(imported.name() + ".safetensors");
        Outputs.check(List.of(new OutputFiles.Output("the imported model", net), new OutputFiles.Output("the imported weights", weights)),
                List.of(new OutputFiles.Input("the ONNX file", file)));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CommandError("error: cannot create " + dir + ": " + IoErrors.describe(e, dir));
        }
        Outputs.write(weights, SafeTensors.encode(imported.weights(), Map.of("source", file.getFileName().toString())));
        Outputs.writeString(net, imported.source());
        System.out.println("wrote " + net + " and " + weights + " (" + imported.weights().size() + " tensors)");
        return 0;
    }
}
