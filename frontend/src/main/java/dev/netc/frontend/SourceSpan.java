package dev.netc.frontend;

/** Where a diagnostic points: 1-based line and column, and how many characters to underline (>= 1). */
public record SourceSpan(int line, int column, int length) {}
