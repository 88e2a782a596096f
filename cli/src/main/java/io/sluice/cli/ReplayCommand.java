package io.sluice.cli;

import io.sluice.config.ConfigException;
import io.sluice.config.Durations;
import io.sluice.config.SluiceConfig;
import io.sluice.kafka.KafkaClients;
import io.sluice.replay.ConsumerGroupOffsets;
import io.sluice.replay.DeadLetterReplay;
import io.sluice.replay.OffsetResetPlan;
import io.sluice.replay.ReplayException;
import io.sluice.replay.ResetTarget;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;

/**
 * {@code sluice replay}: backfill by moving a stopped group's offsets on the batches topic, or send
 * dead-lettered batches back to it. Both are dry runs unless {@code --execute}.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Backfill: move a stopped consumer group's offsets on the batches topic, or re-publish dead-lettered batches.",
                "Dry run unless --execute: prints what would change and changes nothing."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done (or dry run printed)", "1:refused or failed (active group members, broker unreachable, missing topic)",
                "2:bad usage or configuration"})
public final class ReplayCommand implements Callable<Integer> {
    static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(30);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ConfigOption config;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Mode mode;

    @Option(names = "--execute", description = "Make the change; without it nothing is committed or published.")
    boolean execute;

    @Option(names = "--dry-run", description = "Only print what would change (the default; as in kafka-consumer-groups).")
    boolean dryRun;

    /** Now, for --by-duration; tests may replace it. */
    InstantSource clock = InstantSource.system();

    static final class Mode {
        @ArgGroup(exclusive = false, multiplicity = "1", heading = "%nMove a group's offsets:%n", order = 1)
        GroupReset reset;

        @ArgGroup(exclusive = false, multiplicity = "1", heading = "%nRe-publish dead letters:%n", order = 2)
        DeadLetter deadLetter;
    }

    static final class GroupReset {
        @Option(names = "--group", required = true, paramLabel = "G", order = 1,
                description = "Consumer group whose offsets move; it must have no active members.")
        String group;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        @Option(names = "--topic", paramLabel = "TOPIC[:P,...]", order = 9,
                description = {"Topic whose offsets move (default: kafka.topics.batches).", "TOPIC:0,3 moves only partitions 0 and 3."})
        String topic;
    }

    static final class Target {
        @Option(names = "--to-datetime", paramLabel = "T", order = 2,
                description = "First record at or after T, for example 2026-11-28T12:00:00Z (ISO-8601; no zone means UTC).")
        String toDatetime;

        @Option(names = "--by-duration", paramLabel = "D", order = 3,
                description = "First record at or after now minus D: 30m, 2h, 1d.")
        String byDuration;

        @Option(names = "--to-earliest", order = 4, description = "The first record still in each partition.")
        boolean toEarliest;

        @Option(names = "--to-offset", paramLabel = "N", order = 5,
                description = "Offset N on every partition, clamped to what the partition holds.")
        Long toOffset;

        @Option(names = "--to-latest", order = 6, description = "The end of each partition: skip everything not yet processed.")
        boolean toLatest;

        @Option(names = "--shift-by", paramLabel = "N", order = 7,
                description = "The current offset plus N (negative: back, replaying N records per partition), clamped.")
        Long shiftBy;

        @Option(names = "--from-file", paramLabel = "CSV", order = 8,
                description = "Per-partition offsets as topic,partition,offset lines (kafka-consumer-groups --export); other partitions stay.")
        java.nio.file.Path fromFile;
    }

    static final class DeadLetter {
        @Option(names = "--from-dead-letter", required = true, order = 1,
                description = "Re-publish dead-lettered batches (kafka.topics.dead-letter) to kafka.topics.batches, once each.")
        boolean fromDeadLetter;

        @Option(names = "--dlt-group", paramLabel = "G", defaultValue = DeadLetterReplay.DEFAULT_GROUP, order = 2,
                description = "Group that remembers how far the dead letters were replayed (default: ${DEFAULT-VALUE}).")
        String group;

        @Option(names = "--include-poison", order = 3,
                description = "Also re-publish records dead-lettered as poison (without it they are skipped: they would be poison again).")
        boolean includePoison;

        @Option(names = "--class", paramLabel = "CLASS", order = 4,
                description = "Re-publish every batch in this slot class of the pool (default: the class each dead letter carries, or none).")
        String slotClass;
    }

    @Override
    public Integer call() {
        if (execute && dryRun) {
            throw usage("--execute and --dry-run contradict each other; give one (without either it is a dry run)");
        }
        SluiceConfig cfg = config.load();
        TopicPartitions where = mode.reset == null ? null
                : TopicPartitions.parse(mode.reset.topic, cfg.kafka().topics().batches(), this::usage);
        ResetTarget target = mode.reset == null ? null : target(mode.reset.target, where.topic());
        PrintWriter out = spec.commandLine().getOut();
        Admin admin = KafkaClients.admin(cfg.kafka());
        try {
            ConsumerGroupOffsets groups = ConsumerGroupOffsets.using(admin, cfg.kafka().bootstrapServers(), KAFKA_TIMEOUT);
            if (mode.deadLetter != null) {
                String slotClass = mode.deadLetter.slotClass;
                if (slotClass != null && !slotClass.matches("[A-Za-z0-9_.-]+")) {
                    throw usage("--class '" + slotClass + "' must be letters, digits, '_', '.' or '-'");
                }
                new DeadLetterReplay(cfg.kafka(), groups, mode.deadLetter.group, mode.deadLetter.includePoison, slotClass)
                        .run(execute).print(out);
            } else {
                reset(groups, where, target, out);
            }
            return 0;
        } catch (ReplayException e) {
            out.flush();
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 1;
        } finally {
            out.flush();
            admin.close(Duration.ofSeconds(5));
        }
    }

    private void reset(ConsumerGroupOffsets groups, TopicPartitions where, ResetTarget target, PrintWriter out) {
        String group = mode.reset.group;
        String topic = where.topic();
        groups.requireNoActiveMembers(group, "with KEDA: kubectl annotate scaledobject/sluice-worker autoscaling.keda.sh/paused-replicas=0; without: scale the Deployment to 0");
        OffsetResetPlan plan = groups.plan(group, topic, where.partitions(), target);
        plan.print(out);
        if (!execute) {
            out.println("dry run: nothing changed; add --execute to move the offsets");
            return;
        }
        groups.apply(plan);
        out.printf("committed: group %s now starts from TARGET on %d partitions; start its consumers to replay %d records%n",
                group, plan.rows().size(), plan.totalToReplay());
    }

    private ResetTarget target(Target t, String topic) {
        if (t.toEarliest) {
            return new ResetTarget.Earliest();
        }
        if (t.toLatest) {
            return new ResetTarget.Latest();
        }
        if (t.shiftBy != null) {
            return new ResetTarget.ShiftBy(t.shiftBy);
        }
        if (t.fromFile != null) {
            try {
                return io.sluice.replay.OffsetsFile.read(t.fromFile, mode.reset.group, topic);
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
        }
        if (t.toOffset != null) {
            if (t.toOffset < 0) {
                throw usage("--to-offset " + t.toOffset + " is negative; valid: an offset >= 0");
            }
            return new ResetTarget.Offset(t.toOffset);
        }
        if (t.byDuration != null) {
            Duration d;
            try {
                d = Durations.parse("--by-duration", t.byDuration);
            } catch (ConfigException e) {
                throw usage(e.getMessage());
            }
            return new ResetTarget.AtTime(clock.instant().minus(d));
        }
        return new ResetTarget.AtTime(parseDateTime(t.toDatetime));
    }

    private Instant parseDateTime(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException ignored) {
            // try the zone-less forms, read as UTC
        }
        try {
            return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException ignored) {
            // try a bare date
        }
        try {
            return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException e) {
            throw usage("--to-datetime '" + text + "' is not an ISO-8601 date-time; valid examples: 2026-11-28T12:00:00Z, "
                    + "2026-11-28T12:00:00 (UTC), 2026-11-28T13:00:00+01:00, 2026-11-28");
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
