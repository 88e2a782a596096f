package io.sluice.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.config.Durations;
import io.sluice.config.SluiceConfig;
import io.sluice.slots.SlotPool;
import io.sluice.slots.SlotPoolException;
import io.sluice.slots.UndeclaredPoolException;
import io.sluice.slots.admin.PoolStatusView;
import io.sluice.worker.gate.Gates;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.util.concurrent.Callable;

/** {@code sluice slots}: inspect the slot pool, change its live limit, reclaim expired leases now. */
@Command(name = "slots", mixinStandardHelpOptions = true,
        description = {"Declare, inspect and steer slot pools in the Redis at redis.uri (status, set-limit and reap act on slots.pool).",
                "Every command but create and apply refuses a pool that was never declared (exit 2) and writes nothing."},
        subcommands = {SlotsCommand.Status.class, SlotsCommand.SetLimit.class, SlotsCommand.Reap.class,
                SlotsDeclareCommands.Create.class, SlotsDeclareCommands.Apply.class, SlotsDeclareCommands.Describe.class,
                SlotsDeclareCommands.ListPools.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:Redis unreachable or failed within redis.timeout", "2:bad usage or configuration, or a pool that was never declared"})
public final class SlotsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** {@code sluice slots --config F status} as the design writes it; {@code slots status --config F} works too. */
    @Mixin
    ConfigOption config;

    @Override
    public void run() {
        throw UsageErrors.missingSubcommand(spec);
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:done", "1:Redis unreachable or failed within redis.timeout", "2:bad usage or configuration"},
            description = "Pool name, live limit, leases in use, queued waiters, and every live lease (owner, age).")
    static final class Status implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @CommandLine.ParentCommand
        SlotsCommand parent;
        @Mixin
        ConfigOption config;
        @Option(names = "--json", description = "One JSON object instead of the table.")
        boolean json;

        @Override
        public Integer call() {
            return withPool(spec, parent.chosen(config), (pool, cfg, out) -> {
                var status = pool.status();
                if (json) {
                    PoolStatusView.printJson(status, out);
                } else {
                    PoolStatusView.printTable(status, out);
                }
                return 0;
            });
        }
    }

    @Command(name = "set-limit", mixinStandardHelpOptions = true,
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:done", "1:Redis unreachable or failed within redis.timeout", "2:bad usage or configuration"},
            description = {"Change the live limit for every client of the pool at once.",
                    "Lowering revokes no running lease: it only stops new grants until usage falls below N."})
    static final class SetLimit implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @CommandLine.ParentCommand
        SlotsCommand parent;
        @Mixin
        ConfigOption config;
        /** The range slots.limit has in the config file (ConfigLoader), so a live limit is one a config could set. */
        static final int MAX_LIMIT = 1_000_000;

        @Parameters(paramLabel = "N", description = "The new limit, 1.." + MAX_LIMIT + ", as slots.limit allows.")
        int limit;

        @Override
        public Integer call() {
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "set-limit N: " + limit + " is out of range; valid: 1.." + MAX_LIMIT + ", as for slots.limit"
                                + (limit < 1 ? " (a pool with no slots would stop all work; scale the workers down instead)" : ""));
            }
            return withPool(spec, parent.chosen(config), (pool, cfg, out) -> {
                int previous = pool.setLimit(limit);
                out.printf("pool %s: limit %d -> %d%n", cfg.slots().pool(), previous, limit);
                return 0;
            });
        }
    }

    @Command(name = "reap", mixinStandardHelpOptions = true,
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:done", "1:Redis unreachable or failed within redis.timeout", "2:bad usage or configuration"},
            description = {"Delete expired leases and dead clients now and hand the freed slots to waiters.",
                    "Expired leases never count against the limit; live clients purge those that expired over a minute ago on"
                            + " their heartbeats, so the count shows what expired since; 'in use' shows the result."})
    static final class Reap implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @CommandLine.ParentCommand
        SlotsCommand parent;
        @Mixin
        ConfigOption config;

        @Override
        public Integer call() {
            return withPool(spec, parent.chosen(config), (pool, cfg, out) -> {
                int reaped = pool.reap();
                var after = pool.status();
                out.printf("pool %s: reaped %d expired lease%s; in use %d of %d%n", after.pool(), reaped,
                        reaped == 1 ? "" : "s", after.inUse(), after.limit());
                return 0;
            });
        }
    }

    @FunctionalInterface
    interface PoolAction {
        int run(SlotPool pool, SluiceConfig cfg, PrintWriter out);
    }

    /** The subcommand's own --config when given, else the one before the subcommand. */
    ConfigOption chosen(ConfigOption own) {
        return own.or(config);
    }

    /**
     * Opens a pool client for one admin call. Connection and command failures exit 1 with one line
     * naming the pool and the (password-masked) URI; the client's own timeouts are {@code redis.timeout}.
     */
    static int withPool(CommandLine.Model.CommandSpec spec, ConfigOption config, PoolAction action) {
        SluiceConfig cfg = config.load();
        PrintWriter out = spec.commandLine().getOut();
        String client = "sluice-slots-admin-" + ManagementFactory.getRuntimeMXBean().getName();
        try (SlotPool pool = Gates.pool(cfg, client, new SimpleMeterRegistry())) {
            return action.run(pool, cfg, out);
        } catch (UndeclaredPoolException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 2;
        } catch (SlotPoolException e) {
            spec.commandLine().getErr().printf("error: slot pool %s at %s (redis.uri) failed or did not answer within %s (redis.timeout): %s%n",
                    cfg.slots().pool(), cfg.redis().redactedUri(), Durations.format(cfg.redis().timeout()), rootMessage(e));
            return 1;
        } finally {
            out.flush();
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        // Lettuce may echo the URI it was given; never print a password it might hold.
        return m.replaceAll("://[^@/\\s]*@", "://***@");
    }
}
