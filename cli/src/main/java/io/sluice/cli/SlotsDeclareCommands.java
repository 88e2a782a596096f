package io.sluice.cli;

import io.sluice.config.Durations;
import io.sluice.config.SluiceConfig;
import io.sluice.slots.PoolDeclaration;
import io.sluice.slots.PoolDescription;
import io.sluice.slots.SlotPoolException;
import io.sluice.slots.UndeclaredPoolException;
import io.sluice.slots.admin.PoolDescriptionView;
import io.sluice.slots.admin.PoolsFile;
import io.sluice.slots.internal.RedisPoolAdmin;
import io.sluice.slots.internal.RedisPoolAdmin.Outcome;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice slots create | describe | list | apply}: pools are declared before they are used. They talk to
 * Redis through {@link RedisPoolAdmin}, not as a pool client: describe and list only read.
 */
final class SlotsDeclareCommands {
    private SlotsDeclareCommands() {
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Declare a pool: its limit and its classes. Refused (exit 2) if the pool exists: change it with apply.",
                    "A pool with no state in Redis is built fenced for slots.lease-ttl, unless slots.assume-new-pool is true.",
                    "A never-used name and a pool Redis lost look the same."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:done", "1:Redis unreachable or failed within redis.timeout", "2:bad usage or configuration, or the pool exists"})
    static final class Create implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @CommandLine.ParentCommand
        SlotsCommand parent;
        @Mixin
        ConfigOption config;
        @Parameters(paramLabel = "POOL", description = "The pool's name (slots.pool of its clients).")
        String pool;
        @Option(names = "--limit", required = true, paramLabel = "N", description = "The pool's total cap, 1.." + Integer.MAX_VALUE + ".")
        int limit;
        @Option(names = "--class", paramLabel = "NAME:SHARE[:LENDABLE%][:BORROW-LIMIT%]",
                description = {"A class of work (repeatable): SHARE in seats or percent of the limit.",
                        "LENDABLE (default: 0%) of its seats are reclaimed after others' guaranteed seats.",
                        "BORROW-LIMIT (default: none) caps what it may hold beyond its nominal seats, in percent of them.",
                        "Idle seats of every class are lent; a borrowed seat returns to its owner at the next release."})
        List<String> classes = new ArrayList<>();

        @Override
        public Integer call() {
            PoolDeclaration d = declaration(spec, pool, limit, classes);
            return withAdmin(spec, parent.chosen(config), (admin, cfg, out) -> {
                Outcome o = admin.declare(d, true, cfg.slots().leaseTtl(), cfg.slots().assumeNewPool());
                if (o == Outcome.EXISTS) {
                    spec.commandLine().getErr().printf("error: pool %s exists; change it with: sluice slots apply -f FILE%n", pool);
                    return 2;
                }
                out.printf("pool %s %s%n", pool, o);
                return 0;
            });
        }
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = {"Declare every pool of a file, as kubectl apply does: prints created, unchanged or configured per pool.",
                    "An unchanged pool is not written. The file: pools: [{name, limit, classes: [NAME:SHARE[:LENDABLE%][:BORROW-LIMIT%]]}]."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:done", "1:Redis unreachable or failed within redis.timeout", "2:bad usage or configuration"})
    static final class Apply implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @CommandLine.ParentCommand
        SlotsCommand parent;
        @Mixin
        ConfigOption config;
        @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE", description = "The pools file (YAML).")
        Path file;

        @Override
        public Integer call() {
            List<PoolDeclaration> pools = PoolsFile.read(file);
            return withAdmin(spec, parent.chosen(config), (admin, cfg, out) -> {
                for (PoolDeclaration d : pools) {
                    out.printf("pool %s %s%n", d.pool(), admin.declare(d, false, cfg.slots().leaseTtl(), cfg.slots().assumeNewPool()));
                }
                return 0;
            });
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "A pool's declaration (default: slots.pool): limit, live limit, classes. Reads only.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:done", "1:Redis unreachable or failed within redis.timeout", "2:bad usage or configuration, or a pool that was never declared"})
    static final class Describe implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @CommandLine.ParentCommand
        SlotsCommand parent;
        @Mixin
        ConfigOption config;
        @Parameters(paramLabel = "POOL", arity = "0..1", description = "The pool (default: slots.pool).")
        String pool;
        @Option(names = "--json", description = "One JSON object instead of the table.")
        boolean json;

        @Override
        public Integer call() {
            return withAdmin(spec, parent.chosen(config), (admin, cfg, out) -> {
                String name = pool != null ? pool : cfg.slots().pool();
                Optional<PoolDescription> d = admin.describe(name);
                if (d.isEmpty()) {
                    throw admin.undeclared(name);
                }
                if (json) {
                    PoolDescriptionView.printJson(d.get(), out);
                } else {
                    PoolDescriptionView.printTable(d.get(), out);
                }
                return 0;
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The pools in the Redis at redis.uri, with limits and classes. Reads only.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:done", "1:Redis unreachable or failed within redis.timeout", "2:bad usage or configuration"})
    static final class ListPools implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @CommandLine.ParentCommand
        SlotsCommand parent;
        @Mixin
        ConfigOption config;

        @Override
        public Integer call() {
            return withAdmin(spec, parent.chosen(config), (admin, cfg, out) -> {
                List<String> names = admin.list();
                int width = Math.max(4, names.stream().mapToInt(String::length).max().orElse(4));
                out.printf("%-" + width + "s  %6s  %6s  %s%n", "POOL", "LIMIT", "LIVE", "CLASSES");
                for (String name : names) {
                    admin.describe(name).ifPresent(d -> out.printf("%-" + width + "s  %6d  %6d  %s%n", name, d.declaration().limit(),
                            d.liveLimit(), d.declaration().classes().stream().map(PoolDeclaration.PoolClass::spec)
                                    .reduce((a, b) -> a + " " + b).orElse(d.predeclared() ? "(declared before declarations)" : "-")));
                }
                return 0;
            });
        }
    }

    static PoolDeclaration declaration(CommandLine.Model.CommandSpec spec, String pool, int limit, List<String> classes) {
        try {
            List<PoolDeclaration.PoolClass> parsed = new ArrayList<>();
            for (String c : classes) {
                parsed.add(PoolDeclaration.PoolClass.parse(c));
            }
            return new PoolDeclaration(pool, limit, parsed);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    @FunctionalInterface
    interface AdminAction {
        int run(RedisPoolAdmin admin, SluiceConfig cfg, PrintWriter out);
    }

    /** As {@link SlotsCommand#withPool}: an undeclared pool exits 2, Redis failures exit 1 with one line. */
    static int withAdmin(CommandLine.Model.CommandSpec spec, ConfigOption config, AdminAction action) {
        SluiceConfig cfg = config.load();
        PrintWriter out = spec.commandLine().getOut();
        try (RedisPoolAdmin admin = RedisPoolAdmin.connect(cfg.redis().uri(), cfg.redis().timeout())) {
            return action.run(admin, cfg, out);
        } catch (UndeclaredPoolException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 2;
        } catch (SlotPoolException e) {
            spec.commandLine().getErr().printf("error: Redis at %s (redis.uri) failed or did not answer within %s (redis.timeout): %s%n",
                    cfg.redis().redactedUri(), Durations.format(cfg.redis().timeout()), SlotsCommand.rootMessage(e));
            return 1;
        } finally {
            out.flush();
        }
    }
}
