package dev.netc.codegen.cuda;

import dev.netc.codegen.core.IndexExpr;
import dev.netc.codegen.core.SizeExpr;
import dev.netc.ir.Dim;
import dev.netc.ir.Graph;
import dev.netc.ir.Node;
import dev.netc.ir.Op;
import dev.netc.ir.ReduceFn;
import dev.netc.ir.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * The head ops that are no GEMM: reductions (block-wide tree or one thread per output), softmax /
 * log-softmax / argmax rows, max pooling and its gradient, transpose and one_hot. Each writes its
 * whole result to {@code out}; grid-stride loops keep any grid size correct.
 */
final class OpKernels {
    static final int THREADS = 256;

    private final Graph graph;
    private final CudaBuffers buffers;

    OpKernels(Graph graph, CudaBuffers buffers) {
        this.graph = graph;
        this.buffers = buffers;
    }

    /** Renders node n writing buffer {@code out}; returns the grid x expression. */
    String render(KernelWriter w, Node n, String out) {
        Shape y = n.type().shape();
        return switch (n.op()) {
            case Op.Reduce r -> reduce(w, r.fn(), shape(n, 0), keepDims(shape(n, 0), r.axes()), in(w, n, 0), w.out(out, n));
            case Op.SumTo s -> reduce(w, ReduceFn.SUM, shape(n, 0), padRank(s.target(), shape(n, 0).rank()), in(w, n, 0), w.out(out, n));
            case Op.Softmax s -> alongAxis(w, "softmax", shape(n, 0), s.axis(), in(w, n, 0), w.out(out, n));
            case Op.LogSoftmax s -> alongAxis(w, "log_softmax", shape(n, 0), s.axis(), in(w, n, 0), w.out(out, n));
            case Op.Argmax a -> alongAxis(w, "argmax", shape(n, 0), a.axis(), in(w, n, 0), w.out(out, n));
            case Op.MaxPool p -> PoolKernels.maxPool(w, shape(n, 0), p.size(), p.stride(), p.padding(), y, in(w, n, 0), w.out(out, n));
            case Op.MaxPoolGrad p -> PoolKernels.maxPoolGrad(w, shape(n, 0), p.size(), p.stride(), p.padding(), shape(n, 1),
                    in(w, n, 0), in(w, n, 1), w.out(out, n));
            case Op.AvgPool p -> PoolKernels.avgPool(w, shape(n, 0), p.size(), p.stride(), p.padding(), y, in(w, n, 0), w.out(out, n));
            case Op.AvgPoolGrad p -> PoolKernels.avgPoolGrad(w, y, p.size(), p.stride(), p.padding(), shape(n, 0), in(w, n, 0), w.out(out, n));
            case Op.Concat c -> concat(w, n, c.axis(), w.out(out, n));
            case Op.Slice sl -> {
                String count = count(y);
                int len = y.size(sl.axis());
                String inner = SizeExpr.of(y, sl.axis() + 1, y.rank()).toString();
                gridStride(w, count);
                w.line("const int o = i / " + f(len + " * " + inner) + ", a = (i / " + f(inner) + ") % " + len + ", r = i % " + f(inner) + ";");
                w.line(w.out(out, n) + "[i] = " + in(w, n, 0) + "[(o * " + shape(n, 0).size(sl.axis()) + " + " + sl.start() + " + a) * "
                        + f(inner) + " + r];");
                yield endGridStride(w, count);
            }
            case Op.Transpose t -> {
                String count = count(y);
                gridStride(w, count);
                w.line(w.out(out, n) + "[i] = " + in(w, n, 0) + "[" + IndexExpr.transpose(shape(n, 0), y, t.permutation(), "i") + "];");
                yield endGridStride(w, count);
            }
            case Op.OneHot oh -> {
                String count = count(y);
                gridStride(w, count);
                w.line(w.out(out, n) + "[i] = " + in(w, n, 0) + "[i / " + oh.depth() + "] == i % " + oh.depth() + " ? 1.0f : 0.0f;");
                yield endGridStride(w, count);
            }
            default -> throw new IllegalStateException(n.label() + " (" + n.op().mnemonic() + ") has no CUDA kernel");
        };
    }

    /** out = fn over the axes of x whose size in reducedShape is 1 (reducedShape has x's rank). */
    private String reduce(KernelWriter w, ReduceFn fn, Shape x, Shape reducedShape, String in, String out) {
        List<Integer> kept = new ArrayList<>(), reduced = new ArrayList<>();
        for (int k = 0; k < x.rank(); k++) {
            if (isOne(x.dim(k))) continue;
            (x.dim(k).equals(reducedShape.dim(k)) ? kept : reduced).add(k);
        }
        String outCount = count(reducedShape);
        String reducedCount = product(x, reduced);
        String init = fn == ReduceFn.MAX ? "__int_as_float(0xff800000)" : "0.0f";
        String combine = fn == ReduceFn.MAX ? "acc = fmaxf(acc, %s);" : "acc += %s;";
        String finish = fn == ReduceFn.MEAN ? "acc * (1.0f / (float) (" + reducedCount + "))" : "acc";
        String index = join(decompose(x, kept, "o"), decompose(x, reduced, "r"));
        boolean innermostKept = !kept.isEmpty() && kept.getLast() == x.rank() - 1;
        if (innermostKept || reduced.isEmpty()) {
            // neighbouring outputs are neighbouring inputs: one thread per output reads coalesced
            w.line("const int count = " + outCount + ";");
            w.open("for (int o = blockIdx.x * blockDim.x + threadIdx.x; o < count; o += gridDim.x * blockDim.x)");
            w.line("float acc = " + init + ";");
            w.open("for (int r = 0; r < " + reducedCount + "; ++r)").line(combine.formatted(in + "[" + index + "]")).close();
            w.line(out + "[o] = " + finish + ";");
            w.close();
            return KernelWriter.blocks(outCount, THREADS);
        }
        // one block per output: strided partial results, then a tree in shared memory
        w.line("__shared__ float partial[" + THREADS + "];");
        w.open("for (int o = blockIdx.x; o < " + outCount + "; o += gridDim.x)");
        w.line("float acc = " + init + ";");
        w.open("for (int r = threadIdx.x; r < " + reducedCount + "; r += blockDim.x)").line(combine.formatted(in + "[" + index + "]")).close();
        w.line("partial[threadIdx.x] = acc;");
        w.line("__syncthreads();");
        w.open("for (int s = blockDim.x / 2; s > 0; s >>= 1)");
        w.line("if (threadIdx.x < s) partial[threadIdx.x] = " + (fn == ReduceFn.MAX ? "fmaxf(partial[threadIdx.x], partial[threadIdx.x + s])"
                : "partial[threadIdx.x] + partial[threadIdx.x + s]") + ";");
        w.line("__syncthreads();");
        w.close();
        w.open("if (threadIdx.x == 0)").line("acc = partial[0];").line(out + "[o] = " + finish + ";").close();
        w.line("__syncthreads();");
        w.close();
        return outCount;
    }

    /** Softmax, log-softmax or argmax along one axis: one thread per row, max subtracted first. */
    private String alongAxis(KernelWriter w, String op, Shape x, int axis, String in, String out) {
        String inner = product(x, range(axis + 1, x.rank())), len = SizeExpr.of(x.dim(axis)).toString();
        String rows = SizeExpr.of(x, 0, axis).times(SizeExpr.of(x, axis + 1, x.rank())).toString();
        w.line("const int rows = " + rows + ";");
        w.open("for (int row = blockIdx.x * blockDim.x + threadIdx.x; row < rows; row += gridDim.x * blockDim.x)");
        w.line("const int base = (row / " + f(inner) + ") * " + f(len) + " * " + f(inner) + " + row % " + f(inner) + ";");
        String at = "base + k * " + f(inner);
        switch (op) {
            case "argmax" -> {
                w.line("int best = 0;").line("float max = " + in + "[base];");
                w.open("for (int k = 1; k < " + len + "; ++k)");
                w.open("if (" + in + "[" + at + "] > max)").line("max = " + in + "[" + at + "];").line("best = k;").close();
                w.close();
                w.line(out + "[row] = best;");
            }
            default -> {
                boolean soft = op.equals("softmax");
                w.line("float max = __int_as_float(0xff800000);");
                w.open("for (int k = 0; k < " + len + "; ++k)").line("max = fmaxf(max, " + in + "[" + at + "]);").close();
                w.line("float sum = 0.0f;");
                w.open("for (int k = 0; k < " + len + "; ++k)");
                if (soft) w.line("const float e = expf(" + in + "[" + at + "] - max);").line(out + "[" + at + "] = e;").line("sum += e;");
                else w.line("sum += expf(" + in + "[" + at + "] - max);");
                w.close();
                if (soft) {
                    w.line("const float inv = 1.0f / sum;");
                    w.open("for (int k = 0; k < " + len + "; ++k)").line(out + "[" + at + "] *= inv;").close();
                } else {
                    w.line("const float lse = max + logf(sum);");
                    w.open("for (int k = 0; k < " + len + "; ++k)").line(out + "[" + at + "] = " + in + "[" + at + "] - lse;").close();
                }
            }
        }
        w.close();
        return KernelWriter.blocks(rows, THREADS);
    }

    /** One thread per output element; the coordinate along the axis picks the operand. */
    private String concat(KernelWriter w, Node n, int axis, String out) {
        Shape y = n.type().shape();
        String count = count(y), inner = SizeExpr.of(y, axis + 1, y.rank()).toString();
        int total = y.size(axis), offset = 0;
        gridStride(w, count);
        w.line("const int o = i / " + f(total + " * " + inner) + ", a = (i / " + f(inner) + ") % " + total + ", r = i % " + f(inner) + ";");
        for (int k = 0; k < n.inputs().size(); k++) {
            int len = shape(n, k).size(axis);
            String read = out + "[i] = " + in(w, n, k) + "[(o * " + len + " + a - " + offset + ") * " + f(inner) + " + r];";
            if (k + 1 < n.inputs().size()) w.line((k == 0 ? "if" : "else if") + " (a < " + (offset + len) + ") " + read);
            else w.line((k == 0 ? "" : "else ") + read);
            offset += len;
        }
        return endGridStride(w, count);
    }

    static void gridStride(KernelWriter w, String count) {
        w.line("const int count = " + count + ";");
        w.open("for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += gridDim.x * blockDim.x)");
    }

    static String endGridStride(KernelWriter w, String count) {
        w.close();
        return KernelWriter.blocks(count, THREADS);
    }

    /** Sum over the given axes of x of coordinate * stride, the coordinates being those of linear index var. */
    private static List<String> decompose(Shape x, List<Integer> axes, String var) {
        List<String> terms = new ArrayList<>();
        for (int j = 0; j < axes.size(); j++) {
            int a = axes.get(j);
            String within = product(x, axes.subList(j + 1, axes.size()));
            String t = within.equals("1") ? var : var + " / " + f(within);
            if (j > 0) t = (within.equals("1") ? t : "(" + t + ")") + " % " + f(SizeExpr.of(x.dim(a)).toString());
            String stride = SizeExpr.of(x, a + 1, x.rank()).toString();
            if (!stride.equals("1")) t = "(" + t + ") * " + f(stride);
            terms.add(t);
        }
        return terms;
    }

    private static String join(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all.isEmpty() ? "0" : String.join(" + ", all);
    }

    private static String product(Shape x, List<Integer> axes) {
        SizeExpr p = SizeExpr.ONE;
        for (int a : axes) p = p.times(SizeExpr.of(x.dim(a)));
        return p.toString();
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> r = new ArrayList<>();
        for (int i = from; i < to; i++) r.add(i);
        return r;
    }

    static Shape keepDims(Shape x, List<Integer> axes) {
        return x.withUnitAxes(axes);
    }

    static Shape padRank(Shape target, int rank) {
        return target.padToRank(rank);
    }

    static String count(Shape s) { return SizeExpr.count(s).toString(); }

    private static boolean isOne(Dim d) { return d instanceof Dim.Known k && k.size() == 1; }

    private static String f(String size) { return size.contains(" ") ? "(" + size + ")" : size; }

    private Shape shape(Node n, int operand) { return graph.node(n.input(operand)).type().shape(); }

    private String in(KernelWriter w, Node n, int operand) {
        int id = n.input(operand);
        return w.in(buffers.name(id), graph.node(id));
    }
}
