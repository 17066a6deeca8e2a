package dev.netc.runtime.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.netc.codegen.cuda.BufferSpec;
import dev.netc.codegen.cuda.CudaManifest;
import dev.netc.codegen.cuda.LaunchSpec;
import dev.netc.api.GeneratedModel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A compiled model on the GPU behind the {@link GeneratedModel} interface, so the trainer drives it
 * like a Java model. Buffers live on the device; named buffers have host mirrors that are copied
 * lazily: a mirror handed out by {@link #floatBuffer} is refreshed from the device first when a pass
 * has written it, and (for inputs, parameters and state) uploaded before the next pass.
 */
public final class CudaModel implements GeneratedModel, AutoCloseable {
    private final CudaDriver cu;
    private final CudaManifest manifest;
    private final MemorySegment module;
    private final Map<String, MemorySegment> functions = new HashMap<>();
    private final Map<String, BufferSpec> byName = new HashMap<>();
    private final Map<String, Long> device = new HashMap<>();
    private final Map<String, Object> mirror = new HashMap<>();
    private final Set<String> hostDirty = new HashSet<>(), deviceNewer = new HashSet<>();
    private final Arena arena = Arena.ofShared();
    /** Scalar argument slots; every launch's kernelParams point at them, so a pass only rewrites the slots. */
    private final MemorySegment batchSlot, trainingSlot, seedSlot, counterSlot, rateSlot, stepSlot;
    private final List<Prepared> launches = new ArrayList<>();
    private int batch;
    private long counter;

    /** One launch with its grid evaluated for the current batch and its kernelParams array. */
    private record Prepared(LaunchSpec spec, MemorySegment function, int gx, int gy, int gz, MemorySegment params) {}

    /**
     * Loads a module (PTX text or CUBIN) and allocates the batch-independent buffers.
     *
     * @param image the code NVRTC produced for this manifest's source
     */
    public CudaModel(CudaDriver cu, CudaManifest manifest, byte[] image) {
        this.cu = cu;
        this.manifest = manifest;
        this.module = cu.loadModule(image);
        for (LaunchSpec l : manifest.launches()) functions.put(l.function(), cu.function(module, l.function()));
        for (BufferSpec b : manifest.buffers()) for (String n : b.names()) byName.putIfAbsent(n, b);
        batchSlot = arena.allocate(JAVA_INT);
        trainingSlot = arena.allocate(JAVA_INT);
        seedSlot = arena.allocate(JAVA_LONG);
        counterSlot = arena.allocate(JAVA_LONG);
        rateSlot = arena.allocate(JAVA_FLOAT);
        stepSlot = arena.allocate(JAVA_INT);
        for (BufferSpec b : manifest.buffers()) {
            if (b.usesOthersMemory() || !b.isFixedSize()) continue;
            allocate(b, 1);
            if (b.kind() == BufferSpec.Kind.PARAMETER || b.kind() == BufferSpec.Kind.STATE) hostDirty.add(b.name());
        }
    }

    public CudaManifest manifest() { return manifest; }

    @Override public void setBatch(int batch) {
        if (batch <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batch);
        if (batch == this.batch) return;
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
        this.batch = batch;
        batchSlot.set(JAVA_INT, 0, batch);
        launches.clear();
        for (LaunchSpec l : manifest.launches()) launches.add(prepare(l));
    }

    private void allocate(BufferSpec b, int forBatch) {
        long count = SizeFormula.eval(b.count(), forBatch);
        long ptr = cu.malloc(count * 4);
        device.put(b.name(), ptr);
        int fill = b.kind() == BufferSpec.Kind.CONSTANT
                ? (b.dtype().equals("i32") ? (int) b.fill() : Float.floatToRawIntBits((float) b.fill())) : 0;
        cu.fill32(ptr, fill, count);
        if (!b.names().isEmpty()) mirror.put(b.name(), b.dtype().equals("i32") ? new int[(int) count] : new float[(int) count]);
        deviceNewer.add(b.name());
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
        if (b.kind() == BufferSpec.Kind.ALIAS) b = manifest.buffer(b.aliasOf());
        if (!device.containsKey(b.name())) throw new IllegalStateException("call setBatch(batch) before using buffer " + name);
        if (deviceNewer.remove(b.name())) download(b);
        if (b.kind() != BufferSpec.Kind.COMPUTED && b.kind() != BufferSpec.Kind.SHARED) hostDirty.add(b.name());
        return mirror.get(b.name());
    }

    private void download(BufferSpec b) {
        Object m = mirror.get(b.name());
        MemorySegment heap = m instanceof int[] ints ? MemorySegment.ofArray(ints) : MemorySegment.ofArray((float[]) m);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment staging = a.allocate(heap.byteSize());
            cu.copyToHost(staging, device.get(b.name()), heap.byteSize());
            heap.copyFrom(staging);
        }
    }

    private void uploadDirty() {
        try (Arena a = Arena.ofConfined()) {
            for (String name : hostDirty) {
                Object m = mirror.get(name);
                MemorySegment heap = m instanceof int[] ints ? MemorySegment.ofArray(ints) : MemorySegment.ofArray((float[]) m);
                MemorySegment staging = a.allocate(heap.byteSize());
                staging.copyFrom(heap);
                cu.copyToDevice(device.get(name), staging, heap.byteSize());
            }
        }
        hostDirty.clear();
    }

    private void run(String phase) {
        if (batch == 0) throw new IllegalStateException("call setBatch(batch) before running the model");
        uploadDirty();
        for (Prepared p : launches) {
            if (!p.spec().phase().equals(phase)) continue;
            List<Integer> block = p.spec().block();
            cu.launch(p.function(), p.gx(), p.gy(), p.gz(), block.get(0), block.get(1), block.get(2), p.spec().sharedBytes(),
                    MemorySegment.NULL, p.params());
        }
        // anything a pass may have written is refreshed on the next host access
        for (BufferSpec b : manifest.buffers())
            if (b.kind() == BufferSpec.Kind.COMPUTED || b.kind() == BufferSpec.Kind.SHARED || b.kind() == BufferSpec.Kind.PARAMETER
                    || b.kind() == BufferSpec.Kind.STATE)
                if (mirror.containsKey(b.name())) deviceNewer.add(b.name());
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

    /** Waits for every launched kernel (for timing). */
    public void synchronize() { cu.synchronize(); }

    @Override public Map<String, float[]> optimizerState() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (BufferSpec b : manifest.buffers())
            if (b.kind() == BufferSpec.Kind.STATE) out.put(b.names().getFirst(), floatBuffer(b.names().getFirst()));
        return out;
    }

    @Override public void close() {
        for (var e : device.entrySet()) if (!manifest.buffer(e.getKey()).usesOthersMemory()) cu.free(e.getValue());
        device.clear();
        cu.unload(module);
        arena.close();
    }

}
