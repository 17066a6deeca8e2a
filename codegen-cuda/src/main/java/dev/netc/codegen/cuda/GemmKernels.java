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

    GemmKernels(Graph graph, CudaBuffers buffers, Elementwise elementwise) {
        this.graph = graph;
        this.buffers = buffers;
        this.elementwise = elementwise;
    }

    /** True for the library ops that are a GEMM (matmul and the three convolutions). */
    static boolean handles(Op.LibraryKernel op) {
        return switch (op) {
            case Op.MatMul m -> true;
            case Op.Conv2d c -> true;
            case Op.Conv2dBackwardData c -> true;
            case Op.Conv2dBackwardFilter c -> true;
            case Op.MaxPool p -> false;
            case Op.MaxPoolGrad p -> false;
            case Op.MaxPoolArgmax p -> false;
        };
    }

    /** The GEMM view of a head op: sizes, loaders, layout flags and the output index of (m, n). */
    private record View(String m, String n, String k, boolean aKFast, boolean bNFast, String loadA, String loadB, String outIndex,
                        String outPosition) {
        View(String m, String n, String k, boolean aKFast, boolean bNFast, String loadA, String loadB, String outIndex) {
            this(m, n, k, aKFast, bNFast, loadA, loadB, outIndex, "");
        }
    }

    /** Renders head plus epilogue as one kernel. */
    void render(KernelWriter w, Node head, List<Integer> recomputed, List<Integer> epilogue, Buf rootBuf) {
        View v = view(w, head);
        w.line("const int M = " + v.m() + ", N = " + v.n() + ", K = " + v.k() + ";");
        List<Stmt> element = elementwise.element(recomputed, epilogue, head, Expr.var("acc"), head.type().shape(), rootBuf);
        CudaLoopPrinter.declareDropoutStreams(w, element);
        w.line("netc::gemm<" + v.aKFast() + ", " + v.bNFast() + ">(M, N, K,");
        w.line("    [&](int m, int k) { " + v.loadA() + " },");
        w.line("    [&](int k, int n) { " + v.loadB() + " },");
        w.line("    [&](int m, int n, float acc) {").indent(2);
        w.line("const int i = " + v.outIndex() + ";");
        if (buffers.has(head.id()) && !epilogue.isEmpty()) w.line(w.out(buffers.name(head.id()), head) + "[i] = acc;");
        new CudaLoopPrinter(w).emitInline(element);
        w.indent(-1).line("});").indent(-1);
    }

    /**
     * A convolution kernel with a pooling epilogue (PoolFusion): the GEMM's columns run in window order,
     * so each 64-column tile holds whole windows; the store puts each finished value (after the
     * epilogue) into a shared tile instead of memory, and once the GEMM has returned the block pools its
     * tile: the maximum of each window and its position, the first maximum in row-major window order.
     */
    void renderPooled(KernelWriter w, Kernel k) {
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
        w.line("netc::gemm<" + v.aKFast() + ", " + v.bNFast() + ">(M, N, K,");
        w.line("    [&](int m, int k) { " + v.loadA() + " },");
        w.line("    [&](int k, int n) { " + v.loadB() + " },");
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
    }

    /** Grid: x over column tiles, y over row tiles. */
    List<String> grid(KernelWriter w, Node head) {
        View v = view(new KernelWriter("scratch"), head);
        return List.of(KernelWriter.blocks(v.n(), 64), KernelWriter.blocks(v.m(), 64), "1");
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
                String m = dim(y, 0), cols = dim(y, 1), k = dim(a, mm.transposeA() ? 0 : 1);
                String av = w.in(buffers.name(n.input(0)), graph.node(n.input(0)));
                String bv = w.in(buffers.name(n.input(1)), graph.node(n.input(1)));
                String loadA = "return " + av + "[" + (mm.transposeA() ? "k * " + f(m) + " + m" : "m * " + f(k) + " + k") + "];";
                String loadB = "return " + bv + "[" + (mm.transposeB() ? "n * " + f(k) + " + k" : "k * " + f(cols) + " + n") + "];";
                yield new View(m, cols, k, !mm.transposeA(), !mm.transposeB(), loadA, loadB, "m * " + f(cols) + " + n");
            }
            case Op.Conv2d c -> {
                Shape x = shape(n, 0), wt = shape(n, 1);
                Conv g = new Conv(x, wt.size(0), wt.size(2), wt.size(3), c.stride(), c.padding().top(), c.padding().left(), y);
                String xv = w.in(buffers.name(n.input(0)), graph.node(n.input(0)));
                String wv = w.in(buffers.name(n.input(1)), graph.node(n.input(1)));
                String loadA = "return " + wv + "[m * " + g.ckk() + " + k];";
                String loadB = "const int img = n / " + g.ohw() + ", c = k / " + g.khw() + ", r = k % " + g.khw() + "; "
                        + position(g, poolSize, "n % " + g.ohw())
                        + "const int iy = oy * " + g.s + " - " + g.pt + " + r / " + g.kw + ", ix = ox * "
                        + g.s + " - " + g.pl + " + r % " + g.kw + "; "
                        + "return (iy >= 0 && iy < " + g.h + " && ix >= 0 && ix < " + g.wd + ") ? " + xv + "[((img * " + g.c
                        + " + c) * " + g.h + " + iy) * " + g.wd + " + ix] : 0.0f;";
                String outIndex = poolSize == 0 ? "((n / " + g.ohw() + ") * " + g.f + " + m) * " + g.ohw() + " + n % " + g.ohw()
                        : "((n / " + g.ohw() + ") * " + g.f + " + m) * " + g.ohw() + " + oy * " + g.ow + " + ox";
                yield new View(Integer.toString(g.f), g.batch + " * " + g.ohw(), Integer.toString(g.ckk()), true, true, loadA, loadB,
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
                yield new View(Integer.toString(g.c), g.batch + " * " + g.hw(), Integer.toString(g.f * g.khw()), true, true, loadA, loadB,
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
                yield new View(Integer.toString(g.f), Integer.toString(g.ckk()), g.batch + " * " + g.ohw(), true, false, loadA, loadB,
                        "m * " + g.ckk() + " + n");
            }
            default -> throw new IllegalStateException(n.label() + " (" + n.op().mnemonic() + ") is no GEMM");
        };
    }

    /**
     * Convolution geometry: input x [batch, c, h, wd], f filters of kh x kw, stride s, top/left
     * padding pt/pl, output [batch, f, oh, ow]. Only the batch may be symbolic.
     */
    private record Conv(String batch, int c, int h, int wd, int f, int kh, int kw, int s, int pt, int pl, int oh, int ow) {
        Conv(Shape x, int f, int kh, int kw, int s, int pt, int pl, Shape y) {
            this(dim(x, 0), x.size(1), x.size(2), x.size(3), f, kh, kw, s, pt, pl, y.size(2), y.size(3));
        }

        int khw() { return kh * kw; }

        int ckk() { return c * kh * kw; }

        int ohw() { return oh * ow; }

        int hw() { return h * wd; }
    }

    private Shape shape(Node n, int operand) { return graph.node(n.input(operand)).type().shape(); }

    private static String dim(Shape s, int axis) { return SizeExpr.of(s.dim(axis)).toString(); }

    /** A size as a multiplication factor (parenthesised when it is a product). */
    private static String f(String size) { return size.contains(" ") ? "(" + size + ")" : size; }
}
