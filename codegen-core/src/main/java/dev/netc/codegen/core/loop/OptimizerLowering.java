package dev.netc.codegen.core.loop;

import dev.netc.codegen.core.Dialect;
import static dev.netc.codegen.core.loop.Expr.f;
import static dev.netc.codegen.core.loop.Expr.i;
import static dev.netc.codegen.core.loop.Expr.op;
import static dev.netc.codegen.core.loop.Expr.var;

import dev.netc.ir.train.OptimizerSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The optimizer update as loops: the step size of this step ({@code lrT}, from the learning rate and
 * the step, in double precision as the reference computes it; {@code stepRate} holds the final value), then one pass per trainable parameter
 * reading its gradient and state and writing both. The state a parameter keeps is named
 * "momentum/p" for momentum SGD, "adam_m/p" and "adam_v/p" for Adam, "rmsprop_v/p" for RMSprop,
 * "adadelta_grad/p" and "adadelta_delta/p" for Adadelta.
 */
public final class OptimizerLowering {
    private final OptimizerSpec spec;

    /** A trainable parameter: its IR name, its buffer, its gradient's buffer, its element count. */
    public record Trainable(String name, Buf param, Buf grad, long count) {}

    public OptimizerLowering(OptimizerSpec spec) { this.spec = spec; }

    /** The state names of one parameter, in a fixed order. */
    public List<String> stateNames(String parameter) {
        List<String> out = new ArrayList<>();
        switch (spec) {
            case OptimizerSpec.Sgd sgd -> { if (sgd.momentum() != 0) out.add("momentum/" + parameter); }
            case OptimizerSpec.Adam adam -> {
                out.add("adam_m/" + parameter);
                out.add("adam_v/" + parameter);
            }
            case OptimizerSpec.RmsProp rms -> out.add("rmsprop_v/" + parameter);
            case OptimizerSpec.Adadelta ada -> {
                out.add("adadelta_grad/" + parameter);
                out.add("adadelta_delta/" + parameter);
            }
        }
        return out;
    }

    /** Computes {@code lrT}: the learning rate with time decay, step decay and Adam's bias correction. */
    public List<Stmt> stepSize() {
        List<Stmt> out = new ArrayList<>();
        Expr step = new Expr.Scalar(Expr.ModelScalar.STEP);
        out.add(new Stmt.Let("lrT", Type.FLOAT, new Expr.Scalar(Expr.ModelScalar.LEARNING_RATE)));
        if (spec instanceof OptimizerSpec.Sgd sgd && sgd.decay() != 0) {
            out.add(new Stmt.Comment("time-based decay: lr / (1 + decay * (step - 1)), so step 1 uses lr itself"));
            out.add(new Stmt.Assign("lrT", new Expr.Cast(Type.FLOAT, op(var("lrT"), "/",
                    op(new Expr.DoubleConst(1.0), "+", op(new Expr.DoubleConst(sgd.decay()), "*", op(step, "-", i(1))))))));
        }
        spec.policy().stepDecay().ifPresent(s -> {
            out.add(new Stmt.Comment("step decay: times gamma every step_size steps"));
            out.add(new Stmt.Assign("lrT", new Expr.Cast(Type.FLOAT, op(var("lrT"), "*",
                    new Expr.Pow(new Expr.DoubleConst(s.gamma()), new Expr.Cast(Type.DOUBLE, op(op(step, "-", i(1)), "/", i(s.stepSize()))))))));
        });
        if (spec instanceof OptimizerSpec.Adam adam) {
            out.add(new Stmt.Comment("bias correction folded into the step size"));
            Expr b1 = new Expr.Pow(new Expr.DoubleConst(adam.beta1()), new Expr.Cast(Type.DOUBLE, step));
            Expr b2 = new Expr.Pow(new Expr.DoubleConst(adam.beta2()), new Expr.Cast(Type.DOUBLE, step));
            out.add(new Stmt.Assign("lrT", new Expr.Cast(Type.FLOAT, op(op(var("lrT"), "*",
                    new Expr.Call(Dialect.Fn.SQRT, op(new Expr.DoubleConst(1.0), "-", b2), Type.DOUBLE)), "/",
                    op(new Expr.DoubleConst(1.0), "-", b1)))));
        }
        out.add(new Stmt.Let("stepRate", Type.FLOAT, var("lrT")));
        return out;
    }

    /** One parallel pass over a parameter's elements; {@code states} in {@link #stateNames} order. */
    public Stmt update(Trainable p, List<Buf> states) {
        double factor = rateFactor(p.name());
        Expr lr = factor == 1 ? var("stepRate") : op(var("stepRate"), "*", f(factor));
        return Stmt.parallel("i", i(p.count()), body(p.param(), p.param(), p.grad(), var("i"), states, lr));
    }

    /**
     * The update of one parameter for the chunk of elements [from, to) (int variables of the method around it), its
     * gradient read from {@code block} at {@code i - blockBase} (an int variable) instead of from its gradient buffer:
     * a block of a weight gradient's rows as the product hands it over, never stored. The parameter is read from its
     * buffer and its new values stored into {@code paramOut} (the buffer itself, or a second one the caller swaps in
     * afterwards). The arithmetic of {@link #update}.
     */
    public Stmt.Loop blockUpdate(Trainable p, Buf paramOut, List<Buf> states, Buf block, String blockBase) {
        double factor = rateFactor(p.name());
        Expr lr = factor == 1 ? var("stepRate") : op(var("stepRate"), "*", f(factor));
        return Stmt.parallel("i", i(p.count()), body(p.param(), paramOut, block, op(var("i"), "-", var(blockBase)), states, lr));
    }

    /** Parameters one multi-tensor update covers at most: its branch chain stays short. */
    public static final int MULTI_TENSOR_GROUP = 16;

    /**
     * One parallel pass updating several parameters (a multi-tensor update, one launch on a GPU):
     * the loop runs over their element counts laid end to end, and a chain of range tests picks the
     * parameter of each index. Each element gets exactly the arithmetic of {@link #update}.
     *
     * @param states each parameter's state buffers, in {@link #stateNames} order
     */
    public Stmt updateAll(List<Trainable> params, List<List<Buf>> states) {
        if (params.isEmpty()) throw new IllegalArgumentException("no parameters to update");
        List<Stmt> chain = null;
        long total = 0;
        for (Trainable p : params) total += p.count();
        long end = total;
        for (int k = params.size() - 1; k >= 0; k--) {
            Trainable p = params.get(k);
            long start = end - p.count();
            double factor = rateFactor(p.name());
            Expr lr = factor == 1 ? var("stepRate") : op(var("stepRate"), "*", f(factor));
            List<Stmt> branch = new ArrayList<>();
            branch.add(new Stmt.Comment(p.name()));
            branch.add(new Stmt.Let("i", Type.INT, start == 0 ? var("t") : op(var("t"), "-", i(start))));
            branch.addAll(body(p.param(), p.param(), p.grad(), var("i"), states.get(k), lr));
            chain = chain == null ? branch : List.of(new Stmt.If(op(var("t"), "<", i(end)), branch, chain));
            end = start;
        }
        return Stmt.parallel("t", i(total), chain); // if (t < end0) {...} else if (t < end1) {...} ... else {...}
    }

    /** The parameter's step size relative to {@code stepRate}: its group's rate over the optimizer's, else 1. */
    public double rateFactor(String parameter) { return spec.policy().rateFactor(parameter, spec.learningRate()); }

    /**
     * The update of any one parameter, for a routine that takes the buffers, the element count (the
     * int variable {@code count}) and the step size (the float variable {@code rate}: {@code stepRate}
     * times the parameter's {@link #rateFactor}) as its arguments: a model with thousands of parameters
     * prints the loop once and calls it per parameter, with the same arithmetic as {@link #update}.
     */
    public Stmt routine(Buf param, Buf grad, List<Buf> states, String count, String rate) {
        return Stmt.parallel("i", var(count), body(param, param, grad, var("i"), states, var(rate)));
    }

    /** The arithmetic of one element i, its gradient at grad[gradAt]: the parameter read from paramBuf, stored to paramOut. */
    private List<Stmt> body(Buf paramBuf, Buf paramOut, Buf grad, Expr gradAt, List<Buf> states, Expr lr) {
        Expr at = var("i");
        Expr param = new Expr.Load(paramBuf, at, Lanes.CONTIGUOUS);
        List<Stmt> b = new ArrayList<>();
        b.add(new Stmt.Let("g", Type.FLOAT, new Expr.Load(grad, gradAt, Lanes.CONTIGUOUS)));
        switch (spec) {
            case OptimizerSpec.Sgd sgd -> {
                if (sgd.momentum() == 0) {
                    b.add(store(paramOut, op(param, "-", op(lr, "*", var("g")))));
                } else {
                    Buf vel = states.getFirst();
                    b.add(new Stmt.Let("mu", Type.FLOAT, f(sgd.momentum())));
                    b.add(new Stmt.Let("v", Type.FLOAT, op(op(var("mu"), "*", load(vel)), "-", op(lr, "*", var("g")))));
                    b.add(store(vel, var("v")));
                    b.add(store(paramOut, op(param, "+", sgd.nesterov()
                            ? op(op(var("mu"), "*", var("v")), "-", op(lr, "*", var("g"))) : var("v"))));
                }
            }
            case OptimizerSpec.Adam adam -> {
                Buf m = states.get(0), v = states.get(1);
                b.add(new Stmt.Let("mi", Type.FLOAT, op(op(f(adam.beta1()), "*", load(m)), "+", op(f(1 - adam.beta1()), "*", var("g")))));
                b.add(new Stmt.Let("vi", Type.FLOAT, op(op(f(adam.beta2()), "*", load(v)), "+",
                        op(op(f(1 - adam.beta2()), "*", var("g")), "*", var("g")))));
                b.add(store(m, var("mi")));
                b.add(store(v, var("vi")));
                b.add(store(paramOut, op(param, "-", op(op(lr, "*", var("mi")), "/",
                        op(sqrt(var("vi")), "+", f(adam.epsilon()))))));
            }
            case OptimizerSpec.RmsProp rms -> {
                Buf v = states.getFirst();
                b.add(new Stmt.Let("vi", Type.FLOAT, op(op(f(rms.rho()), "*", load(v)), "+",
                        op(op(f(1 - rms.rho()), "*", var("g")), "*", var("g")))));
                b.add(store(v, var("vi")));
                b.add(store(paramOut, op(param, "-", op(op(lr, "*", var("g")), "/", op(sqrt(var("vi")), "+", f(rms.epsilon()))))));
            }
            case OptimizerSpec.Adadelta ada -> {
                Buf accGrad = states.get(0), accDelta = states.get(1);
                Expr rho = f(ada.rho()), rest = f(1 - ada.rho()), eps = f(ada.epsilon());
                b.add(new Stmt.Let("vi", Type.FLOAT, op(op(rho, "*", load(accGrad)), "+", op(op(rest, "*", var("g")), "*", var("g")))));
                b.add(store(accGrad, var("vi")));
                b.add(new Stmt.Let("scale", Type.FLOAT, op(op(sqrt(op(load(accDelta), "+", eps)), "/", sqrt(op(var("vi"), "+", eps))), "*", var("g"))));
                b.add(store(accDelta, op(op(rho, "*", load(accDelta)), "+", op(op(rest, "*", var("scale")), "*", var("scale")))));
                b.add(store(paramOut, op(param, "-", op(lr, "*", var("scale")))));
            }
        }
        return b;
    }

    /** Copies a moving statistic computed by the training forward pass into its parameter. */
    public static Stmt copy(Buf from, Buf to, long count) {
        return Stmt.parallel("i", i(count), List.of(store(to, new Expr.Load(from, var("i"), Lanes.CONTIGUOUS))));
    }

    private static Expr sqrt(Expr x) { return new Expr.Call(Dialect.Fn.SQRT, x, Type.FLOAT); }

    private static Expr load(Buf b) { return new Expr.Load(b, var("i"), Lanes.CONTIGUOUS); }

    private static Stmt store(Buf b, Expr value) { return new Stmt.Store(b, var("i"), value, false); }
}
