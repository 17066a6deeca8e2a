package dev.netc.codegen.cuda;

import java.util.List;
import java.util.stream.Collectors;

/** Writes a {@link CudaManifest} as indented JSON; small enough not to need a JSON library. */
final class ManifestJson {
    private ManifestJson() {}

    static String write(CudaManifest m) {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"format\": ").append(CudaManifest.FORMAT).append(",\n");
        sb.append("  \"model\": ").append(str(m.model())).append(",\n");
        sb.append("  \"source\": ").append(str(m.source())).append(",\n");
        sb.append("  \"optimizer\": ").append(m.optimizer() == null ? "null" : str(m.optimizer())).append(",\n");
        sb.append("  \"buffers\": [\n");
        for (int i = 0; i < m.buffers().size(); i++) {
            BufferSpec b = m.buffers().get(i);
            sb.append("    {\"name\": ").append(str(b.name()))
                    .append(", \"names\": ").append(strings(b.names()))
                    .append(", \"dtype\": ").append(str(b.dtype()))
                    .append(", \"count\": ").append(str(b.count()))
                    .append(", \"kind\": ").append(str(b.kind().name().toLowerCase()));
            if (b.aliasOf() != null) sb.append(", \"aliasOf\": ").append(str(b.aliasOf()));
            if (b.kind() == BufferSpec.Kind.CONSTANT) sb.append(", \"fill\": ").append(number(b.fill()));
            sb.append("}").append(i + 1 < m.buffers().size() ? ",\n" : "\n");
        }
        sb.append("  ],\n  \"launches\": [\n");
        for (int i = 0; i < m.launches().size(); i++) {
            LaunchSpec l = m.launches().get(i);
            sb.append("    {\"function\": ").append(str(l.function()))
                    .append(", \"kernel\": ").append(str(l.planKernel()))
                    .append(", \"phase\": ").append(str(l.phase()))
                    .append(", \"grid\": ").append(strings(l.grid()))
                    .append(", \"block\": ").append(l.block())
                    .append(", \"sharedBytes\": ").append(l.sharedBytes())
                    .append(", \"args\": ").append(strings(l.args()))
                    .append("}").append(i + 1 < m.launches().size() ? ",\n" : "\n");
        }
        return sb.append("  ]\n}\n").toString();
    }

    private static String strings(List<String> list) {
        return list.stream().map(ManifestJson::str).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) return str(Double.toString(v));
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    static String str(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c)); else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }
}
