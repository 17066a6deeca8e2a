package dev.netc.runtime.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * NVRTC from the test dependency org.bytedeco:cuda-redist (linux-x86_64): its libnvrtc.so.13 and
 * libnvrtc-builtins.so.13.1 are unpacked once into target/nvrtc and loaded from there.
 */
final class RedistNvrtc {
    private RedistNvrtc() {}

    private static final String PREFIX = "org/bytedeco/cuda/linux-x86_64/";
    private static final List<String> FILES = List.of("libnvrtc-builtins.so.13.1", "libnvrtc.so.13");

    /** NVRTC, or empty (with the reason printed) when this platform has no redistributable. */
    static synchronized Optional<Nvrtc> load() throws IOException {
        if (!System.getProperty("os.name").startsWith("Linux") || !System.getProperty("os.arch").matches("amd64|x86_64")) {
            System.out.println("cuda-redist has NVRTC for linux-x86_64 only; this is " + System.getProperty("os.name") + "/"
                    + System.getProperty("os.arch"));
            return Optional.empty();
        }
        Path dir = Path.of("target", "nvrtc").toAbsolutePath();
        Files.createDirectories(dir);
        for (String f : FILES) {
            Path target = dir.resolve(f);
            if (Files.exists(target)) continue;
            try (InputStream in = RedistNvrtc.class.getClassLoader().getResourceAsStream(PREFIX + f)) {
                if (in == null) throw new IOException(PREFIX + f + " is not on the test classpath (org.bytedeco:cuda-redist)");
                Path partial = dir.resolve(f + ".part");
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        return Optional.of(Nvrtc.load(dir));
    }
}
