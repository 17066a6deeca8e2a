package dev.netc.codegen.java;

import dev.netc.codegen.core.Dialect;
import dev.netc.codegen.core.ScalarExprPrinter;

import dev.netc.ir.BinaryFn;

/**
 * Prints the Vector API expression of one elementwise op over FloatVector operand expressions: the
 * vector twin of {@link ScalarExprPrinter}. The generated file imports {@code Vectors.SPECIES}, the
 * {@code VectorOperators} comparisons and {@code VectorMath}'s functions statically, so expressions
 * read like {@code exp(x.neg())}. Transcendentals are {@code dev.netc.kernels.VectorMath}'s, the same
 * functions the scalar loops call ({@link JavaDialect}), never {@code lanewise(EXP)} and friends:
 * those are SVML intrinsics under C2 but {@code Math} calls in the interpreter and C1, so a run's bits
 * would depend on when the JIT compiled it. Comparisons are a mask and a blend, so a fused elementwise
 * loop runs one vector of lanes per iteration.
 */
final class VectorExprPrinter {
    /** The species every generated vector loop uses ({@code FloatVector.SPECIES_PREFERRED}). */
    static final String SPECIES = "SPECIES";

    String binary(BinaryFn fn, String a, String b) {
        return switch (fn) {
            case ADD -> a + ".add(" + b + ")";
            case SUB -> a + ".sub(" + b + ")";
            case MUL -> a + ".mul(" + b + ")";
            case DIV -> a + ".div(" + b + ")";
            case MAX -> a + ".max(" + b + ")";
            case MIN -> a + ".min(" + b + ")";
            case GREATER -> select(a + ".compare(GT, " + b + ")");
        };
    }

    /** The FloatVector method of a plain arithmetic operator, or empty for comparisons. */
    java.util.Optional<String> arith(String op) {
        return switch (op) {
            case "+" -> java.util.Optional.of("add");
            case "-" -> java.util.Optional.of("sub");
            case "*" -> java.util.Optional.of("mul");
            case "/" -> java.util.Optional.of("div");
            default -> java.util.Optional.empty();
        };
    }

    /** The vector form of a float math function, or empty when it has none here. */
    java.util.Optional<java.util.function.UnaryOperator<String>> call(Dialect.Fn fn) {
        return switch (fn) {
            case SQRT -> java.util.Optional.of(x -> x + ".sqrt()");
            case ABS -> java.util.Optional.of(x -> x + ".abs()");
            case EXP -> java.util.Optional.of(x -> "exp(" + x + ")");
            case LOG -> java.util.Optional.of(x -> "log(" + x + ")");
            case TANH -> java.util.Optional.of(x -> "tanh(" + x + ")");
            case ERF -> java.util.Optional.empty();
        };
    }

    /** All lanes set to one scalar expression. */
    String broadcast(String scalar) { return "broadcast(" + SPECIES + ", " + scalar + ")"; }

    /** The lanes of {@code array} starting at {@code index}. */
    String load(String array, String index) { return "fromArray(" + SPECIES + ", " + array + ", " + index + ")"; }

    /** 1 where the mask is set, else 0. */
    private String select(String mask) { return "zero(" + SPECIES + ").blend(1f, " + mask + ")"; }

    /** The VectorOperators comparison of a C comparison operator, or empty. */
    java.util.Optional<String> comparison(String op) {
        return switch (op) {
            case ">" -> java.util.Optional.of("GT");
            case ">=" -> java.util.Optional.of("GE");
            case "<" -> java.util.Optional.of("LT");
            case "<=" -> java.util.Optional.of("LE");
            case "==" -> java.util.Optional.of("EQ");
            case "!=" -> java.util.Optional.of("NE");
            default -> java.util.Optional.empty();
        };
    }
}
