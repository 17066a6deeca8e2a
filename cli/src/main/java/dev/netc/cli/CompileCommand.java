package dev.netc.cli;

import dev.netc.codegen.cuda.CudaProgram;
import dev.netc.frontend.CheckedModel;
import dev.netc.ir.Graph;
import dev.netc.ir.train.OptimizerSpec;
import dev.netc.ir.train.TrainSpec;
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
            description = "CUDA target: compute_XX writes PTX, sm_XX a CUBIN (default compute_80; needs NVRTC).") String arch;

    @Override public Integer call() {
        CheckedModel m = ModelLoader.load(file, model);
        if (!target.equals("java") && !target.equals("cuda"))
            throw new UserError("error: unknown target '" + target + "' (available: java, cuda)");
        OptimizerSpec optimizer = m.train().map(TrainSpec::optimizer).orElse(null);
        Graph g = optimizer == null ? m.graph() : Graphs.withGradients(m);
        if (target.equals("cuda")) return cuda(g, optimizer, m.name());
        Map<String, String> sources = JavaBackend.sources(g, optimizer, !noFuse, m.name());
        for (var e : sources.entrySet()) Outputs.writeString(outDir.resolve(e.getKey()), e.getValue());
        System.out.println("wrote " + sources.size() + " file(s) to " + outDir);
        return 0;
    }

    /** The .cu source and manifest.json; PTX or CUBIN too when NVRTC is installed. */
    private int cuda(Graph g, OptimizerSpec optimizer, String name) {
        if (!arch.matches("(compute|sm)_\\d+[a-z]?")) throw new UserError("error: --arch must look like compute_80 or sm_90, got '" + arch + "'");
        CudaProgram program = CudaBackend.generate(g, optimizer, !noFuse, name);
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
}
