package dev.netc.codegen.cuda;

import java.util.List;

/**
 * Writes the C++ main() that runs a generated program under host emulation ({@code host_cuda.h}):
 * it allocates every buffer of the manifest for a batch size, reads inputs and parameters from
 * {@code DIR/<buffer>.bin}, runs forward (training), backward and one update, and writes every buffer
 * to {@code DIR/out/<buffer>.bin}. The manifest's grid expressions are C, so they are pasted as they are.
 */
final class HostDriver {
    private HostDriver() {}

    static String source(CudaProgram program, float learningRate) {
        CudaManifest m = program.manifest();
        StringBuilder sb = new StringBuilder();
        sb.append("#include \"").append(program.sourceName()).append("\"\n");
        sb.append("#include <cstdio>\n#include <cstdlib>\n#include <string>\n\n");
        sb.append("""
                template <class T> static void load(const std::string& dir, const char* name, T* data, long count) {
                    FILE* f = std::fopen((dir + "/" + name + ".bin").c_str(), "rb");
                    if (!f) { std::fprintf(stderr, "missing %s\\n", name); std::exit(3); }
                    if ((long) std::fread(data, sizeof(T), count, f) != count) { std::fprintf(stderr, "short %s\\n", name); std::exit(3); }
                    std::fclose(f);
                }
                template <class T> static void save(const std::string& dir, const char* name, const T* data, long count) {
                    FILE* f = std::fopen((dir + "/out/" + name + ".bin").c_str(), "wb");
                    std::fwrite(data, sizeof(T), count, f);
                    std::fclose(f);
                }

                int main(int argc, char** argv) {
                    const int batch = std::atoi(argv[1]);
                    const std::string dir = argv[2];
                    const unsigned long long seed = 0, counter = 1;  // the Java model's first training pass
                    int training = 1;
                """);
        sb.append("    const float learning_rate = ").append(CudaDialect.INSTANCE.floatLiteral(learningRate)).append(";\n");
        sb.append("    const int step = 1;\n");
        for (BufferSpec b : m.buffers()) {
            String type = switch (b.dtype()) {
                case "i32" -> "int";
                case "u8" -> "unsigned char";
                default -> "float";
            };
            if (b.usesOthersMemory()) continue;
            sb.append("    std::vector<").append(type).append("> store_").append(b.name()).append("((long) (").append(b.count()).append("), 0);\n");
            sb.append("    ").append(type).append("* ").append(b.name()).append(" = store_").append(b.name()).append(".data();\n");
            switch (b.kind()) {
                case INPUT, PARAMETER -> sb.append("    load(dir, \"").append(b.name()).append("\", ").append(b.name())
                        .append(", (long) (").append(b.count()).append("));\n");
                case CONSTANT -> sb.append("    for (auto& e : store_").append(b.name()).append(") e = (").append(type).append(") ")
                        .append(b.fill()).append(";\n");
                default -> { }
            }
        }
        for (BufferSpec b : m.buffers()) {
            if (b.kind() != BufferSpec.Kind.SHARED) continue;
            sb.append("    auto* ").append(b.name()).append(" = ").append(b.aliasOf()).append(";  // memory plan: shares a slot\n");
        }
        for (BufferSpec b : m.buffers()) {
            if (b.kind() != BufferSpec.Kind.ALIAS) continue;
            sb.append("    auto* ").append(b.name()).append(" = ").append(b.aliasOf()).append(";  // reshape\n");
        }
        for (String phase : List.of("predict", "loss", "backward", "update")) {
            sb.append("    // ").append(phase).append('\n');
            for (LaunchSpec l : m.launches(phase)) {
                sb.append("    netc_launch(").append(l.function()).append(", dim3(").append(String.join(", ", l.grid())).append("), dim3(")
                        .append(l.block().get(0)).append(", ").append(l.block().get(1)).append(", ").append(l.block().get(2)).append("), ")
                        .append(String.join(", ", l.args())).append(");\n");
            }
        }
        for (BufferSpec b : m.buffers()) {
            if (b.kind() == BufferSpec.Kind.ALIAS) continue;
            sb.append("    save(dir, \"").append(b.name()).append("\", ").append(b.name()).append(", (long) (").append(b.count()).append("));\n");
        }
        sb.append("    (void) training;\n    return 0;\n}\n");
        return sb.toString();
    }
}
