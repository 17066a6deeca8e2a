package dev.netc.ir.train;

/**
 * An optimizer and its settings, as written in a train block. The update itself is generated code.
 * Every optimizer carries an {@link LrPolicy} (schedule and parameter groups); the shorter
 * constructors leave it {@link LrPolicy#CONSTANT}.
 */
public sealed interface OptimizerSpec {
    double learningRate();

    /** The learning-rate schedule and per-group rates. */
    LrPolicy policy();

    /** Same optimizer with another learning rate (command-line override). */
    OptimizerSpec withLearningRate(double lr);

    /** Same optimizer with another schedule and groups. */
    OptimizerSpec withPolicy(LrPolicy policy);

    /** Plain or momentum SGD; decay gives lr / (1 + decay * step). */
    record Sgd(double learningRate, double momentum, boolean nesterov, double decay, LrPolicy policy) implements OptimizerSpec {
        public Sgd(double learningRate, double momentum, boolean nesterov, double decay) {
            this(learningRate, momentum, nesterov, decay, LrPolicy.CONSTANT);
        }
        public Sgd withLearningRate(double lr) { return new Sgd(lr, momentum, nesterov, decay, policy); }
        public Sgd withPolicy(LrPolicy p) { return new Sgd(learningRate, momentum, nesterov, decay, p); }
    }

    /** Adam (Kingma and Ba), with bias correction. */
    record Adam(double learningRate, double beta1, double beta2, double epsilon, LrPolicy policy) implements OptimizerSpec {
        public Adam(double learningRate, double beta1, double beta2, double epsilon) {
            this(learningRate, beta1, beta2, epsilon, LrPolicy.CONSTANT);
        }
        public Adam withLearningRate(double lr) { return new Adam(lr, beta1, beta2, epsilon, policy); }
        public Adam withPolicy(LrPolicy p) { return new Adam(learningRate, beta1, beta2, epsilon, p); }
    }

    /** RMSprop as in Keras: v = rho v + (1 - rho) g^2; p -= lr g / (sqrt(v) + epsilon). */
    record RmsProp(double learningRate, double rho, double epsilon, LrPolicy policy) implements OptimizerSpec {
        public RmsProp(double learningRate, double rho, double epsilon) { this(learningRate, rho, epsilon, LrPolicy.CONSTANT); }
        public RmsProp withLearningRate(double lr) { return new RmsProp(lr, rho, epsilon, policy); }
        public RmsProp withPolicy(LrPolicy p) { return new RmsProp(learningRate, rho, epsilon, p); }
    }

    /**
     * Adadelta (Zeiler 2012): a = rho a + (1 - rho) g^2; d = sqrt(s + eps) / sqrt(a + eps) g;
     * s = rho s + (1 - rho) d^2; p -= lr d.
     */
    record Adadelta(double learningRate, double rho, double epsilon, LrPolicy policy) implements OptimizerSpec {
        public Adadelta(double learningRate, double rho, double epsilon) { this(learningRate, rho, epsilon, LrPolicy.CONSTANT); }
        public Adadelta withLearningRate(double lr) { return new Adadelta(lr, rho, epsilon, policy); }
        public Adadelta withPolicy(LrPolicy p) { return new Adadelta(learningRate, rho, epsilon, p); }
    }
}
