package dev.netc.kernels;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Reusable per-thread objects that carry a kernel call's arguments to its parallel bodies. A lambda that
 * captures them is a new object on every call (about thirty a training step of the MNIST CNN); a frame from
 * here is made once per thread and nesting depth. A stack rather than one frame per thread: a body may call
 * the same kernel again on its own thread (a nested region runs serially there).
 *
 * <p>Use: {@code F frame = FRAMES.acquire(); try { fill and run it } finally { FRAMES.release(frame); }}. The
 * frame's fields are written before {@link Parallel} publishes its region, which orders them before the
 * workers read them.
 */
final class CallFrames<F extends CallFrames.Frame> {
    /** A frame: {@link #clear} drops the arrays it holds, so a finished call keeps nothing alive. */
    interface Frame {
        void clear();
    }

    private final Supplier<F> factory;
    private final ThreadLocal<Stack> stacks = ThreadLocal.withInitial(Stack::new);

    CallFrames(Supplier<F> factory) {
        this.factory = factory;
    }

    /** This thread's frame at its current depth, made on first use. */
    F acquire() {
        Stack stack = stacks.get();
        if (stack.depth == stack.frames.length) {
            stack.frames = Arrays.copyOf(stack.frames, 2 * stack.depth);
        }
        @SuppressWarnings("unchecked")
        F frame = (F) stack.frames[stack.depth];
        if (frame == null) {
            frame = factory.get();
            stack.frames[stack.depth] = frame;
        }
        stack.depth++;
        return frame;
    }

    /** Clears the frame and gives it back; frames go back in the reverse order of {@link #acquire}. */
    void release(F frame) {
        frame.clear();
        stacks.get().depth--;
    }

    private static final class Stack {
        Object[] frames = new Object[2];
        int depth;
    }
}
