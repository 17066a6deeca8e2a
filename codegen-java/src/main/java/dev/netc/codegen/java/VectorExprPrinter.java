package dev.netc.codegen.java;

import dev.netc.codegen.core.ScalarExprPrinter;

import dev.netc.ir.BinaryFn;
import dev.netc.ir.UnaryFn;

/**
 * Prints the Vector API expression of one elementwise op over FloatVector operand expressions: the
 * vector twin of {@link ScalarExprPrinter}. The generated file imports {@code Vectors.SPECIES} and the
 * {@code VectorOperators} it names statically, so expressions read like {@code x.lanewise(EXP)}. Transcendentals use {@code VectorOperators} (SVML
 * intrinsics on x86), comparisons a mask and a blend, so a fused elementwise loop runs one vector
 * of lanes per iteration.
 */
final class VectorExprPrinter {
    /** The species every generated vector loop uses ({@code FloatVector.SPECIES_PREFERRED}). */
    static final String SPECIES = "SPECIES";

    String unary(UnaryFn fn, String x) {
        return switch (fn) {
            case NEG -> x + ".neg()";
            case RELU -> x + ".max(0f)";
            case SIGMOID -> broadcast("1f") + ".div(" + x + ".neg().lanewise(EXP).add(1f))";
            case TANH -> x + ".lanewise(TANH)";
            case EXP -> x + ".lanewise(EXP)";
            case LOG -> x + ".lanewise(LOG)";
            case SQRT -> x + ".sqrt()";
            case SQUARE -> x + ".mul(" + x + ")";
            case RECIPROCAL -> broadcast("1f") + ".div(" + x + ")";
            case ABS -> x + ".abs()";
            case STEP -> select(x + ".compare(GT, 0f)");
            case SOFTPLUS -> x + ".max(0f).add(" + x + ".abs().neg().lanewise(EXP).add(1f).lanewise(LOG))";
        };
    }

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
    java.util.Optional<java.util.function.UnaryOperator<String>> call(dev.netc.codegen.core.loop.Expr.MathFn fn) {
        return switch (fn) {
            case SQRT -> java.util.Optional.of(x -> x + ".sqrt()");
            case ABS -> java.util.Optional.of(x -> x + ".abs()");
            case EXP, LOG, TANH, ERF -> java.util.Optional.empty();
        };
    }

    /** All lanes set to one scalar expression. */
    String broadcast(String scalar) { return "broadcast(" + SPECIES + ", " + scalar + ")"; }

    /** The lanes of {@code array} starting at {@code index}. */
    String load(String array, String index) { return "fromArray(" + SPECIES + ", " + array + ", " + index + ")"; }

    /** 1 where the mask is set, else 0. */
    private String select(String mask) { return "zero(" + SPECIES + ").blend(1f, " + mask + ")"; }
}
