package io.sluice.cli;

import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/** {@code replay --topic TOPIC[:P,...]}, as kafka-consumer-groups takes it: a topic, optionally only some partitions. */
record TopicPartitions(String topic, Set<Integer> partitions) {
    static TopicPartitions parse(String text, String defaultTopic, Function<String, RuntimeException> usage) {
        if (text == null) {
            return new TopicPartitions(defaultTopic, Set.of());
        }
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            return new TopicPartitions(text, Set.of());
        }
        Set<Integer> ps = new TreeSet<>();
        for (String p : text.substring(colon + 1).split(",")) {
            try {
                int n = Integer.parseInt(p.strip());
                if (n < 0) throw new NumberFormatException();
                ps.add(n);
            } catch (NumberFormatException e) {
                throw usage.apply("--topic '" + text + "': '" + p + "' is not a partition number; valid: TOPIC or TOPIC:0,1,2");
            }
        }
        if (text.substring(0, colon).isBlank()) {
            throw usage.apply("--topic '" + text + "' names no topic; valid: TOPIC or TOPIC:0,1,2");
        }
        return new TopicPartitions(text.substring(0, colon), Set.copyOf(ps));
    }
}
