package dev.portico.control.api;

import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.INIT_NAME;
import static java.lang.constant.ConstantDescs.MTD_void;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.classfile.Annotation;
import java.lang.classfile.AnnotationElement;
import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.attribute.RuntimeVisibleAnnotationsAttribute;
import java.lang.constant.ClassDesc;
import java.util.Map;
import java.util.jar.JarOutputStream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;

/**
 * Deploy artifacts for tests, written with the JDK's class-file API so that no SDK is needed: the
 * deployer reads annotations by their names and never loads a class.
 */
final class ServerJars {

    private static final ClassDesc SERVER = ClassDesc.of("dev.portico.Server");
    private static final ClassDesc ENTER = ClassDesc.of("dev.portico.Enter");

    private ServerJars() {}

    /** A valid {@code @Server(name = serverName, unauthenticated = true)} class with one {@code @Enter} method. */
    static byte[] serverClass(String className, String serverName) {
        return ClassFile.of().build(ClassDesc.of(className), c -> c
                .withFlags(ClassFile.ACC_PUBLIC | ClassFile.ACC_SUPER)
                .with(RuntimeVisibleAnnotationsAttribute.of(Annotation.of(SERVER,
                        AnnotationElement.ofString("name", serverName),
                        AnnotationElement.ofBoolean("unauthenticated", true))))
                .withMethodBody(INIT_NAME, MTD_void, ClassFile.ACC_PUBLIC, code -> code
                        .aload(0).invokespecial(CD_Object, INIT_NAME, MTD_void).return_())
                .withMethod("startup", MTD_void, ClassFile.ACC_PUBLIC, method -> method
                        .with(RuntimeVisibleAnnotationsAttribute.of(Annotation.of(ENTER)))
                        .withCode(CodeBuilder::return_)));
    }

    /** A jar holding {@link #serverClass}. */
    static byte[] server(String className, String serverName) {
        return jar(Map.of(entryName(className), serverClass(className, serverName)));
    }

    /**
     * A jar holding {@link #serverClass}, stored rather than deflated: damage to its bytes reaches the
     * class-file reader instead of failing decompression.
     */
    static byte[] storedServer(String className, String serverName) {
        byte[] type = serverClass(className, serverName);
        ZipEntry entry = new ZipEntry(entryName(className));
        CRC32 crc = new CRC32();
        crc.update(type);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(type.length);
        entry.setCrc(crc.getValue());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bytes)) {
            out.putNextEntry(entry);
            out.write(type);
            out.closeEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A jar with one class that has no {@code @Server} annotation. */
    static byte[] plain(String className) {
        byte[] type = ClassFile.of().build(ClassDesc.of(className), c -> c.withFlags(ClassFile.ACC_PUBLIC));
        return jar(Map.of(entryName(className), type));
    }

    /** A valid class of about {@code mebibytes} MiB: its constant pool holds that much text. */
    static byte[] largeClass(String className, int mebibytes) {
        return ClassFile.of().build(ClassDesc.of(className), c -> {
            c.withFlags(ClassFile.ACC_PUBLIC);
            for (int i = 0; i < mebibytes * 16; i++) {
                c.constantPool().utf8Entry(i + "x".repeat(65_000));
            }
        });
    }

    /** A jar of the given entries, in the map's order. */
    static byte[] jar(Map<String, byte[]> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(entry.getKey()));
                out.write(entry.getValue());
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static String entryName(String className) {
        return className.replace('.', '/') + ".class";
    }
}
