package dev.netc.ir.train;

import java.util.List;
import java.util.Optional;

/**
 * How the learning rate varies, shared by every optimizer: an optional step-decay schedule and
 * per-parameter-group rates. Both scale the rate the caller passes to the update (so a command-line
 * override of the rate scales every group alike).
 *
 * @param stepDecay multiply the rate by {@code gamma} every {@code stepSize} optimizer steps
 * @param groups    parameters whose name matches a group's glob pattern use the group's rate; the first
 *                  matching group wins, unmatched parameters use the optimizer's rate
 */
public record LrPolicy(Optional<StepDecay> stepDecay, List<ParamGroup> groups) {

    /** No schedule, no groups. */
    public static final LrPolicy CONSTANT = new LrPolicy(Optional.empty(), List.of());

    public LrPolicy { groups = List.copyOf(groups); }

    /** lr * gamma^floor((step - 1) / stepSize): the rate is constant for stepSize steps, then shrinks. */
    public record StepDecay(int stepSize, double gamma) {
        public StepDecay {
            if (stepSize <= 0) throw new IllegalArgumentException("step_size must be positive");
            if (!(gamma > 0)) throw new IllegalArgumentException("gamma must be positive");
        }

        /** The factor at optimizer step {@code step} (counting from 1). */
        public double factor(int step) { return Math.pow(gamma, Math.floorDiv(step - 1, stepSize)); }
    }

    /** A parameter group: a glob pattern over parameter names ({@code *} matches any characters) and its rate. */
    public record ParamGroup(String pattern, double learningRate) {
        public boolean matches(String parameterName) { return glob(pattern, 0, parameterName, 0); }

        private static boolean glob(String p, int i, String s, int j) {
            if (i == p.length()) return j == s.length();
            if (p.charAt(i) == '*') {
                for (int k = j; k <= s.length(); k++) if (glob(p, i + 1, s, k)) return true;
                return false;
            }
            return j < s.length() && p.charAt(i) == s.charAt(j) && glob(p, i + 1, s, j + 1);
        }
    }

    /** The group a parameter belongs to, if any. */
    public Optional<ParamGroup> groupOf(String parameterName) {
        return groups.stream().filter(g -> g.matches(parameterName)).findFirst();
    }

    /** The parameter's rate relative to the optimizer's: groupRate / baseRate, or 1 outside every group. */
    public double rateFactor(String parameterName, double baseRate) {
        return groupOf(parameterName).map(g -> g.learningRate() / baseRate).orElse(1.0);
    }
}
