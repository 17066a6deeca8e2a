package dev.netc.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code netc} command. Exit codes: 0 success, 2 user error (file, flags, data), 1 internal error.
 */
// scope INHERIT: every subcommand has -h/--help (exit 0, even with its required arguments missing) and -V/--version.
@Command(name = "netc", mixinStandardHelpOptions = true, version = "netc 0.1.0", scope = CommandLine.ScopeType.INHERIT,
        description = "A compiler for neural networks written as .net files.",
        subcommands = {CheckCommand.class, SummaryCommand.class, IrCommand.class, GraphCommand.class,
                CompileCommand.class, TrainCommand.class, FusionCommand.class, BenchCommand.class, EvalCommand.class,
                PredictCommand.class, ExportCommand.class, ImportCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final int USER_ERROR = 2;
    public static final int INTERNAL_ERROR = 1;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { throw new CommandLine.ParameterException(spec.commandLine(), "missing command"); }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line and returns its exit code (tests call this directly). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        // picocli already exits with 2 (ExitCode.USAGE) on invalid flags, matching USER_ERROR.
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof CommandError) {
                System.err.println(ex.getMessage());
                return USER_ERROR;
            }
            for (Throwable cause = ex; cause != null; cause = cause.getCause())
                if (cause instanceof OutOfMemoryError) return outOfMemory();
            System.err.println("netc: internal error (this is a bug in netc, please report it): " + ex);
            ex.printStackTrace(System.err);
            return INTERNAL_ERROR;
        });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            return outOfMemory();
        }
    }

    /** A model (or batch) too large for the heap is the user's to change, not a bug in netc. */
    private static int outOfMemory() {
        System.err.println("error: out of memory: the model's tensors do not fit in the Java heap (at most "
                + (Runtime.getRuntime().maxMemory() >> 20) + " MiB); use a smaller model or batch size");
        return USER_ERROR;
    }
}
