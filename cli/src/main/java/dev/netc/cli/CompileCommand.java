package dev.netc.cli;

import dev.netc.codegen.cuda.CudaProgram;
import dev.netc.codegen.cuda.GemmTiling;
import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.frontend.CheckedModel;
import dev.netc.ir.plan.Compilation;
import dev.netc.runtime.backend.JavaBackend;
import dev.netc.runtime.cuda.CudaBackend;
import dev.netc.runtime.cuda.CudaUnavailableException;
import dev.netc.runtime.cuda.Nvrtc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "compile", description = "Compile a model ahead of time and write the generated sources.")
final class CompileCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE") Path file;
    @Option(names = "--target", defaultValue = "java", description = "java (default) or cuda.") String target;
    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR") Path outDir;
    @Option(names = "--model") String model;
    @Option(names = "--no-fuse", description = "Every op its own kernel (the unfused baseline).") boolean noFuse;
    @Option(names = "--arch", defaultValue = "compute_80",
            description = "CUDA target: compute_XY writes PTX, sm_XY a CUBIN, XY >= 50 (default compute_80; needs NVRTC).") String arch;
    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|tf32", description = Precision.DESCRIPTION) String precision;

    @Override public Integer call() {
        if (!target.equals("java") && !target.equals("cuda"))
            throw new CommandError("error: unknown target '" + target + "' (available: java, cuda)");
        if (target.equals("cuda")) checkArch(arch);
        GemmTiling.Precision gemmPrecision = Precision.forBackend(precision, target);
        CheckedModel m = ModelLoader.load(file, model);
        CompileOptions options = m.train().isPresent() ? CompileOptions.training() : CompileOptions.inferenceOnly();
        Compilation c = Pipeline.compile(m, options.fused(!noFuse));
        if (target.equals("cuda")) return cuda(c, m.name(), gemmPrecision);
        Map<String, String> sources = JavaBackend.sources(c, m.name());
        for (var e : sources.entrySet()) Outputs.writeString(outDir.resolve(e.getKey()), e.getValue());
        System.out.println("wrote " + sources.size() + " file(s) to " + outDir);
        return 0;
    }

    /** The .cu source and manifest.json; PTX or CUBIN too when NVRTC is installed. */
    private int cuda(Compilation c, String name, GemmTiling.Precision gemmPrecision) {
        CudaProgram program = CudaBackend.generate(c, name, gemmPrecision);
        Map<String, String> files = new LinkedHashMap<>();
        files.put(program.sourceName(), program.source());
        files.put("manifest.json", program.manifest().toJson());
        for (var e : files.entrySet()) Outputs.writeString(outDir.resolve(e.getKey()), e.getValue());
        int written = files.size();
        try {
            byte[] code = CudaBackend.compile(Nvrtc.load(), program, arch);
            String binary = program.sourceName().replace(".cu", "." + arch + (arch.startsWith("sm_") ? ".cubin" : ".ptx"));
            if (arch.startsWith("sm_")) Outputs.write(outDir.resolve(binary), code);
            else Outputs.writeString(outDir.resolve(binary), new String(code, StandardCharsets.UTF_8).replace("\0", ""));
            written++;
        } catch (CudaUnavailableException e) {
            System.err.println("note: " + e.getMessage() + " Wrote the CUDA source without " + (arch.startsWith("sm_") ? "a CUBIN." : "PTX."));
        }
        System.out.println("wrote " + written + " file(s) to " + outDir + " (" + program.manifest().launches().size() + " kernel launches)");
        return 0;
    }

    /** The oldest architecture accepted: compute capability 5.0 (Maxwell), the oldest current CUDA toolkits compile for. */
    static final int MIN_ARCH = 50;

    /** {@code --arch}: compute_XY (PTX) or sm_XY (CUBIN), XY a compute capability of at least {@value #MIN_ARCH}, optionally a/f. */
    static void checkArch(String arch) {
        var m = java.util.regex.Pattern.compile("(compute|sm)_(\\d{2,3})([af]?)").matcher(arch);
        if (!m.matches() || Integer.parseInt(m.group(2)) < MIN_ARCH)
            throw new CommandError("error: --arch '" + arch + "' is not a CUDA architecture netc compiles for: expected compute_XY (PTX) "
                    + "or sm_XY (CUBIN) with XY a compute capability of at least " + MIN_ARCH + ", e.g. sm_80 or compute_90");
    }

    private static void writeBytes(Path target, byte[] bytes) {
        try {
            dev.netc.runtime.io.AtomicFiles.write(target, bytes);
        } catch (java.io.IOException e) {
            throw new CommandError(target + ": error: cannot write: " + e.getMessage());
        }
    }
}
