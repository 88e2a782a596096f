package io.sluice.replay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Offsets to reset to, in the CSV that {@code kafka-consumer-groups --reset-offsets --export} writes:
 * {@code topic,partition,offset} per line, or {@code group,topic,partition,offset}. Blank lines and
 * {@code #} comments are skipped; rows for other topics or groups are an error, not ignored.
 */
public final class OffsetsFile {
    private OffsetsFile() {
    }

    /** The offsets for {@code topic}; a {@link IllegalArgumentException} names the file, line and what is valid. */
    public static ResetTarget.PerPartition read(Path file, String group, String topic) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--from-file " + file + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException("--from-file " + file + " cannot be read: " + e.getMessage());
        }
        Map<Integer, Long> offsets = new TreeMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = file + ":" + (i + 1) + ": '" + line + "'";
            String[] f = line.split("\\s*,\\s*");
            if (f.length != 3 && f.length != 4) {
                throw new IllegalArgumentException(where + " is not topic,partition,offset (or group,topic,partition,offset)");
            }
            int o = f.length - 3;
            if (o == 1 && !f[0].equals(group)) {
                throw new IllegalArgumentException(where + " is for group " + f[0] + ", not " + group);
            }
            if (!f[o].equals(topic)) {
                throw new IllegalArgumentException(where + " is for topic " + f[o] + ", not " + topic + " (choose it with --topic)");
            }
            try {
                int partition = Integer.parseInt(f[o + 1]);
                long offset = Long.parseLong(f[o + 2]);
                if (partition < 0 || offset < 0) {
                    throw new NumberFormatException();
                }
                if (offsets.put(partition, offset) != null) {
                    throw new IllegalArgumentException(where + " lists partition " + partition + " a second time");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(where + ": partition and offset must be whole numbers >= 0");
            }
        }
        if (offsets.isEmpty()) {
            throw new IllegalArgumentException("--from-file " + file + " lists no offsets");
        }
        return new ResetTarget.PerPartition(offsets, file.toString());
    }
}
