package dev.netc.ir.train;

/** An optimizer and its settings, as written in a train block. The update itself is generated code. */
public sealed interface OptimizerSpec {
    double learningRate();

    /** Same optimizer with another learning rate (command-line override). */
    OptimizerSpec withLearningRate(double lr);

    /** Plain or momentum SGD; decay gives lr / (1 + decay * step). */
    record Sgd(double learningRate, double momentum, boolean nesterov, double decay) implements OptimizerSpec {
        public Sgd withLearningRate(double lr) { return new Sgd(lr, momentum, nesterov, decay); }
    }

    /** Adam (Kingma and Ba), with bias correction. */
    record Adam(double learningRate, double beta1, double beta2, double epsilon) implements OptimizerSpec {
        public Adam withLearningRate(double lr) { return new Adam(lr, beta1, beta2, epsilon); }
    }
}
