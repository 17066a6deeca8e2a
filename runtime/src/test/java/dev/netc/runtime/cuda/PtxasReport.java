package dev.netc.runtime.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the per-kernel resource lines of {@code ptxas -v} (as NVRTC logs them with {@code --ptxas-options=-v}). */
final class PtxasReport {
    private PtxasReport() {}

    /** One kernel's resources for one architecture. */
    record Row(String source, String arch, String function, int registers, int sharedBytes, int stackBytes, int spillStores,
               int spillLoads) {
        boolean spills() { return spillStores > 0 || spillLoads > 0; }
    }

    private static final Pattern ENTRY = Pattern.compile("Compiling entry function '(\\w+)' for '(\\w+)'");
    private static final Pattern FRAME = Pattern.compile("(\\d+) bytes stack frame, (\\d+) bytes spill stores, (\\d+) bytes spill loads");
    private static final Pattern USED = Pattern.compile("Used (\\d+) registers");
    private static final Pattern SMEM = Pattern.compile("(\\d+) bytes smem");

    static List<Row> parse(String out, String source) {
        List<Row> rows = new ArrayList<>();
        String function = null, arch = "";
        int stack = 0, stores = 0, loads = 0;
        for (String line : out.split("\n")) {
            Matcher m = ENTRY.matcher(line);
            if (m.find()) {
                function = m.group(1);
                arch = m.group(2);
                stack = stores = loads = 0;
                continue;
            }
            if ((m = FRAME.matcher(line)).find()) {
                stack = Integer.parseInt(m.group(1));
                stores = Integer.parseInt(m.group(2));
                loads = Integer.parseInt(m.group(3));
            }
            Matcher used = USED.matcher(line);
            if (function != null && used.find()) {
                Matcher smem = SMEM.matcher(line);
                rows.add(new Row(source, arch, function, Integer.parseInt(used.group(1)), smem.find() ? Integer.parseInt(smem.group(1)) : 0,
                        stack, stores, loads));
                function = null;
            }
        }
        return rows;
    }

    static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder(String.format("%-24s %-6s %-44s %5s %7s %6s %7s %7s%n", "source", "arch", "kernel", "regs",
                "smem", "stack", "spill-st", "spill-ld"));
        for (Row r : rows)
            sb.append(String.format("%-24s %-6s %-44s %5d %7d %6d %7d %7d%n", r.source(), r.arch(), r.function(), r.registers(),
                    r.sharedBytes(), r.stackBytes(), r.spillStores(), r.spillLoads()));
        return sb.toString();
    }
}
