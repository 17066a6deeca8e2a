package dev.netc.runtime.cuda;

import dev.netc.codegen.cuda.SizeFormula;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.netc.codegen.cuda.BufferSpec;
import dev.netc.codegen.cuda.CudaManifest;
import dev.netc.codegen.cuda.LaunchSpec;
import dev.netc.api.GeneratedModel;
import dev.netc.api.KernelTimer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A compiled model on the GPU behind the {@link GeneratedModel} interface, so the trainer drives it
 * like a Java model. Buffers live on the device. Each buffer a user can name (inputs, parameters,
 * outputs, gradients, optimizer state), whatever memory it uses (its own, a memory-plan slot it
 * shares, or the buffer it is a reshape of), gets a host mirror when first asked for, with its own
 * element count. Mirrors are copied lazily: every pass makes all mirrors stale, and a stale mirror is
 * downloaded when it is next handed out; a mirror of an input, parameter or optimizer state handed
 * out is uploaded before the next pass (the caller may have written it).
 *
 * <p>The driver's context is made current on the calling thread by every method that touches the
 * device, so a model may be driven from any thread. With {@code syncEachLaunch} (the CLI sets it for
 * {@code NETC_CUDA_SYNC=1}) every launch is waited for, so an error names the kernel that failed.
 */
public final class CudaModel implements GeneratedModel, AutoCloseable {
    private final CudaDriver cu;
    private final CudaManifest manifest;
    private final boolean syncEachLaunch;
    /** Each plan kernel's index in its plan, by name, for {@link #timeKernels}; empty when not given. */
    private final Map<String, Integer> planIndex = new HashMap<>();
    /** Receives each launch's wall time while set (every launch is then waited for). */
    private KernelTimer timer;
    private final MemorySegment module;
    private final Map<String, MemorySegment> functions = new HashMap<>();
    private final Map<String, BufferSpec> byName = new HashMap<>();
    /** device pointers of every buffer, including those using another's memory (set by setBatch) */
    private final Map<String, Long> device = new HashMap<>();
    /** host mirrors by buffer (C name): float[] or int[] with the buffer's own element count */
    private final Map<String, Object> mirror = new HashMap<>();
    private final Set<String> hostDirty = new LinkedHashSet<>(), stale = new HashSet<>();
    private final Arena arena = Arena.ofShared();
    /** Scalar argument slots; every launch's kernelParams point at them, so a pass only rewrites the slots. */
    private final MemorySegment batchSlot, trainingSlot, seedSlot, counterSlot, rateSlot, stepSlot;
    private final List<Prepared> launches = new ArrayList<>();
    private int batch;
    private long counter;
    /** {@link CudaDriver#resets()} when this model was made: a later reset took its device memory. */
    private final int contextResets;

    /** One launch with its grid evaluated for the current batch and its kernelParams array. */
    private record Prepared(LaunchSpec spec, MemorySegment function, int gx, int gy, int gz, MemorySegment params) {}

    /**
     * Loads a module (PTX text or CUBIN) and allocates the batch-independent buffers.
     *
     * @param image the code NVRTC produced for this manifest's source
     */
    public CudaModel(CudaDriver cu, CudaManifest manifest, byte[] image) {
        this(cu, manifest, image, false);
    }

    /**
     * Loads a module and allocates the batch-independent buffers.
     *
     * @param image          the code NVRTC produced for this manifest's source
     * @param syncEachLaunch wait for each kernel, so that a failing one is named (slower)
     */
    public CudaModel(CudaDriver cu, CudaManifest manifest, byte[] image, boolean syncEachLaunch) {
        this(cu, manifest, image, syncEachLaunch, List.of());
    }

    /**
     * Loads a module and allocates the batch-independent buffers; {@code planKernels} (the plan's kernel
     * names in plan order) lets {@link #timeKernels} report each launch under its plan kernel's index.
     */
    public CudaModel(CudaDriver cu, CudaManifest manifest, byte[] image, boolean syncEachLaunch, List<String> planKernels) {
        this.cu = cu;
        for (int k = 0; k < planKernels.size(); k++) planIndex.put(planKernels.get(k), k);
        this.manifest = manifest;
        this.syncEachLaunch = syncEachLaunch;
        this.contextResets = CudaDriver.resets();
        cu.makeCurrent();
        this.module = cu.loadModule(image);
        for (LaunchSpec l : manifest.launches()) functions.put(l.function(), cu.function(module, l.function()));
        for (BufferSpec b : manifest.buffers()) for (String n : b.names()) byName.putIfAbsent(n, b);
        batchSlot = arena.allocate(JAVA_INT);
        trainingSlot = arena.allocate(JAVA_INT);
        seedSlot = arena.allocate(JAVA_LONG);
        counterSlot = arena.allocate(JAVA_LONG);
        rateSlot = arena.allocate(JAVA_FLOAT);
        stepSlot = arena.allocate(JAVA_INT);
        for (BufferSpec b : manifest.buffers()) if (!b.usesOthersMemory() && b.isFixedSize()) allocate(b, 1);
    }

    public CudaManifest manifest() { return manifest; }

    @Override public void setBatch(int batch) {
        if (batch <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batch);
        if (batch == this.batch) return;
        requireContext();
        cu.makeCurrent();
        for (BufferSpec b : manifest.buffers()) {
            if (b.usesOthersMemory() || b.isFixedSize()) continue;
            Long old = device.remove(b.name());
            if (old != null) cu.free(old);
            allocate(b, batch);
        }
        // slot members first (their holders are allocated), then reshapes (which may view a slot member)
        for (BufferSpec b : manifest.buffers())
            if (b.kind() == BufferSpec.Kind.SHARED) device.put(b.name(), device.get(b.aliasOf()));
        for (BufferSpec b : manifest.buffers())
            if (b.kind() == BufferSpec.Kind.ALIAS) device.put(b.name(), device.get(b.aliasOf()));
        // a mirror whose size or memory depends on the batch is made again on its next use
        for (BufferSpec b : manifest.buffers()) {
            if (b.isFixedSize() && root(b).isFixedSize()) continue;
            mirror.remove(b.name());
            hostDirty.remove(b.name());
        }
        this.batch = batch;
        batchSlot.set(JAVA_INT, 0, batch);
        launches.clear();
        for (LaunchSpec l : manifest.launches()) launches.add(prepare(l));
    }

    /** The buffer owning the memory b uses (b itself, or the end of its alias/slot chain). */
    private BufferSpec root(BufferSpec b) {
        while (b.usesOthersMemory()) b = manifest.buffer(b.aliasOf());
        return b;
    }

    private void allocate(BufferSpec b, int forBatch) {
        long count = SizeFormula.eval(b.count(), forBatch);
        long ptr = cu.malloc(count * 4);
        device.put(b.name(), ptr);
        int fill = b.kind() == BufferSpec.Kind.CONSTANT
                ? (b.dtype().equals("i32") ? (int) b.fill() : Float.floatToRawIntBits((float) b.fill())) : 0;
        cu.fill32(ptr, fill, count);
    }

    private Prepared prepare(LaunchSpec l) {
        MemorySegment params = arena.allocate(ADDRESS, l.args().size());
        for (int i = 0; i < l.args().size(); i++) {
            String a = l.args().get(i);
            MemorySegment slot = switch (a) {
                case "batch" -> batchSlot;
                case "training" -> trainingSlot;
                case "seed" -> seedSlot;
                case "counter" -> counterSlot;
                case "learning_rate" -> rateSlot;
                case "step" -> stepSlot;
                default -> arena.allocateFrom(JAVA_LONG, device.get(a));
            };
            params.setAtIndex(ADDRESS, i, slot);
        }
        return new Prepared(l, functions.get(l.function()), (int) SizeFormula.eval(l.grid().get(0), batch),
                (int) SizeFormula.eval(l.grid().get(1), batch), (int) SizeFormula.eval(l.grid().get(2), batch), params);
    }

    @Override public int batch() { return batch; }

    @Override public float[] floatBuffer(String name) { return (float[]) hostView(name, "f32"); }

    @Override public int[] intBuffer(String name) { return (int[]) hostView(name, "i32"); }

    private Object hostView(String name, String dtype) {
        BufferSpec b = byName.get(name);
        if (b == null || !b.dtype().equals(dtype))
            throw new IllegalArgumentException("unknown " + dtype + " buffer '" + name + "'; known: " + byName.keySet());
        if (!device.containsKey(b.name())) throw new IllegalStateException("call setBatch(batch) before using buffer " + name);
        requireContext();
        cu.makeCurrent();
        Object m = mirror.get(b.name());
        if (m == null) {
            int count = (int) SizeFormula.eval(b.count(), Math.max(1, batch));
            m = dtype.equals("i32") ? new int[count] : new float[count];
            mirror.put(b.name(), m);
            stale.add(b.name());
        }
        if (stale.remove(b.name())) {
            // another view of the same memory may hold host writes not yet uploaded: they come first
            BufferSpec r = root(b);
            for (String d : hostDirty) if (!d.equals(b.name()) && root(manifest.buffer(d)).equals(r)) upload(d);
            download(b.name(), m);
        }
        BufferSpec.Kind kind = root(b).kind();
        if (kind == BufferSpec.Kind.INPUT || kind == BufferSpec.Kind.PARAMETER || kind == BufferSpec.Kind.STATE) hostDirty.add(b.name());
        return m;
    }

    private static MemorySegment heap(Object m) {
        return m instanceof int[] ints ? MemorySegment.ofArray(ints) : MemorySegment.ofArray((float[]) m);
    }

    private void download(String buffer, Object m) {
        MemorySegment heap = heap(m);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment staging = a.allocate(heap.byteSize());
            cu.copyToHost(staging, device.get(buffer), heap.byteSize());
            heap.copyFrom(staging);
        }
    }

    private void upload(String buffer) {
        MemorySegment heap = heap(mirror.get(buffer));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment staging = a.allocate(heap.byteSize());
            staging.copyFrom(heap);
            cu.copyToDevice(device.get(buffer), staging, heap.byteSize());
        }
    }

    private void run(String phase) {
        if (batch == 0) throw new IllegalStateException("call setBatch(batch) before running the model");
        requireContext();
        cu.makeCurrent();
        for (String name : hostDirty) upload(name);
        hostDirty.clear();
        // from here on any mirror may be older than the device (kernels write outputs, updates, slots)
        stale.addAll(mirror.keySet());
        long started = System.nanoTime();
        for (Prepared p : launches) {
            if (!p.spec().phase().equals(phase)) continue;
            List<Integer> block = p.spec().block();
            try {
                cu.launch(p.function(), p.gx(), p.gy(), p.gz(), block.get(0), block.get(1), block.get(2), p.spec().sharedBytes(),
                        MemorySegment.NULL, p.params());
                if (syncEachLaunch || timer != null) cu.synchronize();
                if (timer != null) started = timer.lap(planIndex(p.spec()), started);
            } catch (CudaException e) {
                throw new CudaException("kernel " + p.spec().function() + " (" + phase + ", plan kernel " + p.spec().planKernel() + "): "
                        + e.getMessage(), e.status());
            }
        }
    }

    /**
     * Times every launch of the following passes (null: stop): each launch is waited for and its wall
     * time, launch overhead included, reported under its plan kernel (a kernel's second, elementwise
     * launch and its split-K sum count with it). False when this model was made without its plan's
     * kernel names.
     */
    @Override public boolean timeKernels(KernelTimer timer) {
        if (timer != null && planIndex.isEmpty()) return false;
        this.timer = timer;
        return true;
    }

    private int planIndex(LaunchSpec launch) {
        if (launch.phase().equals("update")) return KernelTimer.UPDATE;
        Integer k = planIndex.get(launch.planKernel());
        if (k == null) throw new IllegalStateException("launch " + launch.function() + " names plan kernel " + launch.planKernel()
                + ", which the plan given to this model does not have");
        return k;
    }

    @Override public void predict() {
        trainingSlot.set(JAVA_INT, 0, 0);
        run("predict");
    }

    @Override public void forward(boolean training) {
        if (training) counter++;
        trainingSlot.set(JAVA_INT, 0, training ? 1 : 0);
        counterSlot.set(JAVA_LONG, 0, counter);
        run("predict");
        run("loss");
    }

    @Override public void backward() { run("backward"); }

    @Override public void update(float learningRate, int step) {
        rateSlot.set(JAVA_FLOAT, 0, learningRate);
        stepSlot.set(JAVA_INT, 0, step);
        run("update");
    }

    @Override public void setSeed(long seed) {
        this.counter = 0;
        seedSlot.set(JAVA_LONG, 0, seed);
    }

    /**
     * The device address of buffer {@code name} (after {@code setBatch}), for collectives that work in device memory
     * (NCCL averaging gradients between {@code backward} and {@code update}, on the stream the kernels run on).
     */
    public long devicePointer(String name) {
        BufferSpec b = byName.get(name);
        if (b == null) throw new IllegalArgumentException("unknown buffer '" + name + "'; known: " + byName.keySet());
        if (b.kind() == BufferSpec.Kind.ALIAS) b = manifest.buffer(b.aliasOf());
        Long ptr = device.get(b.name());
        if (ptr == null) throw new IllegalStateException("call setBatch(batch) before using buffer " + name);
        return ptr;
    }

    /** Waits for every launched kernel. */
    @Override public void synchronize() {
        cu.makeCurrent();
        cu.synchronize();
    }

    @Override public Map<String, float[]> optimizerState() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (BufferSpec b : manifest.buffers())
            if (b.kind() == BufferSpec.Kind.STATE) out.put(b.names().getFirst(), floatBuffer(b.names().getFirst()));
        return out;
    }

    @Override public void close() {
        // after a context reset the memory and the module are gone with the old context
        if (contextResets == CudaDriver.resets()) {
            cu.makeCurrent();
            for (var e : device.entrySet()) if (!manifest.buffer(e.getKey()).usesOthersMemory()) cu.free(e.getValue());
            cu.unload(module);
        }
        device.clear();
        arena.close();
    }

    /** Fails once a sticky error anywhere in the process has reset the context this model's memory lived in. */
    private void requireContext() {
        if (contextResets != CudaDriver.resets())
            throw new IllegalStateException("model " + manifest.model() + " lost its device memory when the CUDA context was reset after"
                    + " a sticky error; compile it again");
    }

}
