package dev.netc.cli;

import dev.netc.frontend.CheckResult;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "check", description = "Parse and type-check .net files; exit 0 when all are clean, 2 otherwise.")
final class CheckCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE") List<Path> files;

    @Override public Integer call() {
        int status = 0;
        for (Path f : files) {
            CheckResult r;
            try {
                r = ModelLoader.check(f);
            } catch (CommandError e) {
                System.err.println(e.getMessage());
                status = Main.USER_ERROR;
                continue;
            }
            if (!r.diagnostics().isEmpty()) System.err.print(r.render());
            if (r.hasErrors()) status = Main.USER_ERROR;
            else System.out.println(f + ": ok (" + r.models().size() + (r.models().size() == 1 ? " model)" : " models)"));
        }
        return status;
    }
}
