package dev.netc.codegen.core.loop;

/** The scalar types of loop-kernel locals. Doubles appear only in step-size arithmetic (as in the reference). */
public enum Type { INT, FLOAT, DOUBLE, LONG }
