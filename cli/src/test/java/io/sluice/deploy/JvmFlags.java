package io.sluice.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The image's JVM memory flags (JVM_FLAGS in the Dockerfile) and what they add up to in a container. */
record JvmFlags(double maxRamPercentage, long metaspace, long codeCache, long directMemory) {
    /** Thread stacks, GC structures, Netty's and the JIT's own native memory: not capped by any flag. */
    static final long UNCAPPED = 64L << 20;

    static JvmFlags fromDockerfile(Path dockerfile) throws Exception {
        String text = Files.readString(dockerfile);
        Matcher m = Pattern.compile("JVM_FLAGS=\"([^\"]*)\"").matcher(text);
        if (!m.find()) throw new AssertionError(dockerfile + ": no JVM_FLAGS=\"...\"");
        String flags = m.group(1);
        return new JvmFlags(Double.parseDouble(flag(flags, "MaxRAMPercentage")), size(flag(flags, "MaxMetaspaceSize")),
                size(flag(flags, "ReservedCodeCacheSize")), size(flag(flags, "MaxDirectMemorySize")));
    }

    /** Heap at its cap plus the capped native areas plus {@link #UNCAPPED}, in a container of {@code limit} bytes. */
    long footprint(long limit) {
        return (long) (limit * maxRamPercentage / 100) + metaspace + codeCache + directMemory + UNCAPPED;
    }

    private static String flag(String flags, String name) {
        Matcher m = Pattern.compile("-XX:" + name + "=(\\S+)").matcher(flags);
        if (!m.find()) throw new AssertionError("JVM_FLAGS lacks -XX:" + name + " (without it that area grows unbounded): " + flags);
        return m.group(1);
    }

    /** A JVM size: 96m, 1g, 65536k. */
    static long size(String v) {
        long n = Long.parseLong(v.replaceAll("[kKmMgG]$", ""));
        return switch (Character.toLowerCase(v.charAt(v.length() - 1))) {
            case 'k' -> n << 10;
            case 'm' -> n << 20;
            case 'g' -> n << 30;
            default -> n;
        };
    }

    /** A Kubernetes quantity as bytes: 512Mi, 1Gi, 800M. */
    static long quantity(String q) {
        Matcher m = Pattern.compile("([0-9]+)(Ki|Mi|Gi|K|M|G)?").matcher(q);
        if (!m.matches()) throw new AssertionError("unsupported memory quantity " + q);
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2);
        return switch (unit) {
            case "Ki" -> n << 10;
            case "Mi" -> n << 20;
            case "Gi" -> n << 30;
            case "K" -> n * 1000;
            case "M" -> n * 1000_000;
            case "G" -> n * 1000_000_000;
            default -> n;
        };
    }

    @Override
    public String toString() {
        return "heap " + maxRamPercentage + "% + metaspace " + (metaspace >> 20) + "Mi + code cache " + (codeCache >> 20)
                + "Mi + direct " + (directMemory >> 20) + "Mi + " + (UNCAPPED >> 20) + "Mi uncapped";
    }
}
