package dev.netc.cli;

import dev.netc.frontend.CheckResult;
import dev.netc.frontend.CheckedModel;
import dev.netc.frontend.Frontend;
import dev.netc.frontend.SourceFile;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Collectors;

/** Reads and checks .net files for the commands, turning every failure into a {@link CommandError}. */
final class ModelLoader {
    private ModelLoader() {}

    static CheckResult check(Path file) {
        SourceFile source;
        try {
            if (Files.isDirectory(file)) throw new CommandError(file + ": error: is a directory, not a .net file");
            source = SourceFile.read(file);
        } catch (NoSuchFileException e) {
            throw new CommandError(file + ": error: no such file");
        } catch (AccessDeniedException e) {
            throw new CommandError(file + ": error: cannot read: permission denied");
        } catch (IOException e) {
            throw new CommandError(file + ": error: cannot read: " + e.getMessage());
        }
        return Frontend.check(source);
    }

    /** The named model, or the file's only model, or its first model with a train block. */
    static CheckedModel load(Path file, String modelName) {
        CheckResult result = check(file);
        if (result.hasErrors()) throw new CommandError(result.render().stripTrailing());
        if (modelName != null) {
            return result.models().stream().filter(m -> m.name().equals(modelName)).findFirst()
                    .orElseThrow(() -> new CommandError(file + ": error: no model named '" + modelName + "' (models: "
                            + result.models().stream().map(CheckedModel::name).collect(Collectors.joining(", ")) + ")"));
        }
        if (result.models().size() == 1) return result.models().getFirst();
        return result.models().stream().filter(m -> m.train().isPresent()).findFirst()
                .orElse(result.models().getFirst());
    }
}
