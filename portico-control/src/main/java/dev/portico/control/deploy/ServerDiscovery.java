package dev.portico.control.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portico.api.ServerSpec;
import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.AccessFlags;
import java.lang.classfile.Annotation;
import java.lang.classfile.AnnotationElement;
import java.lang.classfile.AnnotationValue;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.constant.ClassDesc;
import java.lang.reflect.AccessFlag;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.ZipException;

/**
 * Finds the {@code @Server} classes of a deploy artifact by reading class files with the JDK's
 * class-file API. No class is loaded, let alone initialized, so a deploy never runs user code.
 *
 * <p>Annotation defaults live in the SDK's annotation type, not in the class files that use it, so
 * each spec starts from {@link ServerSpec#defaults(String)} and takes only the values a class sets.
 */
public final class ServerDiscovery {

    private static final ClassDesc SERVER = ClassDesc.of("dev.portico.Server");
    private static final ClassDesc ENTER = ClassDesc.of("dev.portico.Enter");
    /**
     * Bounds on the class bytes a jar may unpack to, all held at once while it is read: a small jar
     * can unpack to gigabytes, which would exhaust the heap the whole platform shares.
     */
    private static final int MAX_CLASS_BYTES = 16 << 20;
    private static final long MAX_CLASSES_BYTES = 64L << 20;

    private final ObjectMapper json;

    public ServerDiscovery(ObjectMapper json) {
        this.json = json;
    }

    /**
     * The validated specs of every {@code @Server} class in the jar.
     *
     * @throws DeployException naming the class, attribute and allowed range of every problem; when
     *     the file is not a jar; when it has no {@code @Server} class
     */
    public List<ServerSpec> discover(Path jar) {
        Map<String, ClassModel> classes = readClasses(jar);
        List<ServerSpec> specs = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, ClassModel> entry : classes.entrySet()) {
            ClassModel model = entry.getValue();
            try {
                Annotation server = annotation(model.findAttribute(Attributes.runtimeVisibleAnnotations())
                        .map(a -> a.annotations()).orElse(List.of()), SERVER);
                if (server == null) {
                    continue;
                }
                String className = model.thisClass().asInternalName().replace('/', '.');
                ServerSpec spec = toSpec(className, server);
                problems.addAll(spec.problems());
                problems.addAll(shapeProblems(className, model, classes));
                specs.add(spec);
            } catch (IllegalArgumentException e) {
                // The class-file API parses lazily: damage past a class's header shows only here.
                throw new DeployException(entry.getKey() + ".class in " + jar.getFileName()
                        + " is not a @Server class this platform can read: " + e.getMessage());
            }
        }
        if (specs.isEmpty() && problems.isEmpty()) {
            throw new DeployException(jar.getFileName() + " has no class annotated with @dev.portico.Server");
        }
        Map<String, String> byName = new HashMap<>();
        for (ServerSpec spec : specs) {
            String other = byName.putIfAbsent(spec.name(), spec.className());
            if (other != null) {
                problems.add(spec.className() + ": @Server(name = \"" + spec.name() + "\"): the name is"
                        + " already used by " + other + "; server names must be unique within an app");
            }
        }
        if (!problems.isEmpty()) {
            throw new DeployException(String.join("\n", problems));
        }
        return specs;
    }

    private static Map<String, ClassModel> readClasses(Path jar) {
        Map<String, ClassModel> classes = new LinkedHashMap<>();
        long total = 0;
        try (JarFile file = new JarFile(jar.toFile())) {
            for (JarEntry entry : file.stream().toList()) {
                if (!entry.getName().endsWith(".class") || entry.getName().startsWith("META-INF/")) {
                    continue;
                }
                try (InputStream in = file.getInputStream(entry)) {
                    byte[] bytes = in.readNBytes(MAX_CLASS_BYTES + 1);
                    total += bytes.length;
                    if (bytes.length > MAX_CLASS_BYTES || total > MAX_CLASSES_BYTES) {
                        throw new DeployException(entry.getName() + " in " + jar.getFileName() + ": a class may"
                                + " unpack to at most " + (MAX_CLASS_BYTES >> 20) + " MiB, and all classes of a jar"
                                + " to " + (MAX_CLASSES_BYTES >> 20) + " MiB");
                    }
                    ClassModel model = ClassFile.of().parse(bytes);
                    classes.put(model.thisClass().asInternalName(), model);
                } catch (IllegalArgumentException e) {
                    throw new DeployException(entry.getName() + " in " + jar.getFileName()
                            + " is not a valid class file: " + e.getMessage());
                }
            }
        } catch (ZipException e) {
            throw new DeployException(jar.getFileName() + " is not a jar file: " + e.getMessage());
        } catch (IOException e) {
            throw new DeployException("cannot read " + jar.getFileName() + ": "
                    + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
        return classes;
    }

    /** Starts from the defaults and applies every element the class sets. */
    private ServerSpec toSpec(String className, Annotation server) {
        @SuppressWarnings("unchecked")
        Map<String, Object> values = json.convertValue(ServerSpec.defaults(className), Map.class);
        for (AnnotationElement element : server.elements()) {
            String name = element.name().stringValue();
            Object value = plain(element.value());
            if (name.equals("name") && "".equals(value)) {
                continue;
            }
            values.put(name, value);
        }
        return json.convertValue(values, ServerSpec.class);
    }

    private static Object plain(AnnotationValue value) {
        return switch (value) {
            case AnnotationValue.OfInt v -> v.intValue();
            case AnnotationValue.OfDouble v -> v.doubleValue();
            case AnnotationValue.OfBoolean v -> v.booleanValue();
            case AnnotationValue.OfString v -> v.stringValue();
            case AnnotationValue.OfArray v -> v.values().stream().map(ServerDiscovery::plain).toList();
            default -> throw new DeployException("unsupported annotation value " + value);
        };
    }

    /**
     * What the container entrypoint needs of the class: concrete, a no-argument constructor, and
     * at least one {@code @Enter} method (in it or a superclass in the jar).
     */
    private static List<String> shapeProblems(String className, ClassModel model, Map<String, ClassModel> classes) {
        List<String> problems = new ArrayList<>();
        AccessFlags flags = model.flags();
        if (flags.has(AccessFlag.ABSTRACT) || flags.has(AccessFlag.INTERFACE)) {
            problems.add(className + ": a @Server class must be a concrete class");
        }
        boolean noArgConstructor = model.methods().stream().anyMatch(m ->
                m.methodName().equalsString("<init>") && m.methodType().equalsString("()V"));
        if (!noArgConstructor) {
            problems.add(className + ": a @Server class needs a constructor without parameters");
        }
        boolean hasEnter = false;
        for (ClassModel c = model; c != null && !hasEnter;
                c = c.superclass().map(s -> classes.get(s.asInternalName())).orElse(null)) {
            hasEnter = c.methods().stream().anyMatch(ServerDiscovery::isEnter);
        }
        if (!hasEnter) {
            problems.add(className + ": a @Server class needs at least one @Enter method");
        }
        return problems;
    }

    private static boolean isEnter(MethodModel method) {
        return annotation(method.findAttribute(Attributes.runtimeVisibleAnnotations())
                .map(a -> a.annotations()).orElse(List.of()), ENTER) != null;
    }

    private static Annotation annotation(List<Annotation> annotations, ClassDesc type) {
        for (Annotation annotation : annotations) {
            if (annotation.classSymbol().equals(type)) {
                return annotation;
            }
        }
        return null;
    }
}
