package dev.netc.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.netc.runtime.checkpoint.Checkpoint;
import dev.netc.runtime.checkpoint.Checkpoints;
import dev.netc.runtime.checkpoint.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mpirun -np 2 netc train --distributed} on localhost, against one process: the data-parallel run
 * must train the same parameters as one process with the global batch, resume as a group, and end
 * cleanly when a rank dies. Skipped (saying so) without mpirun; CI installs Open MPI.
 */
class DistributedTrainTest {
    private static final String SPIRALS = MpiRun.example("spirals.net").toString();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    @Test
    void twoRanksTrainTheParametersOneProcessTrainsWithTheGlobalBatchAndResumeAsAGroup() throws Exception {
        MpiRun.assumeMpirun();
        // 4 KiB buckets: spirals' 4,482 gradient floats take five allreduces, tensors split across buckets
        MpiRun.Result two = MpiRun.run(MpiRun.mpirun(2, List.of("train", SPIRALS, "--distributed", "--batch", "16", "--steps", "20",
                "--log-every", "10", "--bucket-mb", "0.00390625", "--save", "two.st", "--metrics", "two.json", "--no-progress")), dir, Map.of(), 300);
        assertEquals(0, two.exit(), two.output());
        MpiRun.Result one = MpiRun.run(MpiRun.netc(List.of("train", SPIRALS, "--batch", "32", "--steps", "20", "--log-every", "10",
                "--save", "one.st", "--no-progress")), dir, Map.of(), 300);
        assertEquals(0, one.exit(), one.output());

        Checkpoint a = Checkpoints.load(dir.resolve("two.st")), b = Checkpoints.load(dir.resolve("one.st"));
        assertEquals(b.tensors().keySet(), a.tensors().keySet());
        double worst = 0;
        for (String name : a.tensors().keySet()) worst = Math.max(worst, relativeDifference(a.tensors().get(name), b.tensors().get(name)));
        System.out.printf("2 ranks x batch 16 vs 1 process x batch 32, 20 Adam steps: max relative difference %.3g%n", worst);
        assertTrue(worst <= 1e-5, "parameters and optimizer state differ by " + worst + " (relative to each tensor's largest value)");
        assertEquals(32, a.requireState().batch(), "the checkpoint records the global batch");

        // rank 0 alone prints: one final line, the same metrics as the single process to the printed digits' tolerance
        List<String> finals = two.lines().stream().filter(l -> l.startsWith("test_accuracy=")).toList();
        assertEquals(1, finals.size(), two.output());
        assertEquals(accuracy(one.lines().getLast()), accuracy(finals.getFirst()), 0.003);
        assertTrue(two.output().contains("distributed: 2 ranks x batch 16 = 32 per step; 5 allreduces/step"), two.output());

        JsonNode d = JSON.readTree(dir.resolve("two.json").toFile()).get("distributed");
        int gradientFloats = a.tensors().entrySet().stream().filter(e -> !e.getKey().startsWith("optimizer::"))
                .mapToInt(e -> e.getValue().values().length).sum();
        assertEquals(2, d.get("ranks").asInt());
        assertEquals(16, d.get("rank_batch").asInt());
        assertEquals((gradientFloats + 1023) / 1024, d.get("allreduces_per_step").asInt());
        assertEquals((gradientFloats + 2L) * Float.BYTES, d.get("bytes_per_step").asLong(), "gradients plus loss and correct count");
        assertEquals(20, d.get("steps").asInt());
        assertEquals(20L * d.get("allreduces_per_step").asInt(), d.get("allreduces").asLong());

        // the group resumes bit for bit: 10 steps, then on to 20 from the checkpoint (--global-batch = 2 x --batch 16)
        List<String> half = List.of("train", SPIRALS, "--distributed", "--global-batch", "32", "--steps", "10", "--log-every", "5",
                "--save", "resumed.st", "--no-progress");
        MpiRun.Result first = MpiRun.run(MpiRun.mpirun(2, half), dir, Map.of(), 300);
        assertEquals(0, first.exit(), first.output());
        MpiRun.Result rest = MpiRun.run(MpiRun.mpirun(2, List.of("train", SPIRALS, "--distributed", "--steps", "20", "--log-every", "5",
                "--resume", "resumed.st", "--save", "resumed.st", "--no-progress")), dir, Map.of(), 300);
        assertEquals(0, rest.exit(), rest.output());
        assertTrue(rest.output().contains("resumed from"), rest.output());
        Checkpoint resumed = Checkpoints.load(dir.resolve("resumed.st"));
        for (String name : a.tensors().keySet())
            assertArrayEquals(a.tensors().get(name).values(), resumed.tensors().get(name).values(), name);
    }

    /** The acceptance run: MNIST softmax, 2 ranks x 100 against one process x 200, 3 epochs. */
    @Test
    void mnistSoftmaxOnTwoRanksEndsWhereOneProcessWithTheGlobalBatchEnds() throws Exception {
        MpiRun.assumeMpirun();
        Path mnist = MpiRun.ROOT.resolve("../shared/data/mnist").normalize();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(mnist.resolve("t10k-labels-idx1-ubyte.gz"))
                || Files.isRegularFile(mnist.resolve("t10k-labels-idx1-ubyte")), "MNIST not found at " + mnist + ": skipping");
        String model = MpiRun.example("mnist_softmax.net").toString();
        MpiRun.Result two = MpiRun.run(MpiRun.mpirun(2, List.of("train", model, "--distributed", "--data", mnist.toString(),
                "--epochs", "3", "--no-progress")), dir, Map.of(), 300);
        assertEquals(0, two.exit(), two.output());
        MpiRun.Result one = MpiRun.run(MpiRun.netc(List.of("train", model, "--data", mnist.toString(), "--epochs", "3", "--batch", "200",
                "--no-progress")), dir, Map.of(), 300);
        assertEquals(0, one.exit(), one.output());
        String last = two.lines().getLast();
        assertTrue(last.startsWith("test_accuracy="), two.output());
        assertEquals(accuracy(one.lines().getLast()), accuracy(last), 0.003);
    }

    @Test
    void aDeadRankEndsTheJobNamingItAndTheLastCheckpointStaysIntact() throws Exception {
        MpiRun.assumeMpirun();
        MpiRun.Started job = MpiRun.start(MpiRun.mpirun(2, List.of("train", SPIRALS, "--distributed", "--steps", "1000000",
                "--log-every", "5", "--save", "run.st", "--metrics", "run.json", "--scale-lr", "linear", "--no-progress")), dir, Map.of());
        Process mpirun = job.process();
        try {
            for (int i = 0; i < 3000 && !Files.exists(dir.resolve("run.st")); i++) {
                assertTrue(mpirun.isAlive(), job.output());
                Thread.sleep(100);
            }
            assertTrue(Files.exists(dir.resolve("run.st")), "no checkpoint after 300 s: " + job.output());
            ProcessHandle rank1 = mpirun.descendants().filter(h -> rank(h).equals(Optional.of(1))).findFirst()
                    .orElseThrow(() -> new AssertionError("no process with OMPI_COMM_WORLD_RANK=1 under mpirun"));
            rank1.destroyForcibly();
            assertTrue(mpirun.waitFor(10, TimeUnit.SECONDS), "the job still runs 10 s after rank 1 died: " + job.output());
        } finally {
            mpirun.descendants().forEach(ProcessHandle::destroyForcibly);
            mpirun.destroyForcibly();
        }
        assertNotEquals(0, mpirun.exitValue(), job.output());
        assertTrue(job.output().contains("rank 1"), job.output());
        Checkpoint last = Checkpoints.load(dir.resolve("run.st"));  // verifies the whole-file checksum
        assertEquals(0, last.requireState().step() % 5);
        try (var files = Files.list(dir)) {
            List<String> temps = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
            assertEquals(List.of(), temps, "half-written files left behind");
        }
        // --scale-lr linear: Horovod's rule, the train block's 0.01 times 2 ranks
        assertEquals(0.02, JSON.readTree(dir.resolve("run.json").toFile()).get("learning_rate").asDouble(), 1e-12);
    }

    @Test
    void benchDistributedReportsComputeAllreduceBytesAndASweepFromTheSlowestRank() throws Exception {
        MpiRun.assumeMpirun();
        MpiRun.Result r = MpiRun.run(MpiRun.mpirun(2, List.of("bench", SPIRALS, "--distributed", "--batch", "16", "--steps", "3",
                "--warmup", "1", "--json", "bench.json")), dir, Map.of(), 300);
        assertEquals(0, r.exit(), r.output());
        assertEquals(1, r.lines().stream().filter(l -> l.startsWith("spirals, 2 ranks x batch 16")).count(), "rank 0 alone prints");
        JsonNode b = JSON.readTree(dir.resolve("bench.json").toFile());
        assertEquals(2, b.get("ranks").asInt());
        long floats = b.get("bytesPerStep").asLong() / Float.BYTES;
        assertEquals(1, b.get("allreducesPerStep").asInt(), "spirals' gradients fit one 4 MiB bucket");
        assertTrue(floats > 2 && b.get("bytesPerStep").asLong() % Float.BYTES == 0, "gradients plus loss and correct count");
        assertTrue(b.get("computeSeconds").asDouble() > 0 && b.get("allreduceSeconds").asDouble() > 0, b.toString());
        JsonNode sweep = b.get("sweep");
        assertEquals(5, sweep.size());
        for (int i = 0; i < sweep.size(); i++) assertTrue(sweep.get(i).get("seconds").asDouble() > 0);
        assertTrue(b.get("overlap").asText().startsWith("none"), "no overlap with the backward pass, and it says so");
    }

    @Test
    void withoutMpirunDistributedIsAUserErrorThatSaysWhatIsMissing() throws Exception {
        MpiRun.Result r = MpiRun.run(MpiRun.netc(List.of("train", SPIRALS, "--distributed", "--steps", "1")), dir, Map.of(), 120);
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().contains("error: --distributed needs to be started by Open MPI's mpirun"), r.output());
        assertFalse(r.output().contains("Exception"), r.output());
    }

    @Test
    void cudaBackendWithoutNcclIsAUserErrorNamingTheLibrary() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.netc.runtime.distributed.Nccl.problem().isPresent(), "NCCL is installed here");
        // mpirun's variables for a job of one, so the check gets past the launch to the libraries
        MpiRun.Result r = MpiRun.run(MpiRun.netc(List.of("train", SPIRALS, "--distributed", "--backend", "cuda", "--steps", "1")), dir,
                Map.of("OMPI_COMM_WORLD_SIZE", "1", "OMPI_COMM_WORLD_RANK", "0", "OMPI_COMM_WORLD_LOCAL_RANK", "0"), 120);
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().contains("error: --backend cuda --distributed: NCCL not found: none of libnccl.so.2"), r.output());
        assertFalse(r.output().contains("Exception"), r.output());
    }

    @Test
    void distributedFlagsNeedDistributedAndAPlainRunNeverLoadsMpi() throws Exception {
        assertEquals(2, Main.run("train", SPIRALS, "--global-batch", "64", "--steps", "1"));
        assertEquals(2, Main.run("train", SPIRALS, "--scale-lr", "linear", "--steps", "1"));
        assertEquals(0, Main.run("train", SPIRALS, "--steps", "2", "--no-progress"));
        Path maps = Path.of("/proc/self/maps");
        if (Files.exists(maps)) assertFalse(Files.readString(maps).contains("libmpi"), "a plain run loaded MPI");
    }

    /** Largest absolute difference over the largest magnitude of the tensor. */
    private static double relativeDifference(TensorData x, TensorData y) {
        float[] a = x.values(), b = y.values();
        assertEquals(a.length, b.length);
        double diff = 0, scale = 1e-30;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs((double) a[i] - b[i]));
            scale = Math.max(scale, Math.max(Math.abs(a[i]), Math.abs(b[i])));
        }
        return diff / scale;
    }

    private static double accuracy(String line) {
        for (String field : line.split(" ")) if (field.startsWith("test_accuracy=")) return Double.parseDouble(field.substring(14));
        throw new AssertionError("no test_accuracy in " + line);
    }

    /** The MPI rank of a process mpirun started, from its environment. */
    private static Optional<Integer> rank(ProcessHandle h) {
        try {
            for (String v : new String(Files.readAllBytes(Path.of("/proc", String.valueOf(h.pid()), "environ"))).split("\0"))
                if (v.startsWith("OMPI_COMM_WORLD_RANK=")) return Optional.of(Integer.parseInt(v.substring(21)));
        } catch (java.io.IOException | NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
