package dev.netc.codegen.cuda;

import dev.netc.codegen.core.SizeExpr;
import dev.netc.codegen.core.loop.Buf;
import dev.netc.codegen.core.loop.Elementwise;
import dev.netc.codegen.core.loop.Expr;
import dev.netc.codegen.core.loop.Stmt;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.Shape;
import dev.netc.ir.plan.Kernel;
import java.util.List;

/**
 * Matmul and the convolutions as instances of the tiled GEMM template ({@code netc_gemm.cuh}):
 * forward convolution and both of its gradients are implicit GEMMs whose loaders gather operands in
 * place. The elementwise epilogue of the kernel runs in the GEMM's store, on values in registers.
 */
final class GemmKernels {
    private final Graph graph;
    private final CudaBuffers buffers;
    private final Elementwise elementwise;
    private final GemmTiling.Precision precision;

    GemmKernels(Graph graph, CudaBuffers buffers, Elementwise elementwise, GemmTiling.Precision precision) {
        this.graph = graph;
        this.buffers = buffers;
        this.elementwise = elementwise;
        this.precision = precision;
    }

    /** True for the library ops that are a GEMM (matmul and the three convolutions). */
    static boolean handles(Op.LibraryKernel op) {
        return switch (op) {
            case Op.MatMul m -> true;
            case Op.Conv2d c -> true;
            case Op.Conv2dBackwardData c -> true;
            case Op.Conv2dBackwardFilter c -> true;
            case Op.MaxPool p -> false;
            case Op.MaxPoolArgmax p -> false;
            case Op.MaxPoolGrad p -> false;
        };
    }

    /**
     * The GEMM view of a head op: sizes, loaders, layout flags and the output index of (m, n). A loader
     * is a lambda body, or (for an operand that is a plain array) a {@code netc::Dense} operand, which
     * the template may copy 16 bytes at a time.
     */
    private record View(SizeExpr m, SizeExpr n, SizeExpr k, boolean aKFast, boolean bNFast, String loadA, String loadB, String outIndex,
                        String outPosition) {
        View(SizeExpr m, SizeExpr n, SizeExpr k, boolean aKFast, boolean bNFast, String loadA, String loadB, String outIndex) {
            this(m, n, k, aKFast, bNFast, loadA, loadB, outIndex, "");
        }

        String loaderA() { return loadA.startsWith("netc::") ? loadA : "[&](int m, int k) { " + loadA + " }"; }

        String loaderB() { return loadB.startsWith("netc::") ? loadB : "[&](int k, int n) { " + loadB + " }"; }
    }

    /**
     * The launches of a GEMM plan kernel (head plus epilogue), its tiling, and the split-K workspace
     * (null when not split).
     */
    record Rendered(List<KernelWriter.GeneratedKernel> kernels, GemmTiling tiling, BufferSpec workspace) {}

    /** Renders head plus epilogue: one kernel, or with split-K the partial products and their sum with the epilogue. */
    Rendered render(String function, String phase, String doc, Node head, List<Integer> recomputed, List<Integer> epilogue, Buf rootBuf) {
        KernelWriter w = new KernelWriter(function);
        View v = view(w, head);
        GemmTiling t = GemmTiling.choose(v.m(), v.n(), v.k(), v.aKFast(), v.bNFast(), precision);
        String note = "// GEMM M = " + v.m() + ", N = " + v.n() + ", K = " + v.k() + ": " + t.reason() + "\n";
        w.line("const int M = " + v.m() + ", N = " + v.n() + ", K = " + v.k() + ";");
        w.line("using Tile = " + t.tileType() + ";  // this kernel's tile: Tile::BM x Tile::BN outputs per block");
        List<String> grid = List.of(KernelWriter.blocks(v.n().toString(), t.bn()), KernelWriter.blocks(v.m().toString(), t.bm()),
                Integer.toString(t.splits()));
        if (!t.splitK()) {
            writeEpilogue(w, head, recomputed, epilogue, rootBuf, v, "netc::gemm_tiled<" + v.aKFast() + ", " + v.bNFast() + ", Tile>",
                    "(M, N, K,", "    " + v.loaderA() + ",", "    " + v.loaderB() + ",");
            return new Rendered(List.of(w.finish(doc + note, function, phase, grid, GemmTiling.THREADS)), t, null);
        }
        String ws = buffers.newName("splitk_" + function);
        BufferSpec workspace = new BufferSpec(ws, List.of(), "f32", t.workspaceCount().toString(), BufferSpec.Kind.WORKSPACE, null, 0);
        w.line("netc::gemm_split_partial<" + v.aKFast() + ", " + v.bNFast() + ", Tile, " + t.splits() + ">(M, N, K,");
        w.line("    " + v.loaderA() + ",");
        w.line("    " + v.loaderB() + ",");
        w.line("    " + w.out(ws, "float") + ");");
        KernelWriter sum = new KernelWriter(function + "_splitk_sum");
        sum.line("const int M = " + v.m() + ", N = " + v.n() + ";");
        writeEpilogue(sum, head, recomputed, epilogue, rootBuf, v, "netc::gemm_split_reduce<" + t.splits() + ">", "(M, N, "
                + sum.in(ws, "float") + ",");
        String total = v.m().times(v.n()).toString();
        return new Rendered(List.of(
                w.finish(doc + note + "// split-K pass 1: partial products of each k slice into " + ws + "\n", function, phase, grid,
                        GemmTiling.THREADS),
                sum.finish("// split-K pass 2 of " + function + ": the slices' sum in slice order, then the epilogue\n", function, phase,
                        List.of(KernelWriter.blocks(total, CudaLoopPrinter.THREADS), "1", "1"), CudaLoopPrinter.THREADS)), t, workspace);
    }

    /** The call that ends in the store lambda: the epilogue applied to each output value {@code acc}. */
    private void writeEpilogue(KernelWriter w, Node head, List<Integer> recomputed, List<Integer> epilogue, Buf rootBuf, View v,
                               String callee, String... callLines) {
        List<Stmt> element = elementwise.element(recomputed, epilogue, head, Expr.var("acc"), head.type().shape(), rootBuf);
        CudaLoopPrinter.declareDropoutStreams(w, element);
        w.line(callee + callLines[0]);
        for (int i = 1; i < callLines.length; i++) w.line(callLines[i]);
        w.line("    [&](int m, int n, float acc) {").indent(2);
        w.line("const int i = " + v.outIndex() + ";");
        if (buffers.has(head.id()) && !epilogue.isEmpty()) w.line(w.out(buffers.name(head.id()), head) + "[i] = acc;");
        new CudaLoopPrinter(w).emitInline(element);
        w.indent(-1).line("});").indent(-1);
    }

    /** The pooled convolution's tile side: netc::kGemmBM = netc::kGemmBN, the tile netc::gemm takes by default. */
    private static final int POOLED_TILE = 64;

    /**
     * A convolution kernel with a pooling epilogue (PoolFusion): the GEMM's columns run in window order,
     * so each 64-column tile holds whole windows; the store puts each finished value (after the
     * epilogue) into a shared tile instead of memory, and once the GEMM has returned the block pools its
     * tile: the maximum of each window and its position, the first maximum in row-major window order.
     */
    Rendered renderPooled(String doc, String phase, Kernel k) {
        KernelWriter w = new KernelWriter(k.name());
        Node head = graph.node(k.head());
        Node pool = graph.node(k.pooled().getFirst());
        int size = ((Op.MaxPool) pool.op()).size(), cells = size * size;
        View v = view(w, head, size);
        Shape y = head.type().shape();
        int positions = y.size(2) * y.size(3), pooledPositions = positions / cells;
        List<Integer> epilogue = k.nodes().subList(1, k.nodes().size());
        w.line("const int M = " + v.m() + ", N = " + v.n() + ", K = " + v.k() + ";");
        w.line("__shared__ float pool_tile[netc::kGemmBM][netc::kGemmBN + 1];  // the block's finished tile, +1: no bank conflicts");
        List<Stmt> element = elementwise.element(k.recomputed(), epilogue, head, Expr.var("acc"), y, null);
        CudaLoopPrinter.declareDropoutStreams(w, element);
        // the default tile and no split-K: each output is stored once, with its final value, into this block's tile
        w.line("netc::gemm<" + v.aKFast() + ", " + v.bNFast() + ">(M, N, K,");
        w.line("    " + v.loaderA() + ",");
        w.line("    " + v.loaderB() + ",");
        w.line("    [&](int m, int n, float acc) {").indent(2);
        w.line(v.outPosition().strip());
        w.line("const int i = " + v.outIndex() + ";");
        new CudaLoopPrinter(w).emitInline(element);
        w.line("pool_tile[m % netc::kGemmBM][n % netc::kGemmBN] = " + Elementwise.local(k.root()) + ";");
        w.indent(-1).line("});").indent(-1);
        w.line("__syncthreads();");
        String pooled = w.out(buffers.name(pool.id()), pool);
        String argmax = k.pooled().size() > 1 ? w.out(buffers.name(k.pooled().get(1)), graph.node(k.pooled().get(1))) : null;
        w.line("const int windows = netc::kGemmBN / " + cells + ";");
        w.open("for (int e = threadIdx.x; e < netc::kGemmBM * windows; e += blockDim.x)");
        w.line("const int r = e / windows, first = (e % windows) * " + cells + ";");
        w.line("const int m = blockIdx.y * netc::kGemmBM + r, n = blockIdx.x * netc::kGemmBN + first;");
        w.line("if (m >= M || n >= N) continue;");
        w.line("float best = pool_tile[r][first];");
        w.line("int at = 0;");
        w.open("for (int j = 1; j < " + cells + "; ++j)");
        w.line("if (pool_tile[r][first + j] > best) { best = pool_tile[r][first + j]; at = j; }  // strict: a tie keeps the first");
        w.close();
        w.line("const int o = ((n / " + positions + ") * M + m) * " + pooledPositions + " + (n % " + positions + ") / " + cells + ";");
        w.line(pooled + "[o] = best;");
        if (argmax != null) w.line(argmax + "[o] = (unsigned char) at;");
        w.close();
        int side = POOLED_TILE;
        GemmTiling t = new GemmTiling(side, side, 1, GemmTiling.Precision.FP32, v.m(), v.n(), v.k(), v.aKFast(), v.bNFast(),
                "pooled convolution: the default 64 x 64 tile in FP32, never split (each output goes once, final, into the block's pooling tile)",
                side * (side + 1)); // pool_tile
        List<String> grid = List.of(KernelWriter.blocks(v.n().toString(), side), KernelWriter.blocks(v.m().toString(), side), "1");
        return new Rendered(List.of(w.finish(doc, k.name(), phase, grid, GemmTiling.THREADS)), t, null);
    }

    /**
     * Declares oy and ox of the GEMM column whose offset in its image is q: row-major positions, or,
     * for a pooled convolution (poolSize windows), window order (q = window * size * size + position in
     * the window), so that a tile of columns holds whole windows.
     */
    private static String position(Conv g, int poolSize, String q) {
        if (poolSize == 0) return "const int oy = (" + q + ") / " + g.ow + ", ox = (" + q + ") % " + g.ow + "; ";
        int cells = poolSize * poolSize, pooledW = g.ow / poolSize;
        return "const int q = " + q + ", window = q / " + cells + ", cell = q % " + cells + "; "
                + "const int oy = (window / " + pooledW + ") * " + poolSize + " + cell / " + poolSize
                + ", ox = (window % " + pooledW + ") * " + poolSize + " + cell % " + poolSize + "; ";
    }

    /**
     * dy at (plane, oy, ox) of an output [.., oh, ow]: from its buffer, or, when dy is a pooling gradient
     * this kernel expands (PoolFusion), dy of the window where the window's argmax names the cell, else 0.
     */
    private String dyAt(KernelWriter w, int dyId, String plane, String oy, String ox, int oh, int ow) {
        Node dy = graph.node(dyId);
        if (dy.op() instanceof Op.MaxPoolGradIndexed p && !buffers.has(dyId)) {
            int s = p.size();
            String argmax = w.in(buffers.name(dy.input(0)), graph.node(dy.input(0)));
            String pooled = w.in(buffers.name(dy.input(1)), graph.node(dy.input(1)));
            String window = "((" + plane + ") * " + oh / s + " + (" + oy + ") / " + s + ") * " + ow / s + " + (" + ox + ") / " + s;
            return "(" + argmax + "[" + window + "] == ((" + oy + ") % " + s + ") * " + s + " + (" + ox + ") % " + s
                    + " ? " + pooled + "[" + window + "] : 0.0f)";
        }
        return w.in(buffers.name(dyId), dy) + "[((" + plane + ") * " + oh + " + " + oy + ") * " + ow + " + " + ox + "]";
    }

    private View view(KernelWriter w, Node n) { return view(w, n, 0); }

    private View view(KernelWriter w, Node n, int poolSize) {
        Shape y = n.type().shape();
        return switch (n.op()) {
            case Op.MatMul mm -> {
                Shape a = shape(n, 0), b = shape(n, 1);
                SizeExpr m = SizeExpr.of(y.dim(0)), cols = SizeExpr.of(y.dim(1)), k = SizeExpr.of(a.dim(mm.transposeA() ? 0 : 1));
                String av = w.in(buffers.name(n.input(0)), graph.node(n.input(0)));
                String bv = w.in(buffers.name(n.input(1)), graph.node(n.input(1)));
                // A(m, k) = a[m * K + k] (or a[k * M + m] transposed), B(k, n) = b[k * N + n] (or b[n * K + k])
                String loadA = dense(!mm.transposeA(), av, mm.transposeA() ? m : k);
                String loadB = dense(!mm.transposeB(), bv, mm.transposeB() ? k : cols);
                yield new View(m, cols, k, !mm.transposeA(), !mm.transposeB(), loadA, loadB, "m * " + cols.factor() + " + n");
            }
            case Op.Conv2d c -> {
                Shape x = shape(n, 0), wt = shape(n, 1);
                Conv g = new Conv(x, wt.size(0), wt.size(2), wt.size(3), c.stride(), c.padding().top(), c.padding().left(), y);
                String xv = w.in(buffers.name(n.input(0)), graph.node(n.input(0)));
                String wv = w.in(buffers.name(n.input(1)), graph.node(n.input(1)));
                String loadA = dense(true, wv, new SizeExpr(g.ckk(), 0));  // the filters: a [f, c * kh * kw] matrix
                String loadB = "const int img = n / " + g.ohw() + ", c = k / " + g.khw() + ", r = k % " + g.khw() + "; "
                        + position(g, poolSize, "n % " + g.ohw())
                        + "const int iy = oy * " + g.s + " - " + g.pt + " + r / " + g.kw + ", ix = ox * "
                        + g.s + " - " + g.pl + " + r % " + g.kw + "; "
                        + "return (iy >= 0 && iy < " + g.h + " && ix >= 0 && ix < " + g.wd + ") ? " + xv + "[((img * " + g.c
                        + " + c) * " + g.h + " + iy) * " + g.wd + " + ix] : 0.0f;";
                String outIndex = poolSize == 0 ? "((n / " + g.ohw() + ") * " + g.f + " + m) * " + g.ohw() + " + n % " + g.ohw()
                        : "((n / " + g.ohw() + ") * " + g.f + " + m) * " + g.ohw() + " + oy * " + g.ow + " + ox";
                yield new View(known(g.f), g.batch.times(known(g.ohw())), known(g.ckk()), true, true, loadA, loadB,
                        outIndex, poolSize == 0 ? "" : position(g, poolSize, "n % " + g.ohw()));
            }
            case Op.Conv2dBackwardData c -> {
                Shape dy = shape(n, 0), wt = shape(n, 1);
                Conv g = new Conv(y, wt.size(0), wt.size(2), wt.size(3), c.stride(), c.padding().top(), c.padding().left(), dy);
                String wv = w.in(buffers.name(n.input(1)), graph.node(n.input(1)));
                String loadA = "return " + wv + "[((k / " + g.khw() + ") * " + g.c + " + m) * " + g.khw() + " + k % " + g.khw() + "];";
                String strided = g.s == 1 ? "" : "if (ty % " + g.s + " != 0 || tx % " + g.s + " != 0) return 0.0f; ";
                String loadB = "const int f = k / " + g.khw() + ", r = k % " + g.khw() + ", img = n / " + g.hw() + ", p = n % " + g.hw() + "; "
                        + "const int ty = p / " + g.wd + " + " + g.pt + " - r / " + g.kw + ", tx = p % " + g.wd + " + " + g.pl + " - r % " + g.kw + "; "
                        + "if (ty < 0 || tx < 0) return 0.0f; " + strided
                        + "const int oy = ty / " + g.s + ", ox = tx / " + g.s + "; "
                        + "return (oy < " + g.oh + " && ox < " + g.ow + ") ? " + dyAt(w, n.input(0), "img * " + g.f + " + f", "oy", "ox", g.oh, g.ow)
                        + " : 0.0f;";
                yield new View(known(g.c), g.batch.times(known(g.hw())), known(g.f * g.khw()), true, true, loadA, loadB,
                        "((n / " + g.hw() + ") * " + g.c + " + m) * " + g.hw() + " + n % " + g.hw());
            }
            case Op.Conv2dBackwardFilter c -> {
                Shape x = shape(n, 0), dy = shape(n, 1);
                Conv g = new Conv(x, dy.size(1), c.kh(), c.kw(), c.stride(), c.padding().top(), c.padding().left(), dy);
                String xv = w.in(buffers.name(n.input(0)), graph.node(n.input(0)));
                String loadA = "return " + dyAt(w, n.input(1), "(k / " + g.ohw() + ") * " + g.f + " + m", "(k % " + g.ohw() + ") / " + g.ow,
                        "(k % " + g.ohw() + ") % " + g.ow, g.oh, g.ow) + ";";
                String loadB = "const int img = k / " + g.ohw() + ", p = k % " + g.ohw() + ", c = n / " + g.khw() + ", r = n % " + g.khw() + "; "
                        + "const int iy = (p / " + g.ow + ") * " + g.s + " - " + g.pt + " + r / " + g.kw + ", ix = (p % " + g.ow + ") * "
                        + g.s + " - " + g.pl + " + r % " + g.kw + "; "
                        + "return (iy >= 0 && iy < " + g.h + " && ix >= 0 && ix < " + g.wd + ") ? " + xv + "[((img * " + g.c
                        + " + c) * " + g.h + " + iy) * " + g.wd + " + ix] : 0.0f;";
                yield new View(known(g.f), known(g.ckk()), g.batch.times(known(g.ohw())), true, false, loadA, loadB,
                        "m * " + g.ckk() + " + n");
            }
            default -> throw new IllegalStateException(n.label() + " (" + n.op().mnemonic() + ") is no GEMM");
        };
    }

    /**
     * Convolution geometry: input x [batch, c, h, wd], f filters of kh x kw, stride s, top/left
     * padding pt/pl, output [batch, f, oh, ow]. Only the batch may be symbolic.
     */
    private record Conv(SizeExpr batch, int c, int h, int wd, int f, int kh, int kw, int s, int pt, int pl, int oh, int ow) {
        Conv(Shape x, int f, int kh, int kw, int s, int pt, int pl, Shape y) {
            this(SizeExpr.of(x.dim(0)), x.size(1), x.size(2), x.size(3), f, kh, kw, s, pt, pl, y.size(2), y.size(3));
        }

        int khw() { return kh * kw; }

        int ckk() { return c * kh * kw; }

        int ohw() { return oh * ow; }

        int hw() { return h * wd; }
    }

    private Shape shape(Node n, int operand) { return graph.node(n.input(operand)).type().shape(); }

    private static SizeExpr known(long size) { return new SizeExpr(size, 0); }

    /** A plain-array operand: element (r, c) at p[r * ld + c] when secondFast, else p[c * ld + r]. */
    private static String dense(boolean secondFast, String pointer, SizeExpr ld) {
        return "netc::Dense<" + secondFast + ">{" + pointer + ", " + ld + "}";
    }
}
