package dev.netc.codegen.cuda;

import dev.netc.codegen.core.loop.Buf;
import dev.netc.codegen.core.loop.CStylePrinter;
import dev.netc.codegen.core.loop.DropoutNodes;
import dev.netc.codegen.core.loop.Expr;
import dev.netc.codegen.core.loop.Stmt;
import dev.netc.codegen.core.loop.Type;
import dev.netc.codegen.core.loop.Walk;
import dev.netc.ir.ReduceFn;
import java.util.List;
import java.util.Optional;

/**
 * The CUDA C dialect of the shared C-style printer: the outermost parallel loop becomes a grid-stride
 * loop over the threads of the launch, buffers and scalars become parameters of the kernel function
 * (collected by a {@link KernelWriter}), math is single precision ({@code expf}, {@code fmaxf}).
 */
final class CudaLoopPrinter extends CStylePrinter {
    /** Threads per block of every loop kernel. */
    static final int THREADS = 256;

    private final KernelWriter writer;
    private String grid;

    CudaLoopPrinter(KernelWriter writer) {
        super(CudaDialect.INSTANCE);
        this.writer = writer;
    }

    /**
     * Appends the statements to the kernel (after one random stream per dropout node they draw from)
     * at the writer's depth; returns the grid x size their parallel loop needs, or "1".
     */
    String emit(List<Stmt> body, int depth) {
        grid = null;
        declareDropoutStreams(writer, body);
        registerBuffers(body);
        writer.lines(print(body, depth));
        return grid == null ? "1" : grid;
    }

    /** Declares the random stream of each dropout node the statements draw from. */
    static void declareDropoutStreams(KernelWriter writer, List<Stmt> body) {
        for (int node : DropoutNodes.in(body))
            writer.line("const unsigned long long " + dropoutStream(node) + " = netc_dropout_stream(" + writer.scalar("seed") + ", "
                    + writer.scalar("counter") + ", " + node + ");");
    }

    /** Appends straight-line statements (an epilogue inside a template's store) without any stream setup. */
    void emitInline(List<Stmt> body) {
        registerBuffers(body);
        writer.lines(print(body, 0));
    }

    @Override protected void parallelLoop(Stmt.Loop l) {
        if (grid != null) throw new IllegalStateException("a CUDA loop kernel has one parallel loop; split it into launches");
        Optional<BlockReduction> split = BlockReduction.of(l);
        if (split.isPresent()) {
            blockPerIteration(l, split.get());
            return;
        }
        String count = expr(l.extent());
        grid = KernelWriter.blocks(count, THREADS);
        open("for (int " + l.var() + " = blockIdx.x * blockDim.x + threadIdx.x; " + l.var() + " < " + atom(l.extent())
                + "; " + l.var() + " += gridDim.x * blockDim.x)");
        body(l.body());
        close("");
    }

    /**
     * One block per iteration (an output of a long reduction, such as a bias gradient summing batch x
     * height x width elements): the block's threads split the reduction loop, each folding every
     * blockDim.x-th element in index order, the partial accumulators are merged by a fixed tree
     * (netc_block_sum / netc_block_max), and thread 0 runs what follows with the result.
     */
    private void blockPerIteration(Stmt.Loop l, BlockReduction split) {
        grid = expr(l.extent());
        open("for (int " + l.var() + " = blockIdx.x; " + l.var() + " < " + atom(l.extent()) + "; " + l.var() + " += gridDim.x)");
        body(split.before());
        Stmt.Reduce r = split.reduce();
        open("for (int " + r.var() + " = threadIdx.x; " + r.var() + " < " + atom(r.extent()) + "; " + r.var() + " += blockDim.x)");
        body(r.body());
        close("");
        line(r.acc() + " = " + (r.fn() == ReduceFn.MAX ? "netc_block_max" : "netc_block_sum") + "(" + r.acc() + ");");
        open("if (threadIdx.x == 0)");
        body(split.after());
        close("");
        close("");
    }

    @Override protected String typeName(Type t) {
        return switch (t) {
            case INT -> "int";
            case FLOAT -> "float";
            case DOUBLE -> "double";
            case LONG -> "long long";
        };
    }

    @Override protected String scalar(Expr.ModelScalar s) {
        return switch (s) {
            case TRAINING -> writer.scalar("training");
            case LEARNING_RATE -> writer.scalar("learning_rate");
            case STEP -> writer.scalar("step");
        };
    }

    @Override protected String dropoutFactor(Expr.DropoutFactor d, String index) {
        return "(" + writer.scalar("training") + " ? (netc_dropout_uniform(" + dropoutStream(d.node()) + ", " + index + ") < "
                + CudaDialect.INSTANCE.doubleLiteral(d.rate()) + " ? 0.0f : " + dialect.floatLiteral(1 / (1 - d.rate())) + ") : 1.0f)";
    }

    private static String dropoutStream(int node) { return "stream" + node; }


    /** Declares every buffer the statements read (const) or write, and every scalar they use, as kernel parameters. */
    private void registerBuffers(List<Stmt> body) {
        Walk.expressions(body, e -> {
            if (e instanceof Expr.Load l) writer.in(l.buf().name(), elementType(l.buf()));
            if (e instanceof Expr.Scalar s) scalar(s.which());
        });
        Walk.statements(body, s -> {
            if (s instanceof Stmt.Store st) writer.out(st.buf().name(), elementType(st.buf()));
        });
    }

    static String elementType(Buf b) { return b.isByte() ? "unsigned char" : b.isInt() ? "int" : "float"; }
}
