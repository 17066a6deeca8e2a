package dev.netc.codegen.java;

import dev.netc.api.GeneratedModel;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles generated model source in memory with javax.tools and loads the class in a fresh class
 * loader. The generated code only calls netc's kernel library and the JDK, so the classpath is the
 * current one plus wherever {@link GeneratedModel} and the kernels were loaded from.
 */
public final class JavaModelCompiler {
    private JavaModelCompiler() {}

    /**
     * Compiles and instantiates one generated class.
     *
     * @throws IllegalStateException with javac's diagnostics when the source does not compile (a code
     *                               generator bug, never a user error)
     */
    public static GeneratedModel compile(String packageName, String className, String source) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) throw new IllegalStateException("no Java compiler available: run netc on a JDK, not a JRE");
        String binaryName = packageName.isEmpty() ? className : packageName + "." + className;
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StandardJavaFileManager standard = javac.getStandardFileManager(diagnostics, null, null);
        MemoryFileManager files = new MemoryFileManager(standard);
        List<String> options = List.of("--release", Integer.toString(Runtime.version().feature()),
                "--add-modules", "jdk.incubator.vector", "-Xlint:-incubating", "-nowarn", "-classpath", classpath());
        JavaFileObject unit = new SourceFile(binaryName, source);
        boolean ok;
        try {
            ok = javac.getTask(null, files, diagnostics, options, null, List.of(unit)).call();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalStateException("javac could not start: " + e.getMessage(), e);
        }
        if (!ok) {
            String report = diagnostics.getDiagnostics().stream()
                    .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                    .map(d -> "line " + d.getLineNumber() + ": " + d.getMessage(null) + "\n    " + line(source, d.getLineNumber()))
                    .collect(Collectors.joining("\n"));
            throw new IllegalStateException("generated model " + binaryName + " does not compile (a netc bug):\n" + report);
        }
        ClassLoader loader = new MemoryClassLoader(files.classes, GeneratedModel.class.getClassLoader());
        try {
            Class<?> cls = Class.forName(binaryName, true, loader);
            return (GeneratedModel) cls.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot instantiate generated model " + binaryName, e);
        }
    }

    private static String line(String source, long number) {
        String[] lines = source.split("\n", -1);
        return number >= 1 && number <= lines.length ? lines[(int) number - 1].strip() : "";
    }

    /** The current classpath, plus the locations of this module and the kernel library when they differ. */
    private static String classpath() {
        Set<String> entries = new LinkedHashSet<>();
        for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) if (!e.isEmpty()) entries.add(e);
        location(GeneratedModel.class).ifPresent(entries::add);
        try {
            location(Class.forName(LibraryCalls.KERNELS + ".Gemm")).ifPresent(entries::add);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("the kernel library " + LibraryCalls.KERNELS + " is missing from the classpath", e);
        }
        return String.join(File.pathSeparator, entries);
    }

    private static java.util.Optional<String> location(Class<?> c) {
        CodeSource cs = c.getProtectionDomain().getCodeSource();
        if (cs == null || cs.getLocation() == null) return java.util.Optional.empty();
        try {
            return java.util.Optional.of(Path.of(cs.getLocation().toURI()).toString());
        } catch (URISyntaxException | IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    private static final class SourceFile extends SimpleJavaFileObject {
        private final String source;

        SourceFile(String binaryName, String source) {
            super(URI.create("string:///" + binaryName.replace('.', '/') + Kind.SOURCE.extension), Kind.SOURCE);
            this.source = source;
        }

        @Override public CharSequence getCharContent(boolean ignoreEncodingErrors) { return source; }
    }

    private static final class ClassFile extends SimpleJavaFileObject {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        ClassFile(String binaryName) {
            super(URI.create("mem:///" + binaryName.replace('.', '/') + Kind.CLASS.extension), Kind.CLASS);
        }

        @Override public OutputStream openOutputStream() { return bytes; }
    }

    /** Keeps compiled classes (including nested and lambda-holder classes) in memory. */
    private static final class MemoryFileManager extends ForwardingJavaFileManager<StandardJavaFileManager> {
        final Map<String, ClassFile> classes = new HashMap<>();

        MemoryFileManager(StandardJavaFileManager standard) { super(standard); }

        @Override
        public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind, FileObject sibling) {
            ClassFile f = new ClassFile(className);
            classes.put(className, f);
            return f;
        }
    }

    private static final class MemoryClassLoader extends ClassLoader {
        private final Map<String, ClassFile> classes;

        MemoryClassLoader(Map<String, ClassFile> classes, ClassLoader parent) {
            super(parent);
            this.classes = new HashMap<>(classes);
        }

        @Override protected Class<?> findClass(String name) throws ClassNotFoundException {
            ClassFile f = classes.get(name);
            if (f == null) throw new ClassNotFoundException(name);
            byte[] b = f.bytes.toByteArray();
            return defineClass(name, b, 0, b.length);
        }
    }
}
