package dev.netc.cli;

import dev.netc.compiler.CompileOptions;
import dev.netc.compiler.Pipeline;
import dev.netc.frontend.CheckedModel;
import dev.netc.ir.Graph;
import dev.netc.ir.train.TrainSpec;
import dev.netc.onnx.peer.OnnxRuntimeBench;
import dev.netc.runtime.bench.InferencePeer;
import dev.netc.runtime.bench.BenchOptions;
import dev.netc.runtime.bench.BenchReport;
import dev.netc.runtime.bench.BenchResult;
import dev.netc.runtime.bench.ModelBench;
import dev.netc.runtime.backend.JavaBackend;
import dev.netc.runtime.cuda.CudaBackend;
import dev.netc.runtime.cuda.CudaUnavailableException;
import dev.netc.codegen.cuda.GemmTiling;
import dev.netc.runtime.io.IoErrors;
import dev.netc.runtime.io.OutputFiles;
import dev.netc.runtime.train.MemoryBudget;
import dev.netc.runtime.train.TrainingSetupException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.netc.runtime.distributed.DataParallel;
import dev.netc.runtime.distributed.DistributedBench;
import dev.netc.runtime.distributed.DistributedUnavailableException;
import dev.netc.runtime.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code netc bench FILE}: trains the model on synthetic data compiled fused and unfused in one run
 * and prints throughput, peak memory and their ratio. The JSON file nests one object per build
 * ({@code {"fused": {"train_images_per_s": ...}, "unfused": {...}}}), see {@link BenchReport}.
 */
@Command(name = "bench", description = "Train on synthetic data, fused and unfused in the same run; print train and"
        + " inference images/s, peak memory and the fused/unfused ratio.")
final class BenchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE") Path file;
    @Option(names = "--model", description = "Model to benchmark (default: the file's only or first trained model).") String model;
    @Option(names = "--batch", paramLabel = "N", description = "Batch size (default: the train block's).") Integer batch;
    @Option(names = "--steps", paramLabel = "N", defaultValue = "20", description = "Timed steps per build (default 20).") int steps;
    // 200, not 50 (nor 10): the MNIST CNN's fused step, timed in windows of 50 steps on the Zen 5 machine, took 27-30 ms
    // (median) in the first window, then 12.6 / 12.0 / 11.7 ms and 11.4-11.7 from step 200 on; in five such runs steps
    // 51-100 were 7-14% slower than the plateau (bench/results/issue12-session18-warmup-and-trials.md). After 10 steps the
    // unfused build still allocated 2.4 MiB a step of boxed vectors.
    @Option(names = "--warmup", paramLabel = "N", defaultValue = "200", description = "Untimed warm-up steps per build, so the JIT has"
            + " compiled the hot code (default 200).") int warmup;
    @Option(names = "--seed", paramLabel = "N", defaultValue = "0") long seed;
    @Option(names = "--profile", description = "Then time the fused build kernel by kernel: time, FLOPs, bytes, GFLOP/s and GB/s"
            + " of each kernel next to the machine's FMA peak and memory bandwidth.") boolean profile;
    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON (nested: fused.train_images_per_s, ...).")
    Path json;
    @Option(names = "--distributed", description = "Under mpirun: time each step's computation and gradient allreduce on every rank "
            + "(--batch per rank), then an allreduce sweep over payload sizes; rank 0 prints them.") boolean distributed;
    @Option(names = "--bucket-mb", paramLabel = "MiB", description = "With --distributed: gradient bucket size (default 4).") Double bucketMb;
    @Option(names = "--backend", defaultValue = "java", description = "java (default) or cuda: the backend both builds run on.")
    String backend;
    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|tf32", description = Precision.DESCRIPTION) String precision;
    @Option(names = "--peer", paramLabel = "NAME", description = "Also time inference of the model exported to ONNX in a peer"
            + " runtime, in this process with the same threads: onnxruntime.") String peer;

    @Override public Integer call() {
        CheckedModel m = ModelLoader.load(file, model);
        TrainSpec spec = m.train().orElseThrow(() ->
                new CommandError(file + ": error: model '" + m.name() + "' has no train block to benchmark"));
        if (m.graph().output(Graph.LOSS).isEmpty())
            throw new CommandError("error: model '" + m.name() + "' has no loss: add `loss = ...` to its train block");
        int n = batch != null ? batch : spec.batch();
        if (n < 1) throw new CommandError("error: --batch must be at least 1");
        if (steps < 1) throw new CommandError("error: --steps must be at least 1");
        if (warmup < 0) throw new CommandError("error: --warmup must be at least 0");
        TrainCommand.checkBackend(backend);
        GemmTiling.Precision gemmPrecision = Precision.forBackend(precision, backend);
        boolean cuda = backend.equals("cuda");
        if (cuda && distributed) throw new CommandError("error: --backend cuda: --distributed runs on the Java backend only");
        if (distributed) return distributed(m, spec, n);
        if (bucketMb != null) throw new CommandError("error: --bucket-mb applies to --distributed runs only");
        if (peer != null && !peer.equals(PeerBench.ONNXRUNTIME))
            throw new CommandError("error: --peer " + peer + ": unknown peer (netc knows " + PeerBench.ONNXRUNTIME + ")");
        if (json != null)
            Outputs.check(List.of(new OutputFiles.Output("--json", json)), List.of(new OutputFiles.Input("the model source", file)));
        BenchResult result;
        OnnxRuntimeBench ort = null;
        try {
            MemoryBudget.checkBench(Pipeline.compile(m, CompileOptions.training()),
                    Pipeline.compile(m, CompileOptions.training().fused(false)), n);
            ModelBench.Backend build = !cuda ? JavaBackend::compile : (compilation, name) -> {
                try {
                    return CudaBackend.compile(compilation, name, 0, gemmPrecision);
                } catch (CudaUnavailableException e) {
                    throw new CommandError("error: --backend cuda: " + e.getMessage());
                }
            };
            ort = peer == null ? null : PeerBench.onnxRuntime(m, n, seed);
            InferencePeer timedPeer = null;
            if (ort != null) {
                OnnxRuntimeBench session = ort;
                timedPeer = new InferencePeer() {
                    @Override public void runBatch() { session.runBatch(); }
                    @Override public void runOne() { session.runOne(); }
                };
            }
            result = ModelBench.run(m.graph(), spec.optimizer(), m.name(), new BenchOptions(n, warmup, steps, seed, profile, backend), build,
                    timedPeer);
        } catch (TrainingSetupException e) {
            throw new CommandError("error: " + e.getMessage());
        } catch (OutOfMemoryError e) {
            throw new CommandError("error: " + MemoryBudget.outOfMemory(n));
        } finally {
            if (ort != null) ort.close();
        }
        System.out.print(BenchReport.table(result));
        InferencePeer.Timings peerResult = result.peer();
        if (peerResult != null) {
            System.out.printf(java.util.Locale.ROOT, "%nonnxruntime %s, %d threads, the same model exported, timed alternately with netc"
                            + " (column 3: netc fused / onnxruntime, above 1: netc faster)%n", ort.version(), ort.threads());
            System.out.printf(java.util.Locale.ROOT, "%-22s %14.1f %14s %14.2f%n", "inference images/s", peerResult.inferImagesPerS(), "",
                    result.fused().inferImagesPerS() / peerResult.inferImagesPerS());
            System.out.printf(java.util.Locale.ROOT, "%-22s %14.1f %14s %14.2f%n", "inference 1,000 img/s", peerResult.infer1000ImagesPerS(), "",
                    result.fused().infer1000ImagesPerS() / peerResult.infer1000ImagesPerS());
            System.out.printf(java.util.Locale.ROOT, "%-22s %14.3f %14s %14.2f%n", "batch-1 latency ms", peerResult.batch1LatencyMs(), "",
                    peerResult.batch1LatencyMs() / result.fused().batch1LatencyMs());
        }
        if (json != null) {
            try {
                if (peerResult == null) BenchReport.writeJson(json, result);
                else Outputs.writeString(json, withPeer(BenchReport.json(result), peerResult, ort.version(), ort.threads()));
            } catch (IOException e) {
                throw new CommandError("error: cannot write " + json + ": " + IoErrors.describe(e, json));
            }
            System.out.println("\nwrote " + json);
        }
        return 0;
    }

    /** {@code mpirun -np N netc bench FILE --distributed}: compute and allreduce per step, and the allreduce sweep. */
    private int distributed(CheckedModel m, TrainSpec spec, int n) {
        DataParallel group = Distributed.join("java", bucketMb == null ? DataParallel.DEFAULT_BUCKET_BYTES / (double) (1 << 20) : bucketMb);
        try {
            if (json != null && group.leader())
                Outputs.check(List.of(new OutputFiles.Output("--json", json)), List.of(new OutputFiles.Input("the model source", file)));
            DistributedBench.Result r = DistributedBench.run(m.graph(), spec.optimizer(), m.name(), new BenchOptions(n, warmup, steps, seed), group);
            if (group.leader()) {
                System.out.print(r.table());
                if (json != null) {
                    AtomicFiles.write(json, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(r));
                    System.out.println("wrote " + json);
                }
            }
        } catch (TrainingSetupException | DistributedUnavailableException e) {
            throw Distributed.onRank(group.rank(), new CommandError("error: " + e.getMessage()));
        } catch (CommandError e) {
            throw Distributed.onRank(group.rank(), e);
        } catch (IOException e) {
            throw new CommandError("error: cannot write " + json + ": " + IoErrors.describe(e, json));
        }
        group.close();
        group.communicator().close();
        return 0;
    }

    /** The bench JSON with {@code "peer": {"onnxruntime": {"infer_images_per_s": ..., "version": ..., "threads": ...}}}. */
    private static String withPeer(String json, InferencePeer.Timings peer, String version, int threads) throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper()
                .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
        com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(json);
        com.fasterxml.jackson.databind.node.ObjectNode ort = root.putObject("peer").putObject(PeerBench.ONNXRUNTIME);
        ort.put("infer_images_per_s", peer.inferImagesPerS());
        ort.put("infer_1000_images_per_s", peer.infer1000ImagesPerS());
        ort.put("batch1_latency_ms", peer.batch1LatencyMs());
        ort.put("version", version);
        ort.put("threads", threads);
        return mapper.writeValueAsString(root) + "\n";
    }
}
