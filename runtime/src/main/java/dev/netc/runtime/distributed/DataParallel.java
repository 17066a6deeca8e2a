package dev.netc.runtime.distributed;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.netc.api.GeneratedModel;
import dev.netc.compiler.OutputBuffers;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Data-parallel training as the training loop sees it (Horovod's recipe): every rank holds the whole
 * model and trains on its own shard of each global batch; {@link #start} broadcasts rank 0's parameters
 * and optimizer state; {@link #averageGradients}, called between {@code backward()} and {@code update()},
 * replaces every gradient by its mean over the ranks, so every rank applies the same update and the
 * parameters stay identical. The gradients go in buckets of at most {@code bucketBytes}
 * ({@link GradientBuckets}) in reverse parameter order (the order backward produces them), staged in
 * one native buffer, each bucket one in-place allreduce; the step's loss and correct count ride in the
 * last bucket. Not shared between threads.
 *
 * <p>The allreduce starts after {@code backward()} returns: the generated model's backward pass is one
 * call with no point between kernels where a finished bucket could be handed over, so communication
 * does not overlap the backward pass (the report says so).
 */
public final class DataParallel implements AutoCloseable {
    /** Horovod's fusion threshold is 64 MiB; a few MiB keeps the staging buffer small and still amortises latency. */
    public static final long DEFAULT_BUCKET_BYTES = 4L << 20;
    static final String NO_OVERLAP = "none: backward() is one call, so buckets are reduced after it returns";

    private final Communicator comm;
    private final long bucketBytes;
    /** With --backend cuda: NCCL, set up by {@link #start} once the model's GPU context is current. */
    private final java.util.Optional<Nccl> nccl;
    private NcclCommunicator device;
    private List<NcclCommunicator.DeviceBuffer> deviceGradients = List.of();
    private final Arena arena = Arena.ofConfined();
    private List<String> gradients = List.of();
    private List<GradientBuckets.Bucket> buckets = List.of();
    private MemorySegment staging = MemorySegment.NULL;
    private long allreduces, bytes, nanos, steps;

    private DataParallel(Communicator comm, long bucketBytes, java.util.Optional<Nccl> nccl) {
        this.nccl = nccl;
        if (bucketBytes < Float.BYTES) throw new IllegalArgumentException("bucket of " + bucketBytes + " bytes holds no float");
        this.comm = comm;
        this.bucketBytes = bucketBytes;
    }

    /** One process: every operation is the identity and nothing is loaded. */
    public static DataParallel single() { return new DataParallel(new Communicator.Single(), DEFAULT_BUCKET_BYTES, java.util.Optional.empty()); }

    /** Training over {@code comm} with gradient buckets of at most {@code bucketBytes}. */
    public static DataParallel over(Communicator comm, long bucketBytes) {
        return new DataParallel(comm, bucketBytes, java.util.Optional.empty());
    }

    /**
     * Training a CUDA model over {@code comm}: gradients are averaged in GPU memory by {@code nccl} (one NCCL group per
     * step, NCCL fusing the tensors), the parameters' first broadcast and the metrics go through {@code comm}.
     */
    public static DataParallel overNccl(Communicator comm, Nccl nccl) {
        return new DataParallel(comm, DEFAULT_BUCKET_BYTES, java.util.Optional.of(nccl));
    }

    public int rank() { return comm.rank(); }

    public int size() { return comm.size(); }

    /** Rank 0: the one that logs, evaluates and writes files. */
    public boolean leader() { return comm.leader(); }

    public Communicator communicator() { return comm; }

    /** Examples each rank takes of a global batch; the global batch must split evenly. */
    public int rankBatch(int globalBatch) {
        if (globalBatch % comm.size() != 0)
            throw new IllegalArgumentException("global batch " + globalBatch + " does not split over " + comm.size() + " ranks");
        return globalBatch / comm.size();
    }

    /**
     * Before the first step: checks that every rank runs the same training ({@code facts}, e.g. parameter count and
     * steps, compared with rank 0's) and copies rank 0's parameters and optimizer state to every rank.
     *
     * @throws DistributedUnavailableException when a rank's facts differ from rank 0's
     */
    public void start(GeneratedModel model, Graph graph, java.util.SequencedMap<String, Long> facts) {
        if (comm.size() == 1) return;  // a plain run: nothing to agree on or copy, no staging buffer
        List<GradientBuckets.Tensor> grads = new ArrayList<>(), state = new ArrayList<>();
        List<String> gradNames = new ArrayList<>();
        List<float[]> stateArrays = new ArrayList<>();
        List<Node> params = graph.parameters();
        for (int i = params.size() - 1; i >= 0; i--) {
            Node p = params.get(i);
            graph.gradientOutput(p.id()).ifPresent(out -> {
                String name = OutputBuffers.bufferName(graph, out);
                gradNames.add(name);
                grads.add(new GradientBuckets.Tensor(name, model.floatBuffer(name).length));
            });
        }
        for (Node p : params) {
            String name = ((Op.Parameter) p.op()).name();
            float[] values = model.floatBuffer(name);
            stateArrays.add(values);
            state.add(new GradientBuckets.Tensor(name, values.length));
        }
        new java.util.TreeMap<>(model.optimizerState()).forEach((name, values) -> {
            stateArrays.add(values);
            state.add(new GradientBuckets.Tensor(name, values.length));
        });
        int capacity = (int) Math.min(Integer.MAX_VALUE - 2, bucketBytes / Float.BYTES);
        buckets = GradientBuckets.plan(grads, capacity, 2);
        List<GradientBuckets.Bucket> stateBuckets = GradientBuckets.plan(state, capacity, 0);
        staging = arena.allocate((long) Math.max(GradientBuckets.largest(buckets), GradientBuckets.largest(stateBuckets)) * Float.BYTES, 64);
        gradients = List.copyOf(gradNames);
        Map<String, Long> all = new LinkedHashMap<>(facts);
        all.put("gradient floats", GradientBuckets.total(buckets));
        all.put("parameter and optimizer-state floats", GradientBuckets.total(stateBuckets));
        agree(all);
        for (GradientBuckets.Bucket b : stateBuckets) {
            pack(stateArrays, b);
            comm.broadcast(staging.asSlice(0, (long) b.floats() * Float.BYTES), 0);
            unpack(stateArrays, b, 1);
        }
        if (nccl.isPresent()) {
            if (!(model instanceof dev.netc.runtime.cuda.CudaModel cuda))
                throw new IllegalStateException("NCCL averages the gradients of a CUDA model, got " + model.getClass().getSimpleName());
            device = NcclCommunicator.create(nccl.get(), comm);
            deviceGradients = grads.stream().map(t -> new NcclCommunicator.DeviceBuffer(cuda.devicePointer(t.name()), t.length())).toList();
            // the metrics alone go through MPI: one bucket of two floats
            buckets = GradientBuckets.plan(List.of(), 2, 2);
        }
    }

    /** Every rank's facts must equal rank 0's: one broadcast of rank 0's values, compared on each rank. */
    private void agree(Map<String, Long> facts) {
        MemorySegment values = arena.allocate(JAVA_LONG, facts.size());
        int i = 0;
        for (long v : facts.values()) values.setAtIndex(JAVA_LONG, i++, v);
        comm.broadcast(values, 0);
        i = 0;
        for (var e : facts.entrySet()) {
            long root = values.getAtIndex(JAVA_LONG, i++);
            if (root != e.getValue())
                throw new DistributedUnavailableException("this rank does not run the training rank 0 runs: its "
                        + e.getKey() + " is " + e.getValue() + ", rank 0's " + root + " (the same model, data and flags on every host?)");
        }
    }

    /**
     * Between {@code backward()} and {@code update()}: replaces every gradient by its mean over the ranks, and returns
     * the step's loss (mean over ranks) and correct count (sum) for the metrics.
     */
    public StepTotals averageGradients(GeneratedModel model, float loss, long correct) {
        if (comm.size() == 1) return new StepTotals(loss, correct);
        long t0 = System.nanoTime();
        float lossSum = 0, correctSum = 0;
        if (device != null) {
            device.allreduceAverage(deviceGradients);
            allreduces++;
            bytes += deviceGradients.stream().mapToLong(NcclCommunicator.DeviceBuffer::floats).sum() * Float.BYTES;
        }
        List<float[]> arrays = new ArrayList<>(gradients.size());
        if (device == null) for (String name : gradients) arrays.add(model.floatBuffer(name));
        for (int k = 0; k < buckets.size(); k++) {
            GradientBuckets.Bucket b = buckets.get(k);
            pack(arrays, b);
            boolean last = k == buckets.size() - 1;
            if (last) {
                staging.setAtIndex(JAVA_FLOAT, b.floats() - 2, loss);
                staging.setAtIndex(JAVA_FLOAT, b.floats() - 1, correct);
            }
            comm.allreduceSum(staging, b.floats());
            unpack(arrays, b, comm.size());
            if (last) {
                lossSum = staging.getAtIndex(JAVA_FLOAT, b.floats() - 2);
                correctSum = staging.getAtIndex(JAVA_FLOAT, b.floats() - 1);
            }
            allreduces++;
            bytes += (long) b.floats() * Float.BYTES;
        }
        nanos += System.nanoTime() - t0;
        steps++;
        return new StepTotals(lossSum / comm.size(), Math.round(correctSum));
    }

    /** The step's loss (mean over the ranks' batch means: the global batch's mean) and correct predictions over all ranks. */
    public record StepTotals(float loss, long correct) {}

    private void pack(List<float[]> arrays, GradientBuckets.Bucket b) {
        for (GradientBuckets.Piece p : b.pieces())
            MemorySegment.copy(arrays.get(p.tensor()), p.from(), staging, JAVA_FLOAT, (long) p.offset() * Float.BYTES, p.length());
    }

    /** Copies a bucket back, dividing by {@code divisor} (the rank count for a sum that becomes a mean; 1 to copy). */
    private void unpack(List<float[]> arrays, GradientBuckets.Bucket b, int divisor) {
        for (GradientBuckets.Piece p : b.pieces()) {
            float[] target = arrays.get(p.tensor());
            MemorySegment.copy(staging, JAVA_FLOAT, (long) p.offset() * Float.BYTES, target, p.from(), p.length());
            if (divisor != 1) for (int i = p.from(), end = p.from() + p.length(); i < end; i++) target[i] /= divisor;
        }
    }

    /** What communication cost so far, with {@code trainSeconds} the time of the training steps it was part of. */
    public CommunicationReport report(int globalBatch, double trainSeconds) {
        long deviceBytes = deviceGradients.stream().mapToLong(NcclCommunicator.DeviceBuffer::floats).sum() * Float.BYTES;
        String library = device == null ? comm.describe() : "NCCL " + Nccl.describeVersion(nccl.get().version()) + " ("
                + nccl.get().libraryName() + ") for gradients, " + comm.describe() + " for metrics";
        return new CommunicationReport(comm.size(), globalBatch, globalBatch / comm.size(), bucketBytes,
                buckets.size() + (device == null ? 0 : 1), GradientBuckets.total(buckets) * Float.BYTES + deviceBytes, steps,
                allreduces, bytes, nanos / 1e9, trainSeconds, NO_OVERLAP, library);
    }

    /** Releases the staging buffer and the NCCL communicator; the MPI communicator stays open (its owner closes it). */
    @Override public void close() {
        if (device != null) device.close();
        arena.close();
    }
}
