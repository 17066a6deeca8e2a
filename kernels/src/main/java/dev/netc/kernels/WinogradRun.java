package dev.netc.kernels;

import java.util.function.IntConsumer;

/**
 * One run of a batch through {@link ConvWinograd#run}: its arguments for the parallel bodies, and one reusable source and
 * sink of each kind, so a call allocates nothing (a per-thread frame, see {@link CallFrames}).
 */
final class WinogradRun implements IntConsumer, CallFrames.Frame {
    /** This thread's runs (one per nesting depth). */
    static final CallFrames<WinogradRun> FRAMES = new CallFrames<>(WinogradRun::new);
    private static final int ROWS = GemmGatheredMicroKernel.INTERLEAVED_ROWS;

    final WinogradImages.Planar planar = new WinogradImages.Planar();
    final WinogradImages.Expanded expanded = new WinogradImages.Expanded();
    private final WinogradSink.Pool pool = new WinogradSink.Pool(null);
    private final WinogradSink.PoolArgmax poolArgmax = new WinogradSink.PoolArgmax(null, null, null, null);
    private final WinogradSink.Store store = new WinogradSink.Store(null);
    private ConvGeometry g;
    private ConvWinograd.Source source;
    private float[] u, bias;
    private Activation act;
    private WinogradSink sink;
    private int blocksPerRun, tiles;

    WinogradSink.Pool pool(float[] pooled) {
        return pool.set(pooled);
    }

    WinogradSink.PoolArgmax poolArgmax(float[] pooled, byte[] argmax, float[] weights, float[] norms) {
        return poolArgmax.set(pooled, argmax, weights, norms);
    }

    WinogradSink.Store store(float[] y) {
        return store.set(y);
    }

    /** See {@link ConvWinograd#run}. */
    void run(int n, ConvGeometry g, ConvWinograd.Source source, float[] u, float[] bias, Activation act, WinogradSink sink) {
        this.g = g;
        this.source = source;
        this.u = u;
        this.bias = bias;
        this.act = act;
        this.sink = sink;
        tiles = n * (g.oh() / 2) * (g.ow() / 2);
        int blocks = Gemm.ceilDiv(tiles, ROWS);
        int runs = Parallel.inside() ? 1 : Math.min(blocks, Math.max(Parallel.threads(), Math.min(8 * Parallel.threads(), n)));
        blocksPerRun = Gemm.ceilDiv(blocks, runs);
        Parallel.forRange(Gemm.ceilDiv(blocks, blocksPerRun), this);
    }

    @Override
    public void accept(int run) {
        ConvWinograd.forwardTiles(g, source, u, bias, act, sink, run * blocksPerRun * ROWS, Math.min(tiles, (run + 1) * blocksPerRun * ROWS));
    }

    @Override
    public void clear() {
        planar.clear();
        expanded.clear();
        pool.set(null);
        poolArgmax.set(null, null, null, null);
        store.set(null);
        source = null;
        sink = null;
        u = bias = null;
    }
}
